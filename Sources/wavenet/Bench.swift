import ArgumentParser
import Foundation
import WaveNet

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure training or generation speed (use a release build).",
        subcommands: [BenchTrain.self])
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
        guard batch >= 1, segment >= 1, steps >= 1, threads >= 1 else {
            throw ValidationError("--batch, --segment, --steps and --threads must be at least 1")
        }
    }

    func run() throws {
        let config = try architecture.config()
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
