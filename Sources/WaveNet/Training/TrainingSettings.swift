import Foundation

/// The settings a model was trained with, stored as the checkpoint's `train` metadata.
public struct TrainingSettings: Codable, Equatable, Sendable {
    public var learningRate: Float = 1e-3
    public var batch = 4
    public var segment = 8000
    public var seed: UInt64 = 1
    /// Largest gradient L2 norm; nil for no clipping.
    public var gradientClip: Float?
    public var dataFolder = ""
    public var validationFraction = 0.1
    /// Silence trimming threshold in dBFS; nil when trimming was off.
    public var silenceThresholdDB: Float? = -50
    public var threads = 2
    public var trainingFiles: [String] = []
    public var validationFiles: [String] = []
    /// The latest figures, for `wavenet info`.
    public var lastTrainingBitsPerSample: Double?
    public var lastValidationBitsPerSample: Double?
    /// The step of `lastValidationBitsPerSample`.
    public var lastValidationStep: Int?
    /// Wall-clock seconds of training over every run so far (the log's elapsed_seconds goes on from it).
    public var trainingSeconds: Double?
    /// The release that last trained the model, "wavenet X.Y.Z".
    public var writtenBy: String?
    /// Mel models: the training frames' per-channel mean and standard deviation, in whose
    /// coordinates Adam trains the frame network's first convolution (FrameInputStandardization).
    public var frameInputMean: [Float]?
    public var frameInputDeviation: [Float]?

    public var standardization: FrameInputStandardization? {
        get {
            guard let frameInputMean, let frameInputDeviation else { return nil }
            return FrameInputStandardization(mean: frameInputMean, deviation: frameInputDeviation)
        }
        set {
            frameInputMean = newValue?.mean
            frameInputDeviation = newValue?.deviation
        }
    }

    enum CodingKeys: String, CodingKey {
        case learningRate = "learning_rate", batch, segment, seed, gradientClip = "gradient_clip"
        case dataFolder = "data_folder", validationFraction = "validation_fraction"
        case silenceThresholdDB = "silence_threshold_db", threads
        case trainingFiles = "training_files", validationFiles = "validation_files"
        case lastTrainingBitsPerSample = "last_training_bits_per_sample"
        case lastValidationBitsPerSample = "last_validation_bits_per_sample"
        case lastValidationStep = "last_validation_step", trainingSeconds = "training_seconds"
        case writtenBy = "written_by"
        case frameInputMean = "frame_input_mean", frameInputDeviation = "frame_input_deviation"
    }

    public init() {}

    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    public static func decode(_ json: String) -> TrainingSettings? {
        try? decoding(json).get()
    }

    /// Why stored settings do not decode, in a few words.
    public struct DecodingProblem: Error, CustomStringConvertible {
        public let description: String
    }

    /// The settings in `json`, or why they do not decode.
    public static func decoding(_ json: String) -> Result<TrainingSettings, DecodingProblem> {
        Result { try JSONDecoder().decode(TrainingSettings.self, from: Data(json.utf8)) }
            .mapError { DecodingProblem(description: reason($0)) }
    }

    private static func reason(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _):
            return "it has no \(key.stringValue)"
        case DecodingError.typeMismatch(_, let context) where !context.codingPath.isEmpty:
            return "its \(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type"
        case DecodingError.valueNotFound(_, let context) where !context.codingPath.isEmpty:
            return "its \(context.codingPath.map(\.stringValue).joined(separator: ".")) is null"
        default:
            return "it is not a JSON object"
        }
    }

    /// Checks every value against `Limits`, exactly as the command-line flags are checked, so
    /// that settings read back from a checkpoint on `--resume` are held to the same ranges.
    public func validate() throws {
        try Limits.batch.check(batch)
        try Limits.segment.check(segment)
        try Limits.learningRate.check(learningRate)
        try Limits.gradientClip.check(gradientClip)
        try Limits.validationFraction.check(validationFraction)
        try Limits.silenceThreshold.check(silenceThresholdDB)
        try Limits.threads.check(threads)
    }
}
