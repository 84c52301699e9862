import FileIO
import Foundation
import TensorBoard
import WaveNet

/// `train --tensorboard DIR`: the run as TensorBoard shows it. Each step's scalars (the JSONL
/// log's values, as floats), each validation, the command line and config as text, and at each
/// save a short sample generated from the current weights. Steps are the global training step,
/// so a resumed run goes on where its checkpoint stopped.
final class TrainingSummaries {
    let file: EventFile
    let trainer: Trainer
    let sampleSeconds: Double
    let muLaw: MuLaw
    private var loggedOriginal = false

    /// A new event file in `folder`, starting with SessionLog START at the run's first step, so
    /// that TensorBoard drops what earlier files logged from there on: the steps an interrupted
    /// run logged past its checkpoint, or a whole earlier run that --overwrite replaced.
    init(folder: String, trainer: Trainer, sampleSeconds: Double) throws {
        file = try EventFile(folder: folder)
        self.trainer = trainer
        self.sampleSeconds = sampleSeconds
        muLaw = MuLaw(classes: trainer.parameters.config.quantizationChannels)
        try file.append(Event.sessionStart(step: trainer.step + 1, wallTime: Self.now()))
    }

    static func now() -> Double { Date().timeIntervalSince1970 }

    /// What the run is, as text at its first step: the command line, the model and the settings.
    func describeRun(step: Int) throws {
        let command = CommandLine.arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
        try file.append(Event.text("run/command", command, step: step, wallTime: Self.now()))
        let config = trainer.checkpoint.configJSON
        try file.append(Event.text("run/config", "model: \(config)\n\ntraining: \(trainer.settings.json)", step: step, wallTime: Self.now()))
    }

    func step(_ step: Int, bitsPerSample: Double, samplesPerSecond: Double, gradientNorm: Double, learningRate: Float) throws {
        let time = Self.now()
        try file.append(Event.scalar("train/bits_per_sample", Float(bitsPerSample), step: step, wallTime: time))
        try file.append(Event.scalar("train/samples_per_second", Float(samplesPerSecond), step: step, wallTime: time))
        try file.append(Event.scalar("train/gradient_norm", Float(gradientNorm), step: step, wallTime: time))
        try file.append(Event.scalar("train/learning_rate", learningRate, step: step, wallTime: time))
    }

    func validation(_ step: Int, bitsPerSample: Double, byClass: [String: Double]) throws {
        let time = Self.now()
        try file.append(Event.scalar("validation/bits_per_sample", Float(bitsPerSample), step: step, wallTime: time))
        for (name, bits) in byClass.sorted(by: { $0.key < $1.key }) {
            try file.append(Event.scalar("validation/bits_per_sample/\(name)", Float(bits), step: step, wallTime: time))
        }
    }

    /// At a save: `sampleSeconds` generated from the current weights with a generator of its own,
    /// seeded from the run's seed and the step (never the trainer's random state, so a resumed
    /// run equals one run in one go). One per class for a class-conditioned model; a local model
    /// renders the first held-out file's features (a mel model's original beside it, once).
    func samples(_ step: Int) throws {
        guard sampleSeconds > 0 else { return }
        let config = trainer.parameters.config
        let rate = config.sampleRate
        var count = Int(sampleSeconds * Double(rate))
        var frames: [[Float]]?
        var tags: [String]
        if let local = config.local {
            guard let item = trainer.validationItems.first, let features = item.features else { return }
            // Sample t reads frame t / hop; two more frames for a centred model's look-ahead.
            let available = features.count / local.channels
            count = min(count, available * local.hop - 1)
            let needed = min(available, count / local.hop + 3)
            frames = [Array(features[0..<needed * local.channels])]
            let name = URL(fileURLWithPath: item.name).deletingPathExtension().lastPathComponent
            tags = ["samples/\(local.features == .mel ? "resynthesis" : "notes")/\(name)"]
            if local.features == .mel && !loggedOriginal {
                loggedOriginal = true
                let original = muLaw.decode(Array(item.classes.prefix(count)))
                try file.append(Event.audio("samples/original/\(name)", original, sampleRate: rate, step: step, wallTime: Self.now()))
            }
        } else if let names = config.classNames {
            tags = names.map { "samples/\($0)" }
        } else {
            tags = ["samples/generated"]
        }
        guard count > 0 else { return }
        // One stream per class, or a local model's one stream under its file's class.
        let classIDs = config.local != nil ? trainer.validationItems.first?.classID.map { [$0] } : config.classNames.map { Array($0.indices) }
        var mixer = SplitMix64.derived(seed: trainer.settings.seed ^ 0x5A4D_504C_4553, index: UInt64(step))
        let seed = mixer.next()
        let generator = Generator(parameters: trainer.parameters, streams: tags.count, classIDs: classIDs, frames: frames,
                                  temperature: 1, seed: seed, threads: 1)
        for (tag, classes) in zip(tags, generator.generate(count)) {
            try file.append(Event.audio(tag, muLaw.decode(classes), sampleRate: rate, step: step, wallTime: Self.now()))
        }
    }
}
