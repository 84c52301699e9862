import ArgumentParser
import AudioIO
import FileIO
import Foundation
import WaveNet

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model on a folder of audio (any format, any rate; read once at start-up).",
        discussion: """
            Without --resume a new model is created with the architecture flags (defaults: 16 kHz, 256 classes, \
            32 residual, 32 dilation, 128 skip channels, dilations 1..512 twice). With --resume training continues \
            from the checkpoint's weights, optimizer state and step; settings not given default to the checkpoint's.
            Ctrl-C or SIGTERM finishes the current step, saves, and exits.
            """)

    @Argument(help: "Folder of audio files, searched recursively.") var dataFolder: String
    @Option(help: "Checkpoint to write (and to read with --resume).") var checkpoint: String
    @Flag(help: "Continue training the checkpoint.") var resume = false
    @Flag(help: "Replace an existing checkpoint instead of refusing to start.") var overwrite = false
    @Option(help: "Training steps to run now.") var steps = 1000
    @Option(help: "Sequences per step (default 4).") var batch: Int?
    @Option(help: "Scored samples per sequence (default 8000).") var segment: Int?
    @Option(help: "Adam learning rate (default 0.001).") var learningRate: Float?
    @Option(help: "Clip the gradient's L2 norm to this value (default: no clipping).") var gradientClip: Float?
    @Option(help: "Random seed for initialisation and data order (default 1).") var seed: UInt64?
    @Option(help: "CPU threads.") var threads = 2
    @Option(help: "Save the checkpoint every N steps (and always at the end).") var saveEvery = 500
    @Option(help: "Compute validation bits/sample every N steps (and at the end).") var validateEvery = 500
    @Option(help: "Fraction of files held out for validation, whole files (default 0.1).") var validationFraction: Double?
    @Option(help: "Trim leading/trailing audio quieter than this many dBFS, or 'off' (default -50).")
    var silenceThreshold: SilenceThreshold?
    @Option(help: "Append one JSON object per step to this file.") var log: String?
    @Flag(help: "Global conditioning: every immediate sub-folder of the data folder is a class named after it.")
    var conditioned = false
    @Option(help: "Size G of the class embedding with --conditioned (default 16).") var condChannels: Int?
    @OptionGroup(title: "Architecture (new models only)") var architecture: ArchitectureOptions

    func validate() throws {
        guard steps >= 0 else { throw UsageError("--steps must be 0 or more") }
        guard threads >= 1 && threads <= 256 else { throw UsageError("--threads must be 1...256") }
        guard saveEvery >= 1, validateEvery >= 1 else { throw UsageError("--save-every and --validate-every must be at least 1") }
        if let batch, batch < 1 { throw UsageError("--batch must be at least 1") }
        if let segment, segment < 1 { throw UsageError("--segment must be at least 1") }
        if let learningRate, !(learningRate > 0 && learningRate < 10) { throw UsageError("--learning-rate must be in (0, 10)") }
        if let gradientClip, !(gradientClip > 0) { throw UsageError("--gradient-clip must be positive") }
        if let validationFraction, !(0..<1).contains(validationFraction) { throw UsageError("--validation-fraction must be in [0, 1)") }
        if condChannels != nil && !conditioned { throw UsageError("--cond-channels goes with --conditioned") }
        if let condChannels, !(1...4096).contains(condChannels) { throw UsageError("--cond-channels must be 1...4096") }
    }

    func run() throws {
        let exists = FileManager.default.fileExists(atPath: checkpoint)
        var start: Checkpoint
        var settings = TrainingSettings()
        if resume {
            guard exists else { throw FileError(checkpoint, "no such file (--resume needs an existing checkpoint)") }
            start = try Checkpoint.load(checkpoint)
            if architecture.anyGiven {
                let requested = try architecture.config()
                var mismatches: [String] = []
                let have = start.config
                if architecture.sampleRate != nil && requested.sampleRate != have.sampleRate { mismatches.append("sample rate \(have.sampleRate)") }
                if architecture.quantizationChannels != nil && requested.quantizationChannels != have.quantizationChannels { mismatches.append("quantization channels \(have.quantizationChannels)") }
                if architecture.residualChannels != nil && requested.residualChannels != have.residualChannels { mismatches.append("residual channels \(have.residualChannels)") }
                if architecture.dilationChannels != nil && requested.dilationChannels != have.dilationChannels { mismatches.append("dilation channels \(have.dilationChannels)") }
                if architecture.skipChannels != nil && requested.skipChannels != have.skipChannels { mismatches.append("skip channels \(have.skipChannels)") }
                if (architecture.stacks != nil || architecture.depth != nil) && requested.dilations != have.dilations { mismatches.append("dilations \(have.dilations)") }
                if !mismatches.isEmpty {
                    throw FileError(checkpoint, "--resume: the checkpoint's architecture differs from the flags given (it has \(mismatches.joined(separator: ", "))); drop the architecture flags to resume")
                }
            }
            if let stored = TrainingSettings.decode(start.trainingJSON) { settings = stored }
            if conditioned && !start.config.isConditioned {
                throw FileError(checkpoint, "--conditioned: this checkpoint was trained without conditioning")
            }
            if condChannels != nil && condChannels != start.config.condChannels {
                throw FileError(checkpoint, "--resume: the checkpoint has \(start.config.condChannels ?? 0) conditioning channels")
            }
        } else {
            if exists && !overwrite {
                throw FileError(checkpoint, "already exists; pass --resume to continue training it or --overwrite to start a new model")
            }
            let classNames = conditioned ? try ClassFolders.names(dataFolder) : nil
            let config = try architecture.config(condChannels: conditioned ? (condChannels ?? 16) : nil, classNames: classNames)
            let parameters = try Parameters(config: config)
            parameters.initialize(seed: seed ?? settings.seed)
            start = Checkpoint(parameters: parameters)
        }
        if let batch { settings.batch = batch }
        if let segment { settings.segment = segment }
        if let learningRate { settings.learningRate = learningRate }
        if let gradientClip { settings.gradientClip = gradientClip }
        if let seed { settings.seed = seed }
        if let validationFraction { settings.validationFraction = validationFraction }
        if let silenceThreshold { settings.silenceThresholdDB = silenceThreshold.decibels }
        settings.threads = threads
        settings.dataFolder = dataFolder
        let config = start.config

        // Data: every file once, at start-up.
        let corpus: Corpus
        if let names = config.classNames {
            let found = try ClassFolders.names(dataFolder)
            guard found == names else {
                throw FileError(dataFolder, "the class folders (\(found.joined(separator: ", "))) differ from the checkpoint's classes (\(names.joined(separator: ", ")))")
            }
            var items: [Corpus.Item] = []
            for (id, name) in names.enumerated() {
                let scan = try AudioFolder.scan(dataFolder + "/" + name)
                scan.warnings.forEach(printWarning)
                let loaded = try CorpusLoader.load(scan.files, sampleRate: config.sampleRate, quantization: config.quantizationChannels,
                                                   silenceThresholdDB: settings.silenceThresholdDB, classID: id)
                guard !loaded.items.isEmpty else {
                    throw FileError(dataFolder + "/" + name, "all audio of class \(name) is silent below \(settings.silenceThresholdDB ?? 0) dBFS")
                }
                items += loaded.items
            }
            corpus = Corpus(items)
        } else {
            let scan = try AudioFolder.scan(dataFolder)
            scan.warnings.forEach(printWarning)
            corpus = try CorpusLoader.load(scan.files, sampleRate: config.sampleRate, quantization: config.quantizationChannels,
                                           silenceThresholdDB: settings.silenceThresholdDB)
        }
        guard !corpus.items.isEmpty else {
            throw FileError(dataFolder, "all audio is silent below \(settings.silenceThresholdDB ?? 0) dBFS; lower --silence-threshold or pass 'off'")
        }
        let (training, validation) = corpus.split(validationFraction: settings.validationFraction)
        settings.trainingFiles = training.items.map(\.name)
        settings.validationFiles = validation.items.map(\.name)
        let trainer: Trainer
        do {
            trainer = try Trainer(checkpoint: start, training: training, validation: validation, settings: settings)
        } catch let error as TrainingError {
            throw FileError(dataFolder, error.description)
        }
        for name in trainer.skippedTrainingItems { printWarning("warning: \(name) is shorter than one training window; not trained on") }
        if let names = config.classNames, let missing = trainer.classesWithoutWindows.sorted().first {
            throw FileError(dataFolder + "/" + names[missing], "class \(names[missing]) has no training file long enough for one window; use a shorter --segment")
        }
        let seconds = Double(training.sampleCount) / Double(config.sampleRate)
        printStatus("training on \(training.items.count) files (\(formatDuration(seconds)) of audio), validating on \(validation.items.count); "
                    + "receptive field \(config.receptiveField) samples (\(String(format: "%.1f", 1000 * Double(config.receptiveField) / Double(config.sampleRate))) ms), "
                    + "\(start.parameters.parameterCount) parameters, from step \(trainer.step)")

        try TrainingRun(trainer: trainer, checkpoint: checkpoint, steps: steps, saveEvery: saveEvery,
                        validateEvery: validateEvery, logPath: log, appendLog: resume).run()
    }
}

func printStatus(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// The loop: steps, validation, saving, the log, progress and stopping on a signal.
struct TrainingRun {
    let trainer: Trainer
    let checkpoint: String
    let steps: Int
    let saveEvery: Int
    let validateEvery: Int
    let logPath: String?
    let appendLog: Bool

    func run() throws {
        var log: FileHandle?
        if let logPath {
            if !appendLog || !FileManager.default.fileExists(atPath: logPath) {
                guard FileManager.default.createFile(atPath: logPath, contents: nil) else {
                    throw FileError(logPath, "cannot create log file")
                }
            }
            guard let handle = FileHandle(forWritingAtPath: logPath) else { throw FileError(logPath, "cannot open log file") }
            handle.seekToEndOfFile()
            log = handle
        }
        defer { try? log?.close() }
        installStopHandlers()
        let progress = ProgressLine()
        let first = trainer.step, last = trainer.step + steps
        let started = monotonicSeconds()
        var lastLoss = Double.nan
        var lastValidation: Double?
        var lastValidationByClass: [String: Double] = [:]
        let classNames = trainer.parameters.config.classNames ?? []
        var saved = trainer.step

        while trainer.step < last && stopRequested == 0 {
            let stepStart = monotonicSeconds()
            do {
                lastLoss = try trainer.trainStep()
            } catch let error as ModelError {
                progress.finish()
                throw FileError(checkpoint, "\(error); training stopped, the checkpoint keeps step \(saved). Try a lower --learning-rate or --gradient-clip")
            }
            let now = monotonicSeconds()
            let rate = Double(trainer.samplesPerStep) / (now - stepStart)
            var validationBits: Double?
            var validationByClass: [String: Double] = [:]
            if trainer.step % validateEvery == 0 || trainer.step == last, let result = trainer.validate() {
                validationBits = result.total.bitsPerSample
                lastValidation = validationBits
                for (id, figure) in result.perClass { validationByClass[classNames[id]] = figure.bitsPerSample }
                lastValidationByClass = validationByClass
            }
            if let log {
                var entry: [String: Any] = ["step": trainer.step, "loss_nats": lastLoss, "bits_per_sample": lastLoss / ln2,
                                            "samples_per_second": rate, "elapsed_seconds": now - started]
                if let validationBits { entry["validation_bits_per_sample"] = validationBits }
                if !trainer.lastClassLosses.isEmpty {
                    entry["bits_per_sample_by_class"] = Dictionary(uniqueKeysWithValues: trainer.lastClassLosses.map { (classNames[$0.key], $0.value / ln2) })
                }
                if !validationByClass.isEmpty { entry["validation_bits_per_sample_by_class"] = validationByClass }
                let line = try JSONSerialization.data(withJSONObject: entry, options: [.sortedKeys])
                log.write(line + Data("\n".utf8))
            }
            if trainer.step % saveEvery == 0 {
                try trainer.save(to: checkpoint)
                saved = trainer.step
            }
            let done = trainer.step - first
            let eta = (now - started) / Double(done) * Double(last - trainer.step)
            var text = "step \(trainer.step)/\(last)  loss \(String(format: "%.4f", lastLoss)) nats  "
                + "\(String(format: "%.3f", lastLoss / ln2)) bits/sample  \(Int(rate)) samples/s  ETA \(formatDuration(eta))"
            if let lastValidation { text += "  validation \(String(format: "%.3f", lastValidation)) bits" }
            progress.update(text, now: now)
        }
        progress.finish()
        if stopRequested != 0 { printStatus("stopping at step \(trainer.step) (signal); saving") }
        if saved != trainer.step || !FileManager.default.fileExists(atPath: checkpoint) {
            try trainer.save(to: checkpoint)
        }
        let elapsed = monotonicSeconds() - started
        let ran = trainer.step - first
        var summary = "trained \(ran) steps in \(formatDuration(elapsed))"
        if ran > 0 {
            summary += String(format: " (%.0f samples/s); final loss %.4f nats, %.3f bits/sample", Double(ran * trainer.samplesPerStep) / elapsed, lastLoss, lastLoss / ln2)
        }
        if let lastValidation { summary += String(format: "; validation %.3f bits/sample", lastValidation) }
        if !lastValidationByClass.isEmpty {
            summary += " (" + lastValidationByClass.sorted { $0.key < $1.key }.map { String(format: "%@ %.3f", $0.key, $0.value) }.joined(separator: ", ") + ")"
        }
        printStatus(summary + "; saved \(checkpoint) at step \(trainer.step)")
    }
}

let ln2 = log(2.0)

/// The classes of a conditioned corpus: the immediate sub-folders of the data folder.
enum ClassFolders {
    static func names(_ folder: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) else { throw FileError(folder, "no such folder") }
        guard isDirectory.boolValue else { throw FileError(folder, "is a file, expected a folder of class folders") }
        var names: [String] = []
        for entry in try FileManager.default.contentsOfDirectory(atPath: folder).sorted() where !entry.hasPrefix(".") {
            let path = folder + "/" + entry
            FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            if isDirectory.boolValue {
                names.append(entry)
            } else if case .success = AudioFile.isReadableAudio(path) {
                throw FileError(path, "audio directly in the data folder has no class; with --conditioned put every file in a class sub-folder")
            }
        }
        guard !names.isEmpty else {
            throw FileError(folder, "no class sub-folders; with --conditioned every immediate sub-folder is a class")
        }
        if names.count == 1 {
            printWarning("warning: \(folder) has a single class (\(names[0])); conditioning has nothing to tell apart")
        }
        return names
    }
}
