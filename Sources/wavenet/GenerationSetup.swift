import ArgumentParser
import AudioIO
import Features
import FileIO
import Foundation
import WaveNet

/// The options `generate` and `play` share: which model, which class, how to sample, the prime.
struct SamplingOptions: ParsableArguments {
    @Option(help: "The model: a path, or a shipped model's name: default, vocoder, piano-notes. (default: default; with --from, vocoder for audio and .npy, piano-notes for MIDI)")
    var checkpoint: String?
    @Option(help: "Seconds of audio to generate per stream, \(Limits.seconds.text).") var seconds: Double?
    @Option(name: .customLong("temperature"), help: "Sampling temperature, \(Limits.temperature.text): 1 samples the model's distribution, 0 always takes the likeliest class (which collapses to near silence: a WaveNet needs its noise); 1.0-1.3 sounds closest to the recordings for the shipped piano (README). (default: 1.0)")
    var temperatureOption: Float?
    @Option(name: .customLong("seed"), help: "Random seed: the same seed and options give the same audio. (default: 1)") var seedOption: UInt64?
    @Option(help: "Audio to continue from (any format; resampled, mixed to mono).") var prime: String?
    @Option(help: "Class name(s) of a conditioned model, one, or one per stream separated by commas.") var `class`: String?
    @Option(help: "Class id(s) of a conditioned model, instead of --class.") var classId: String?
    @Option(help: "With a mel model: audio to resynthesise (its length) or a .npy of mel frames ([F, frames], [1, F, frames] or [frames, F]), giving (frames - 1) * hop samples. With a notes model: a MIDI file to render. Repeat for several streams. Without --checkpoint, the shipped model of that kind.")
    var from: [String] = []
    @Option(help: "Seconds a MIDI render goes on after its last event, \(Limits.tail.text), so that the last notes ring out (default: 1).")
    var tail: Double?
    @Option(name: .customLong("precision"), help: ArgumentHelp(PrecisionSetting.help + " (default: auto)", valueName: "auto|float|half"))
    var precisionOption: PrecisionSetting?

    var temperature: Float { temperatureOption ?? 1 }
    var seed: UInt64 { seedOption ?? 1 }
    var precision: PrecisionSetting { precisionOption ?? .auto }

    /// The flags given that only generation uses, for `play FILE` to refuse.
    var generationFlagsGiven: [String] {
        [("--checkpoint", checkpoint != nil), ("--seconds", seconds != nil), ("--temperature", temperatureOption != nil),
         ("--seed", seedOption != nil), ("--prime", prime != nil), ("--class", `class` != nil), ("--class-id", classId != nil),
         ("--from", !from.isEmpty), ("--tail", tail != nil), ("--precision", precisionOption != nil)].filter(\.1).map(\.0)
    }

    /// - infiniteSeconds: `play` streams in constant memory, so it also takes `--seconds inf`.
    /// - liveInput: `play --midi-in`, where --tail applies too.
    func validateSampling(infiniteSeconds: Bool = false, liveInput: Bool = false) throws {
        try checkLimits {
            if let seconds, !(infiniteSeconds && seconds == .infinity) { try Limits.seconds.check(seconds) }
            try Limits.temperature.check(temperatureOption)
        }
        if `class` != nil && classId != nil { throw ValidationError("give --class or --class-id, not both") }
        if checkpoint == "" { throw ValidationError("--checkpoint is empty") }
        if prime == "" { throw ValidationError("--prime is empty") }
        if !from.isEmpty && seconds != nil { throw ValidationError("--from fixes the length; --seconds does not apply") }
        if !from.isEmpty && prime != nil { throw ValidationError("--from and --prime do not go together") }
        if from.contains("") { throw ValidationError("--from is empty") }
        try checkLimits { try Limits.tail.check(tail) }
        if tail != nil && !from.contains(where: LocalFeatures.isMIDI) && !liveInput { throw ValidationError("--tail goes with --from FILE.mid or --midi-in") }
    }

    /// Samples per stream for `seconds` at `rate` (at least one sample, else a usage error).
    func sampleCount(seconds: Double, rate: Int) throws -> Int {
        let count = (seconds * Double(rate)).rounded()
        guard count >= 1 else { throw ValidationError("--seconds \(seconds) is less than one sample at \(rate) Hz") }
        return Int(count)
    }

    /// The model to load: --checkpoint (a path or a shipped model's name), or the shipped model
    /// of the kind --from asks for.
    func checkpointPath() throws -> String {
        if let checkpoint { return try ShippedModels.resolve(checkpoint) }
        guard let first = from.first else { return try ShippedModels.find("default") }
        return try ShippedModels.find(LocalFeatures.isMIDI(first) ? "piano-notes" : "vocoder")
    }
}

/// A loaded model ready to generate: generator, prime audio, classes.
struct GenerationSetup {
    let checkpoint: Checkpoint
    let generator: Generator
    let muLaw: MuLaw
    /// The prime's samples at the model's rate (empty without a prime).
    let primeSamples: [Float]
    let classNames: [String]?
    /// With --from: the samples each stream generates, fixed by its features.
    let lengths: [Int]?

    var sampleRate: Int { checkpoint.config.sampleRate }

    init(_ options: SamplingOptions, streams: Int, threads: Int) throws {
        let path = try options.checkpointPath()
        checkpoint = try Checkpoint.load(path, withOptimizer: false)
        let config = checkpoint.config
        var frames: [[Float]]?
        if let local = config.local {
            guard !options.from.isEmpty else {
                throw FileError(path, "this model reads \(local.features.rawValue) features; give them with --from (\(local.features == .mel ? "audio or .npy" : "a MIDI file or .npy"))")
            }
            let read = try options.from.map {
                try LocalFeatures.read($0, local: local, sampleRate: config.sampleRate, tail: options.tail ?? 1)
            }
            frames = read.map(\.frames)
            lengths = read.map(\.samples)
        } else {
            if !options.from.isEmpty { throw FileError(path, "this model has no local conditioning; --from does not apply") }
            lengths = nil
        }
        let classIDs = try Self.resolveClassIDs(names: options.class, ids: options.classId, config: config, streams: streams, path: path)
        classNames = classIDs.map { $0.map { config.classNames![$0] } }
        muLaw = MuLaw(classes: config.quantizationChannels)
        generator = Generator(parameters: checkpoint.parameters, streams: streams, classIDs: classIDs, frames: frames,
                              temperature: options.temperature, seed: options.seed, threads: threads, precision: options.precision.resolve(for: config))
        if let prime = options.prime {
            let audio = try AudioFile.readMono(prime, sampleRate: config.sampleRate)
            audio.warnings.forEach(printStatus)
            primeSamples = audio.samples
            generator.prime(muLaw.encode(audio.samples))
        } else {
            primeSamples = []
        }
    }

    /// Class ids per stream from `--class` names or `--class-id` numbers (one, or one per stream);
    /// nil for an unconditioned model. `path` names the checkpoint in errors.
    static func resolveClassIDs(names requestedNames: String?, ids requestedIDs: String?, config: ModelConfig,
                               streams: Int, path: String) throws -> [Int]? {
        let requested = requestedNames ?? requestedIDs
        guard let names = config.classNames else {
            if requested != nil { throw FileError(path, "this model is not conditioned; --class and --class-id do not apply") }
            return nil
        }
        guard let requested else {
            throw FileError(path, "this model is conditioned; choose one of its classes with --class: \(names.joined(separator: ", "))")
        }
        // A class whose name holds a comma is chosen by its whole name; otherwise commas separate streams.
        let parts = requestedNames.map(names.contains) == true ? [requested]
            : requested.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        var ids: [Int] = []
        for part in parts {
            if requestedNames == nil {
                guard let id = Int(part), names.indices.contains(id) else {
                    throw FileError(path, "no class id \(part); ids are 0...\(names.count - 1)")
                }
                ids.append(id)
            } else {
                guard let id = names.firstIndex(of: part) else {
                    throw FileError(path, "no class named \"\(part)\"; classes: \(names.joined(separator: ", "))")
                }
                ids.append(id)
            }
        }
        if ids.count == 1 { return [Int](repeating: ids[0], count: streams) }
        guard ids.count == streams else {
            throw ValidationError("\(ids.count) classes given for \(streams) streams; give one class or one per stream (--streams)")
        }
        return ids
    }
}
