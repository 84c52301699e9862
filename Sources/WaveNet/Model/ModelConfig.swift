/// The architecture of a WaveNet, as stored in a checkpoint's `config` (MODEL_SPEC.md).
public struct ModelConfig: Codable, Equatable, Sendable {
    public var sampleRate: Int
    /// Q: mu-law classes, input one-hot size and softmax size.
    public var quantizationChannels: Int
    /// R: channels of the residual stream.
    public var residualChannels: Int
    /// D: channels after the gate (the dilated convolution outputs 2D).
    public var dilationChannels: Int
    /// S: channels of the skip sum and the output head.
    public var skipChannels: Int
    /// One entry per residual layer.
    public var dilations: [Int]
    /// G: size of the class embedding, with global conditioning.
    public var condChannels: Int?
    /// Class names, index = class id, with global conditioning.
    public var classNames: [String]?

    enum CodingKeys: String, CodingKey {
        case sampleRate = "sample_rate"
        case quantizationChannels = "quantization_channels"
        case residualChannels = "residual_channels"
        case dilationChannels = "dilation_channels"
        case skipChannels = "skip_channels"
        case dilations
        case condChannels = "cond_channels"
        case classNames = "class_names"
    }

    public init(sampleRate: Int = 16000, quantizationChannels: Int = 256, residualChannels: Int = 32,
                dilationChannels: Int = 32, skipChannels: Int = 128,
                dilations: [Int] = ModelConfig.dilations(stacks: 2, depth: 10),
                condChannels: Int? = nil, classNames: [String]? = nil) {
        self.sampleRate = sampleRate
        self.quantizationChannels = quantizationChannels
        self.residualChannels = residualChannels
        self.dilationChannels = dilationChannels
        self.skipChannels = skipChannels
        self.dilations = dilations
        self.condChannels = condChannels
        self.classNames = classNames
    }

    /// `1, 2, 4, ..., 2^(depth-1)`, repeated `stacks` times.
    public static func dilations(stacks: Int, depth: Int) -> [Int] {
        (0..<stacks).flatMap { _ in (0..<depth).map { 1 << $0 } }
    }

    public var layerCount: Int { dilations.count }
    public var isConditioned: Bool { condChannels != nil }
    public var classCount: Int { classNames?.count ?? 0 }

    /// Samples that influence one prediction: the input layer's width 2 plus each layer's dilation.
    public var receptiveField: Int { dilations.reduce(0, +) + 2 }

    /// Throws a readable message when the architecture is unusable.
    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws {
            if !ok { throw ModelError.invalidConfig(message) }
        }
        try check((1_000...384_000).contains(sampleRate), "sample rate \(sampleRate) Hz is outside 1000...384000 Hz")
        try check((2...65536).contains(quantizationChannels), "quantization channels must be 2...65536, not \(quantizationChannels)")
        for (name, value) in [("residual", residualChannels), ("dilation", dilationChannels), ("skip", skipChannels)] {
            try check((1...4096).contains(value), "\(name) channels must be 1...4096, not \(value)")
        }
        try check(!dilations.isEmpty, "at least one residual layer is needed")
        try check(dilations.allSatisfy { (1...65536).contains($0) }, "dilations must be 1...65536, not \(dilations)")
        try check((condChannels == nil) == (classNames == nil), "cond_channels and class_names go together")
        if let condChannels {
            try check((1...4096).contains(condChannels), "cond channels must be 1...4096, not \(condChannels)")
            try check(!(classNames ?? []).isEmpty, "a conditioned model needs at least one class name")
            try check(Set(classNames ?? []).count == classNames?.count, "class names must be distinct")
        }
    }
}

extension ModelConfig {
    /// How `other` differs from this architecture, one phrase per field in this model's terms
    /// ("residual channels 32"); empty when they describe the same model.
    public func mismatches(with other: ModelConfig) -> [String] {
        var found: [String] = []
        func compare<T: Equatable>(_ name: String, _ mine: T, _ theirs: T) {
            if mine != theirs { found.append("\(name) \(mine)") }
        }
        compare("sample rate", sampleRate, other.sampleRate)
        compare("quantization channels", quantizationChannels, other.quantizationChannels)
        compare("residual channels", residualChannels, other.residualChannels)
        compare("dilation channels", dilationChannels, other.dilationChannels)
        compare("skip channels", skipChannels, other.skipChannels)
        compare("dilations", dilations, other.dilations)
        compare("conditioning channels", condChannels ?? 0, other.condChannels ?? 0)
        return found
    }
}

public enum ModelError: Error, CustomStringConvertible, Equatable {
    case invalidConfig(String)
    case nonFiniteLoss(step: Int)

    public var description: String {
        switch self {
        case .invalidConfig(let message): "invalid model configuration: \(message)"
        case .nonFiniteLoss(let step): "loss became NaN or infinite at step \(step)"
        }
    }
}
