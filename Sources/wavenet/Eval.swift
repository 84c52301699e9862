import ArgumentParser
import AudioIO
import FileIO
import Foundation
import WaveNet

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Negative log-likelihood of audio under a model, in bits and nats per sample.",
        discussion: """
            Each file is read mono, resampled to the model's rate, silence-trimmed as the model's training trimmed \
            it (--silence-threshold to choose; notes models are never trimmed), and mu-law encoded. Every class but \
            the first of each file is a target, predicted from everything before it with zeros before the file's \
            start; the figure is the mean over all targets of all files. So on a model's held-out files it is the \
            validation figure its training reported.
            """)

    @Option(help: "The model.") var checkpoint: String
    @Argument(help: "Audio files or folders (searched recursively).") var paths: [String]
    @Option(help: "With a conditioned model: the class to evaluate the files under.") var `class`: String?
    @Option(help: "With a conditioned model: the class id, instead of --class.") var classId: String?
    @Option(help: "Trim leading/trailing audio quieter than this many dBFS before scoring, or 'off'. (default: the threshold the model was trained with)")
    var silenceThreshold: SilenceThreshold?
    @Option(help: "CPU threads, \(Limits.threads.text). (default: 2)") var threads = 2
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        guard !paths.isEmpty else { throw ValidationError("give at least one audio file or folder") }
        try checkLimits { try Limits.threads.check(threads) }
        if `class` != nil && classId != nil { throw ValidationError("give --class or --class-id, not both") }
    }

    func run() throws {
        let model = try Checkpoint.load(try ShippedModels.resolve(checkpoint), withOptimizer: false)
        let config = model.config
        try checkMemory(Evaluator.estimatedBytes(config: config, threads: threads), for: "evaluating with \(threads) threads",
                        advice: "lower --threads")
        let scan = try AudioFolder.expand(paths)
        scan.warnings.forEach(printStatus)
        let classID = try GenerationSetup.resolveClassIDs(names: `class`, ids: classId, config: config, streams: 1, path: checkpoint)?.first
        // As training trimmed: its stored threshold unless told; a notes model's MIDI fixes its time line.
        var threshold = silenceThreshold.map(\.decibels) ?? TrainingSettings.decode(model.trainingJSON)?.silenceThresholdDB
        if config.local?.features == .notes {
            if let given = silenceThreshold?.decibels {
                throw FileError(checkpoint, "is a notes model, whose audio is not trimmed: --silence-threshold \(given) does not apply")
            }
            threshold = nil
        }
        let loaded = try CorpusLoader.load(scan.files, config: config, silenceThresholdDB: threshold, classID: classID)
        // A file of one sample has no target: nothing predicts anything in it.
        let scored = loaded.items.filter { item in
            if item.classes.count >= 2 { return true }
            printStatus("warning: skipping \(item.name): \(item.classes.count) sample at \(config.sampleRate) Hz, too short to score")
            return false
        }
        guard !scored.isEmpty else {
            throw FileError(paths.count == 1 ? paths[0] : checkpoint, "nothing to evaluate: every file is shorter than two samples at \(config.sampleRate) Hz"
                            + (threshold.map { " after trimming silence below \($0) dBFS (--silence-threshold off keeps it)" } ?? ""))
        }
        let corpus = Corpus(scored)
        let result = try Evaluator(parameters: model.parameters, threads: threads).evaluate(corpus.items)
        if json {
            printJSON(EvalReport(total: result.total, silenceThresholdDB: threshold,
                                 files: zip(corpus.items, result.perItem).map { EvalReport.File(path: $0.name, result: $1) }))
            return
        }
        for (item, figure) in zip(corpus.items, result.perItem) {
            print(String(format: "%8.4f bits/sample  %9d samples  %@", figure.bitsPerSample, figure.samples, item.name))
        }
        print(String(format: "%8.4f bits/sample  %9d samples  all files (%.4f nats/sample; unigram baseline %.4f bits/sample)",
                     result.total.bitsPerSample, result.total.samples, result.total.natsPerSample, result.total.unigramBitsPerSample)
              + (threshold.map { String(format: "; silence below %.1f dBFS trimmed", $0) } ?? "; not trimmed"))
    }
}

/// `eval --json`: the figure over all files, how they were trimmed, and each file's figure.
struct EvalReport: Encodable {
    struct File: Encodable {
        var path: String
        var result: Evaluator.Result
        func encode(to encoder: Encoder) throws {
            try result.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(path, forKey: .path)
        }
        enum CodingKeys: String, CodingKey { case path }
    }
    var total: Evaluator.Result
    /// nil when nothing was trimmed.
    var silenceThresholdDB: Float?
    var files: [File]

    enum CodingKeys: String, CodingKey { case silenceThresholdDB = "silence_threshold_db", files }

    func encode(to encoder: Encoder) throws {
        try total.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(silenceThresholdDB, forKey: .silenceThresholdDB)  // null when not trimmed
        try container.encode(files, forKey: .files)
    }
}
