import ArgumentParser
import FileIO
import Foundation
import WaveNet

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure training or generation speed (use a release build).",
        subcommands: [BenchTrain.self, BenchGenerate.self])
}

struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Time training steps on synthetic data: samples per second and peak memory.")

    @OptionGroup var architecture: ArchitectureOptions
    @Option(help: "Sequences per step.") var batch = 4
    @Option(help: "Scored samples per sequence.") var segment = 8000
    @Option(help: "Timed steps (after one warm-up step); the median is reported.") var steps = 5
    @Option(help: "CPU threads.") var threads = 2
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        try checkLimits {
            try Limits.batch.check(batch)
            try Limits.segment.check(segment)
            try Limits.benchSteps.check(steps)
            try Limits.threads.check(threads)
        }
    }

    func run() throws {
        let config = try architecture.config()
        try checkMemory(GradientEngine.estimatedBytes(config: config, threads: threads, batch: batch,
                                                      length: segment + config.receptiveField - 1, outputs: segment),
                        for: "batch \(batch) x segment \(segment)", advice: "lower --batch or --segment")
        let result = try TrainingBenchmark.run(config: config, batch: batch, segment: segment, steps: steps, threads: threads)
        if json {
            printJSON(result)
        } else {
            print(String(format: "%.0f samples/s  (median of %d steps, %.3f s/step; batch %d x %d, %d threads, %d parameters); peak memory %.0f MB",
                         result.samplesPerSecond, steps, Double(batch * segment) / result.samplesPerSecond, batch, segment,
                         threads, result.parameters, Double(result.peakMemoryBytes) / 1e6))
        }
    }
}

struct BenchGenerate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Time generation: samples per second (all streams) and the real-time factor.")

    @Option(help: "Use this model's weights and architecture instead of a random model.") var checkpoint: String?
    @OptionGroup var architecture: ArchitectureOptions
    @Option(help: "Streams generated together.") var streams = 1
    @Option(help: "Samples per stream.") var samples = 16000
    @Flag(help: "Use the naive path: a full forward pass over the receptive field for every sample.") var naive = false
    @Option(help: "CPU threads.") var threads = 1
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        try checkLimits {
            try Limits.streams.check(streams)
            try Limits.samples.check(samples)
            try Limits.threads.check(threads)
        }
        if checkpoint != nil && architecture.anyGiven { throw ValidationError("give --checkpoint or architecture flags, not both") }
    }

    func run() throws {
        let parameters: Parameters
        if let checkpoint {
            parameters = try Checkpoint.load(checkpoint, withOptimizer: false).parameters
            if naive && parameters.config.local != nil { throw FileError(checkpoint, "the naive path does not take a locally conditioned model") }
        } else {
            parameters = try Parameters(config: try architecture.config())
            parameters.initialize(seed: 1)
        }
        let c = parameters.config
        // Each stream's queues hold one row per dilation step; the output holds every sample.
        try checkMemory(Double(streams) * (Double(c.receptiveField * c.residualChannels) * 4 + Double(samples) * 4),
                        for: "\(streams) streams x \(samples) samples", advice: "lower --streams or --samples")
        let result = GenerationBenchmark.run(parameters: parameters, streams: streams, samples: samples, naive: naive, threads: threads)
        if json {
            printJSON(result)
        } else {
            print(String(format: "%.0f samples/s, %.2fx real time per stream (%d streams x %d samples, %d threads%@)",
                         result.samplesPerSecond, result.realtimeFactor, streams, samples, threads, naive ? ", naive" : ""))
        }
    }
}
