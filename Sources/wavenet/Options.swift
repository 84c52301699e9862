import ArgumentParser
import AudioIO
import FileIO
import WaveNet

/// The architecture flags shared by `train` and `bench`.
struct ArchitectureOptions: ParsableArguments {
    @Option(help: "Model sample rate in Hz.") var sampleRate: Int?
    @Option(help: "mu-law classes Q (softmax size).") var quantizationChannels: Int?
    @Option(help: "Residual channels R.") var residualChannels: Int?
    @Option(help: "Dilation (gate) channels D.") var dilationChannels: Int?
    @Option(help: "Skip channels S.") var skipChannels: Int?
    @Option(help: "Number of dilation stacks K, \(Limits.stacks.text).") var stacks: Int?
    @Option(help: "Layers per stack N: dilations 1, 2, ..., 2^(N-1); \(Limits.depth.text).") var depth: Int?

    /// True when any architecture flag was given.
    var anyGiven: Bool {
        [sampleRate, quantizationChannels, residualChannels, dilationChannels, skipChannels, stacks, depth].contains { $0 != nil }
    }

    /// `base` (by default the default architecture) with the given flags applied.
    func config(base defaults: ModelConfig = ModelConfig(), condChannels: Int? = nil, classNames: [String]? = nil) throws -> ModelConfig {
        try checkLimits {
            try Limits.stacks.check(stacks)
            try Limits.depth.check(depth)
        }
        let config = ModelConfig(
            sampleRate: sampleRate ?? defaults.sampleRate,
            quantizationChannels: quantizationChannels ?? defaults.quantizationChannels,
            residualChannels: residualChannels ?? defaults.residualChannels,
            dilationChannels: dilationChannels ?? defaults.dilationChannels,
            skipChannels: skipChannels ?? defaults.skipChannels,
            dilations: stacks == nil && depth == nil ? defaults.dilations : ModelConfig.dilations(stacks: stacks ?? 2, depth: depth ?? 10),
            condChannels: condChannels ?? defaults.condChannels, classNames: classNames ?? defaults.classNames)
        do {
            try config.validate()
        } catch {
            throw ValidationError("\(error)")
        }
        return config
    }
}

extension SampleFormat: ExpressibleByArgument {
    /// `s16` or `float`; `pcm16` is the old spelling of `s16`.
    public init?(argument: String) { self.init(rawValue: argument == "pcm16" ? "s16" : argument) }
}

/// Runs limit checks, turning a value out of range into a usage error (exit 64).
func checkLimits(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as LimitError {
        throw ValidationError(error.description)
    }
}

/// Local conditioning is in the model library (forward, backward, checkpoints) but not yet in
/// the tool's training, generation and evaluation: refuse such a checkpoint instead of trapping.
func refuseLocalConditioning(_ config: ModelConfig, _ path: String) throws {
    if let local = config.local {
        throw FileError(path, "this model is locally conditioned (\(local.features.rawValue) features); this version cannot run such models yet")
    }
}
