import ArgumentParser
import AudioIO
import Features
import FileIO
import WaveNet

/// The architecture flags shared by `train` and `bench`.
struct ArchitectureOptions: ParsableArguments {
    @Option(help: "Model sample rate in Hz. (default: 16000)") var sampleRate: Int?
    @Option(help: "mu-law classes Q (softmax size). (default: 256)") var quantizationChannels: Int?
    @Option(help: "Residual channels R. (default: 32)") var residualChannels: Int?
    @Option(help: "Dilation (gate) channels D. (default: 32)") var dilationChannels: Int?
    @Option(help: "Skip channels S. (default: 128)") var skipChannels: Int?
    @Option(help: "Number of dilation stacks K, \(Limits.stacks.text). (default: 2)") var stacks: Int?
    @Option(help: "Layers per stack N: dilations 1, 2, ..., 2^(N-1); \(Limits.depth.text). (default: 10)") var depth: Int?

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

/// `--precision`: the weights' precision during generation, or `auto` to let the machine decide
/// (`WeightPrecision.automatic`: half where one core's L2 cannot hold the float weights).
enum PrecisionSetting: String, CaseIterable, ExpressibleByArgument {
    case auto, float, half

    func resolve(for config: ModelConfig) -> WeightPrecision {
        switch self {
        case .auto: WeightPrecision.automatic(for: config)
        case .float: .float
        case .half: .half
        }
    }

    /// The help text's account of the values.
    static let help = "Weights during generation: float, half (IEEE half precision: half the bytes read per sample, faster where reading the weights bounds the speed; logits within 0.3% of float's), or auto: half where one core's L2 cache cannot hold the float weights, else float. Float gives the same audio on every machine."
}

/// Runs limit checks, turning a value out of range into a usage error (exit 64).
func checkLimits(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as LimitError {
        throw ValidationError(error.description)
    }
}

/// Local conditioning for a new model (`train --local mel|notes`): which features and the frame network.
struct LocalOptions: ParsableArguments {
    enum Kind: String, ExpressibleByArgument, CaseIterable { case mel, notes }

    @Option(help: "Local conditioning: mel (a vocoder: mel spectrogram frames steer every sample) or notes (an instrument: a piano roll from each audio file's MIDI, piece.mid beside piece.flac).")
    var local: Kind?
    @Option(help: "Channels C of the frame network, \(Limits.localHidden.text) (default: 64).") var localHidden: Int?
    @Option(help: "Samples per feature frame (mel: 200 at 16 kHz, 256 at 22.05 kHz, 12.5 ms elsewhere; notes: 10 ms, 160 at 16 kHz).") var hop: Int?
    @Option(name: .customLong("n-fft"), help: "FFT size of the mel features, even (default: 4 hops; 1024 at 22.05 kHz).") var nFFT: Int?
    @Option(help: "Window length of the mel features, at most --n-fft (default: --n-fft).") var win: Int?
    @Option(help: "Mel bands F (default: 80).") var mels: Int?
    @Option(help: "Lowest mel frequency in Hz (default: 0).") var fmin: Double?
    @Option(help: "Highest mel frequency in Hz (default: 8000, or half the rate if lower).") var fmax: Double?
    @Option(help: "Lowest MIDI key of the notes features (default: 21, the piano's A0).") var low: Int?
    @Option(help: "Highest MIDI key of the notes features (default: 108, the piano's C8).") var high: Int?
    @Flag(inversion: .prefixedNo, help: "A causal frame network, which reads no future frames (default: --causal for notes, which live play needs; --no-causal for mel).")
    var causal: Bool?

    var anyGiven: Bool {
        local != nil || localHidden != nil || hop != nil || melGiven || low != nil || high != nil || causal != nil
    }

    var melGiven: Bool { nFFT != nil || win != nil || mels != nil || fmin != nil || fmax != nil }

    /// The `config.local` of a new model at `sampleRate`, nil without --local; usage errors for bad values.
    func config(sampleRate: Int) throws -> LocalConfig? {
        guard let local else {
            if anyGiven { throw ValidationError("--local-hidden, --hop, --n-fft, --win, --mels, --fmin, --fmax, --low, --high and --causal go with --local") }
            return nil
        }
        try checkLimits {
            try Limits.localHidden.check(localHidden)
            try Limits.hop.check(hop)
            try Limits.low.check(low)
            try Limits.high.check(high)
        }
        if local == .notes {
            if melGiven { throw ValidationError("--n-fft, --win, --mels, --fmin and --fmax go with --local mel, not notes") }
            let (low, high) = (low ?? 21, high ?? 108)
            guard low <= high else { throw ValidationError("--low \(low) is above --high \(high)") }
            return LocalConfig(features: .notes, channels: 2 * (high - low + 1), hidden: localHidden ?? 64,
                               hop: hop ?? max(1, sampleRate / 100), causal: causal ?? true, low: low, high: high)
        }
        if low != nil || high != nil { throw ValidationError("--low and --high go with --local notes, not mel") }
        var mel = MelSettings.defaults(sampleRate: sampleRate)
        if let hop {
            mel.hop = hop
            if nFFT == nil { mel.nFFT = 4 * hop; mel.win = 4 * hop }
        }
        if let nFFT { mel.nFFT = nFFT; mel.win = nFFT }
        if let win { mel.win = win }
        if let mels { mel.mels = mels }
        if let fmin { mel.fmin = fmin }
        if let fmax { mel.fmax = fmax }
        if let problem = mel.problem { throw ValidationError(problem) }
        return LocalConfig(features: .mel, channels: mel.mels, hidden: localHidden ?? 64, hop: mel.hop, causal: causal ?? false,
                           nFFT: mel.nFFT, win: mel.win, fmin: mel.fmin, fmax: mel.fmax)
    }
}
