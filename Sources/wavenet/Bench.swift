import ArgumentParser
import FileIO
import Foundation
import WaveNet

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure training or generation speed (use a release build).",
        subcommands: [BenchTrain.self, BenchGenerate.self, BenchPeak.self])
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
        commandName: "generate", abstract: "Time generation: samples per second (all streams) and the real-time factor.",
        usage: """
            wavenet bench generate [--checkpoint <file>] [--streams <n>] [--samples <n>] [--threads <n>]
                                   [--kernel naive|baseline|fused] [--isa avx512|avx2|plain] [--precision auto|float|half]
                                   [--json] [architecture options of a random model]
            """)

    @Option(help: "Use this model's weights and architecture instead of a random model.") var checkpoint: String?
    @OptionGroup var architecture: ArchitectureOptions
    @Option(help: "Streams generated together.") var streams = 1
    @Option(help: "Samples per stream.") var samples = 16000
    @Option(help: "naive (a full forward pass per sample, the reference), baseline (separate small products), or fused.")
    var kernel: GenerationBenchmark.Kernel = .fused
    @Flag(help: .hidden) var naive = false  // the old spelling of --kernel naive
    @Option(help: "Instruction set of the C kernels: avx512, avx2 or plain (default: the best this CPU has).")
    var isa: KernelPath?
    @Option(help: ArgumentHelp("Weights of the fused kernel: auto (as generate: half where one core's L2 cannot hold the float weights), float or half.", valueName: "auto|float|half"))
    var precision: PrecisionSetting = .auto
    @Option(help: "CPU threads (with several streams, lanes of streams run on them).") var threads = 1
    @Flag(help: "Print one JSON object.") var json = false

    /// The generation figures and their yardsticks, as one flat JSON object.
    struct Report: Encodable {
        var generation: GenerationBenchmark.Result
        var sgemmGFLOPS: Double, weightsGBPerSecond: Double, weightReadBoundSamplesPerSecond: Double
        enum CodingKeys: String, CodingKey {
            case sgemmGFLOPS = "sgemm_gflops", weightsGBPerSecond = "weights_gb_per_second"
            case weightReadBoundSamplesPerSecond = "weight_read_bound_samples_per_second"
        }

        func encode(to encoder: Encoder) throws {
            try generation.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(sgemmGFLOPS, forKey: .sgemmGFLOPS)
            try container.encode(weightsGBPerSecond, forKey: .weightsGBPerSecond)
            try container.encode(weightReadBoundSamplesPerSecond, forKey: .weightReadBoundSamplesPerSecond)
        }
    }

    mutating func validate() throws {
        if naive { kernel = .naive }
        try checkLimits {
            try Limits.streams.check(streams)
            try Limits.samples.check(samples)
            try Limits.threads.check(threads)
        }
        if checkpoint != nil && architecture.anyGiven { throw ValidationError("give --checkpoint or architecture flags, not both") }
        if precision == .half && kernel != .fused { throw ValidationError("--precision half needs --kernel fused") }
        if let isa, !isa.isSupported { throw ValidationError("--isa \(isa): this CPU lacks it (it has \(KernelPath.supported))") }
    }

    func run() throws {
        let parameters: Parameters
        if let checkpoint {
            parameters = try Checkpoint.load(try ShippedModels.resolve(checkpoint), withOptimizer: false).parameters
            if kernel == .naive && parameters.config.local != nil { throw FileError(checkpoint, "the naive path does not take a locally conditioned model") }
        } else {
            parameters = try Parameters(config: try architecture.config())
            parameters.initialize(seed: 1)
        }
        let c = parameters.config
        // Each stream's queues hold one row per dilation step; the output holds every sample.
        try checkMemory(Double(streams) * (Double(c.receptiveField * c.residualChannels) * 4 + Double(samples) * 4),
                        for: "\(streams) streams x \(samples) samples", advice: "lower --streams or --samples")
        if let isa { KernelPath.current = isa }
        // auto takes half only where the fused kernel runs (the others read float weights).
        let weights = kernel == .fused ? precision.resolve(for: c) : .float
        let result = GenerationBenchmark.run(parameters: parameters, streams: streams, samples: samples, kernel: kernel,
                                             precision: weights, threads: threads)
        // The yardsticks beside it: sgemm on as many threads, and one core reading a buffer the size of the weights.
        let sgemm = PeakBenchmark.sgemm(threads: threads)
        let bandwidth = PeakBenchmark.readBandwidth(bytes: result.weightBytesPerStep)
        let readBound = bandwidth * 1e9 / Double(result.weightBytesPerStep)
        if json {
            printJSON(Report(generation: result, sgemmGFLOPS: sgemm, weightsGBPerSecond: bandwidth, weightReadBoundSamplesPerSecond: readBound))
        } else {
            print(String(format: "%.0f samples/s, %.2fx real time per stream (%d streams x %d samples, %d threads, %@ kernel, %@, %@ weights)",
                         result.samplesPerSecond, result.realtimeFactor, streams, samples, threads, kernel.rawValue, result.isa,
                         result.precision))
            print(String(format: "%.1f GFLOP/s = %.0f%% of %d-thread sgemm (%.1f GFLOP/s); %.0f KB of weights read per step at %.0f GB/s bound one stream at %.0f samples/s (%.0f%% reached)",
                         result.gflops, 100 * result.gflops / sgemm, threads, sgemm, Double(result.weightBytesPerStep) / 1e3, bandwidth, readBound,
                         100 * result.samplesPerSecond / Double(streams) / readBound))
        }
    }
}

struct BenchPeak: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peak", abstract: "The machine's yardsticks: sgemm GFLOP/s and read bandwidth from cache and memory.")

    @Option(help: "Use this model's weight size for the cache buffer instead of 1 MB.") var checkpoint: String?
    @Option(help: "Threads for the multi-thread sgemm figure.") var threads = 2
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        try checkLimits { try Limits.threads.check(threads) }
    }

    func run() throws {
        var bytes = 1 << 20
        if let checkpoint {
            bytes = Generator.weightBytesPerStep(try Checkpoint.load(try ShippedModels.resolve(checkpoint), withOptimizer: false).config)
        }
        let result = PeakBenchmark.run(threads: threads, bufferBytes: bytes)
        if json {
            printJSON(result)
        } else {
            print(String(format: "sgemm 1024^3: %.1f GFLOP/s on one thread, %.1f on %d; reading %.0f KB from cache %.0f GB/s, 512 MB from memory %.1f GB/s (%@)",
                         result.sgemmGFLOPS, result.sgemmThreadsGFLOPS, threads, Double(bytes) / 1e3, result.bufferGBPerSecond,
                         result.memoryGBPerSecond, result.isa))
        }
    }
}

extension GenerationBenchmark.Kernel: ExpressibleByArgument {}

extension KernelPath: ExpressibleByArgument {
    public init?(argument: String) {
        guard let path = KernelPath.allCases.first(where: { "\($0)" == argument }) else { return nil }
        self = path
    }

    public static var allValueStrings: [String] { allCases.map { "\($0)" } }
}
