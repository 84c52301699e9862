import ArgumentParser
import AudioIO
import Cluster
import FileIO
import Foundation
import TensorBoard
import WaveNet

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model on a folder of audio (any format, any rate; read once at start-up).",
        discussion: """
            Without --resume a new model is created with the architecture flags (defaults: 16 kHz, 256 classes, \
            32 residual, 32 dilation, 128 skip channels, dilations 1..512 twice). With --resume training continues \
            from the checkpoint's weights, optimizer state and step; settings not given default to the checkpoint's.
            Ctrl-C or SIGTERM finishes the current step, saves, and exits.
            Under mpirun (or MPICH's mpiexec) the processes train one model together: --batch is the \
            global batch, split evenly among them, and rank 0 alone writes the checkpoint and the log.
            """)

    @Argument(help: "Folder of audio files, searched recursively.") var dataFolder: String
    @Option(help: "Checkpoint to write (and to read with --resume).") var checkpoint: String
    @Flag(help: "Continue training the checkpoint.") var resume = false
    @Flag(help: "Replace an existing checkpoint instead of refusing to start.") var overwrite = false
    @Option(help: "Training steps to run now, \(Limits.steps.text).") var steps = 1000
    @Option(help: "Sequences per step, \(Limits.batch.text) (default: 4).") var batch: Int?
    @Option(help: "Scored samples per sequence, \(Limits.segment.text) (default: 8000).") var segment: Int?
    @Option(help: "Adam learning rate, \(Limits.learningRate.text) (default: 0.001).") var learningRate: Float?
    @Option(help: "Clip the gradient's L2 norm to this value, \(Limits.gradientClip.text) (default: no clipping).") var gradientClip: Float?
    @Option(help: "Random seed for initialisation and data order (default: 1).") var seed: UInt64?
    @Option(help: "CPU threads per process, \(Limits.threads.text) (default: 2; under mpirun the cores divided by the processes on the host).")
    var threads: Int?
    @Option(help: "Save the checkpoint every N steps (and always at the end), \(Limits.saveEvery.text).") var saveEvery = 500
    @Option(help: "Compute validation bits/sample every N steps (and at the end), \(Limits.validateEvery.text).") var validateEvery = 500
    @Option(help: "Fraction of files held out for validation, whole files, \(Limits.validationFraction.text) (default: 0.1).")
    var validationFraction: Double?
    @Option(help: "Trim leading/trailing audio quieter than this many dBFS (\(Limits.silenceThreshold.text)), or 'off' (default: -50).")
    var silenceThreshold: SilenceThreshold?
    @Option(help: "Append one JSON object per step to this file.") var log: String?
    @Option(help: "Write TensorBoard event files into this folder (created if missing): scalars every step, validations, and audio samples at each save.")
    var tensorboard: String?
    @Option(help: "Seconds of audio generated for TensorBoard at each save, \(Limits.sampleSeconds.text); 0 for none. (default: 2)")
    var sampleSeconds: Double?
    @Flag(help: "Global conditioning: every immediate sub-folder of the data folder is a class named after it.")
    var conditioned = false
    @Option(help: "Size G of the class embedding with --conditioned, \(Limits.condChannels.text) (default: 16).") var condChannels: Int?
    @OptionGroup(title: "Architecture (new models only)") var architecture: ArchitectureOptions
    @OptionGroup(title: "Local conditioning (new models only)") var localOptions: LocalOptions

    func validate() throws {
        try checkLimits {
            try Limits.steps.check(steps)
            try Limits.saveEvery.check(saveEvery)
            try Limits.validateEvery.check(validateEvery)
            try Limits.condChannels.check(condChannels)
            try apply(to: TrainingSettings()).validate()
        }
        if condChannels != nil && !conditioned { throw ValidationError("--cond-channels goes with --conditioned") }
        if !resume { _ = try localOptions.config(sampleRate: try architecture.config().sampleRate) }
        if localOptions.local == .notes, let threshold = silenceThreshold?.decibels {
            throw ValidationError("--silence-threshold \(threshold) does not go with --local notes: its MIDI fixes the time line, so nothing is trimmed (give off or nothing)")
        }
        if resume && localOptions.anyGiven { throw ValidationError("--local and its settings apply to new models; on --resume they come from the checkpoint") }
        if let log, FileIdentity.same(log, checkpoint) { throw ValidationError("--log and --checkpoint name the same file") }
        try checkLimits { try Limits.sampleSeconds.check(sampleSeconds) }
        if sampleSeconds != nil && tensorboard == nil { throw ValidationError("--sample-seconds goes with --tensorboard") }
        if tensorboard == "" { throw ValidationError("--tensorboard is empty") }
        if let processes = MPIEnvironment.detect()?.size, let batch, batch % processes != 0 {
            throw ValidationError("--batch \(batch) does not divide by the \(processes) processes (--batch is the global batch; each process takes an equal share)")
        }
    }

    /// Threads per process: the flag, or 2 alone, or the host's cores shared among its processes.
    var threadCount: Int {
        if let threads { return threads }
        guard let environment = MPIEnvironment.detect() else { return 2 }
        return min(Limits.threads.range.upperBound, max(1, ProcessInfo.processInfo.activeProcessorCount / environment.localSize))
    }

    func run() throws {
        // Under a launcher, MPI starts here and ends whatever happens; a plain run never touches it.
        guard MPIEnvironment.detect() != nil else { return try train(group: SingleProcess()) }
        let group = try MPIGroup()
        do {
            try train(group: group)
        } catch {
            // This rank cannot go on; the others would wait for it at the next step.
            if !(error is SharedFailure) { printStatus("Error: \(WaveNetCommand.message(for: error))") }
            group.abort(code: 1)
        }
        try group.finalize()
    }

    func train(group: ProcessGroup) throws {
        // Outputs first, before any work: the checkpoint's folder, the log, one run per checkpoint.
        // In a group, rank 0 writes them, so it alone checks them and holds the lock.
        let writer = group.rank == 0
        if writer { try OutputFile.check(checkpoint) }
        let lock = writer ? try FileLock(for: checkpoint) : nil
        defer { withExtendedLifetime(lock) {} }
        if writer, let log { try OutputFile.check(log, inputs: [("--checkpoint", checkpoint), ("data folder", dataFolder)]) }
        if writer, let tensorboard { try EventFile.prepare(tensorboard) }
        let exists = FileManager.default.fileExists(atPath: checkpoint)
        var start: Checkpoint
        var settings = TrainingSettings()
        if resume {
            guard exists else { throw FileError(checkpoint, "no such file (--resume needs an existing checkpoint)") }
            start = try Checkpoint.load(checkpoint)
            if architecture.anyGiven {
                let mismatches = start.config.mismatches(with: try architecture.config(base: start.config))
                if !mismatches.isEmpty {
                    throw FileError(checkpoint, "--resume: the checkpoint's architecture differs from the flags given (it has \(mismatches.joined(separator: ", "))); drop the architecture flags to resume")
                }
            }
            switch TrainingSettings.decoding(start.trainingJSON) {
            case .success(let stored):
                do {
                    try stored.validate()
                } catch let error as LimitError {
                    throw FileError(checkpoint, "its stored training settings are out of range (\(error)); not resuming")
                }
                if let standardization = stored.standardization, !standardization.fits(start.config) {
                    throw FileError(checkpoint, "its stored frame input statistics have \(standardization.mean.count) channels where the model reads \(start.config.local?.channels ?? 0), or are not finite; not resuming")
                }
                settings = stored
            case .failure(let problem) where start.trainingJSON != "{}":
                // The weights and Adam's state are whole; only the record of how they were trained is lost.
                printStatus("warning: \(checkpoint): its train metadata does not decode (\(problem)); resuming with the default training settings and the flags given")
            case .failure:
                break
            }
            if conditioned && !start.config.isConditioned {
                throw FileError(checkpoint, "--conditioned: this checkpoint was trained without conditioning")
            }
            if condChannels != nil && condChannels != start.config.condChannels {
                throw FileError(checkpoint, "--resume: the checkpoint has \(start.config.condChannels ?? 0) conditioning channels")
            }
        } else {
            if writer && exists && !overwrite {
                throw FileError(checkpoint, "already exists; pass --resume to continue training it or --overwrite to start a new model")
            }
            // --overwrite replaces a checkpoint, never another kind of file (training audio, say).
            if writer && exists, (try? Checkpoint.load(checkpoint, withOptimizer: false)) == nil {
                throw FileError(checkpoint, "exists and is not a wavenet checkpoint; --overwrite replaces only checkpoints")
            }
            let classNames = conditioned ? try classFolders() : nil
            var config = try architecture.config(condChannels: conditioned ? (condChannels ?? 16) : nil, classNames: classNames)
            config.local = try localOptions.config(sampleRate: config.sampleRate)
            let parameters = try Parameters(config: config)
            parameters.initialize(seed: seed ?? settings.seed)
            start = Checkpoint(parameters: parameters)
        }
        settings = apply(to: settings)
        let config = start.config
        if config.local?.features == .notes {
            if let threshold = silenceThreshold?.decibels {
                throw FileError(checkpoint, "is a notes model, whose audio is not trimmed: --silence-threshold \(threshold) does not apply")
            }
            settings.silenceThresholdDB = nil
        }

        // Data: every file once, at start-up.
        let corpus: Corpus
        if let names = config.classNames {
            let found = try classFolders()
            guard found == names else {
                throw FileError(dataFolder, "the class folders (\(found.joined(separator: ", "))) differ from the checkpoint's classes (\(names.joined(separator: ", ")))")
            }
            corpus = try CorpusLoader.loadClasses(dataFolder, names: names, config: config, silenceThresholdDB: settings.silenceThresholdDB)
        } else {
            let scan = try AudioFolder.scan(dataFolder)
            if writer { scan.warnings.forEach(printStatus) }
            corpus = try CorpusLoader.load(scan.files, config: config, silenceThresholdDB: settings.silenceThresholdDB)
        }
        for item in corpus.items {
            if FileIdentity.same(item.name, checkpoint) { throw FileError(checkpoint, "is also a training file; choose another --checkpoint") }
            if let log, FileIdentity.same(item.name, log) { throw FileError(log, "is also a training file; choose another --log") }
        }
        guard !corpus.items.isEmpty else {
            throw FileError(dataFolder, settings.silenceThresholdDB.map { "all audio is silent below \($0) dBFS; lower --silence-threshold or pass 'off'" }
                            ?? "no file has any samples at \(config.sampleRate) Hz")
        }
        let (training, validation) = corpus.split(validationFraction: settings.validationFraction)
        if !resume, let local = config.local, local.features == .mel {
            // A new mel model starts from PyTorch's initialisation in standardized coordinates.
            settings.standardization = FrameInputStandardization.measure(training.items, channels: local.channels)
            settings.standardization?.unstandardize(start.parameters.values, layout: start.parameters.layout)
        }
        let needed = GradientEngine.estimatedBytes(config: config, threads: threadCount, batch: settings.batch / group.size,
                                                   length: settings.segment + config.receptiveField - 1, outputs: settings.segment)
            + 4 * Double(corpus.sampleCount) + 12 * Double(start.parameters.parameterCount)
        // Every process on this host holds as much.
        let processesHere = Double(MPIEnvironment.detect()?.localSize ?? 1)
        try checkMemory(needed * processesHere, for: "training this model with batch \(settings.batch) x segment \(settings.segment)"
                            + (processesHere > 1 ? " in \(Int(processesHere)) processes on this host" : ""),
                        advice: "lower --batch, --segment or --threads")
        settings.trainingFiles = training.items.map(\.name)
        settings.validationFiles = validation.items.map(\.name)
        let trainer: Trainer
        do {
            trainer = try Trainer(checkpoint: start, training: training, validation: validation, settings: settings, group: group)
        } catch let error as TrainingError {
            throw FileError(dataFolder, error.description)
        }
        if group.size > 1 { try checkSameData(trainer: trainer, corpus: corpus, group: group) }
        try trainer.synchronize()
        if writer { for name in trainer.skippedTrainingItems { printStatus("warning: \(name) is shorter than one training window; not trained on") } }
        if let names = config.classNames, let missing = trainer.classesWithoutWindows.sorted().first {
            throw FileError(dataFolder + "/" + names[missing], "class \(names[missing]) has no training file long enough for one window; use a shorter --segment")
        }
        let seconds = Double(training.sampleCount) / Double(config.sampleRate)
        if writer { printStatus("training on \(training.items.count) files (\(formatDuration(seconds)) of audio), validating on \(validation.items.count); "
                    + "receptive field \(config.receptiveField) samples (\(String(format: "%.1f", 1000 * Double(config.receptiveField) / Double(config.sampleRate))) ms), "
                    + "\(start.parameters.parameterCount) parameters, from step \(trainer.step)"
                    + (group.size > 1 ? "; \(group.size) processes, \(settings.batch / group.size) sequences and \(threadCount) threads each" : "")) }

        let summaries = try writer ? tensorboard.map {
            try TrainingSummaries(folder: $0, trainer: trainer, sampleSeconds: sampleSeconds ?? 2)
        } : nil
        try TrainingRun(trainer: trainer, writer: writer, checkpoint: checkpoint, steps: steps, saveEvery: saveEvery,
                        validateEvery: validateEvery, logPath: log, summaries: summaries, resumed: resume).run()
    }

    /// `settings` with the flags given applied (and checked by its `validate`, as stored settings are).
    func apply(to settings: TrainingSettings) -> TrainingSettings {
        var settings = settings
        if let batch { settings.batch = batch }
        if let segment { settings.segment = segment }
        if let learningRate { settings.learningRate = learningRate }
        if let gradientClip { settings.gradientClip = gradientClip }
        if let seed { settings.seed = seed }
        if let validationFraction { settings.validationFraction = validationFraction }
        if let silenceThreshold { settings.silenceThresholdDB = silenceThreshold.decibels }
        settings.threads = threadCount
        settings.dataFolder = dataFolder
        return settings
    }

    /// The class sub-folders of the data folder, with their warnings printed.
    func classFolders() throws -> [String] {
        let found = try AudioFolder.classFolders(dataFolder)
        found.warnings.forEach(printStatus)
        return found.names
    }

    /// Every process must train on the same files with the same settings: rank 0's figures are
    /// sent to all, and a process whose own differ stops the job naming what differs.
    func checkSameData(trainer: Trainer, corpus: Corpus, group: ProcessGroup) throws {
        let s = trainer.settings
        let mine = [Double(corpus.items.count), Double(corpus.sampleCount), Double(trainer.parameters.parameterCount),
                    Double(s.batch), Double(s.segment), Double(s.seed), Double(s.learningRate), Double(s.gradientClip ?? -1),
                    s.validationFraction, Double(trainer.validationItems.count), Double(trainer.step)]
        var first = mine
        try first.withUnsafeMutableBufferPointer { try group.broadcast($0) }
        guard first == mine else {
            throw FileError(dataFolder, "on rank \(group.rank) holds \(corpus.items.count) files, \(corpus.sampleCount) samples "
                            + "(and \(trainer.parameters.parameterCount) parameters, batch \(trainer.settings.batch), segment \(trainer.settings.segment)), "
                            + "where rank 0 has \(Int(first[0])) files, \(Int(first[1])) samples (\(Int(first[2])) parameters, batch \(Int(first[3])), "
                            + "segment \(Int(first[4])); or other settings differ): every process needs the same data and checkpoint")
        }
    }
}
