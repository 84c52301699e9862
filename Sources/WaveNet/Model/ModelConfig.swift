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
    /// Local conditioning: the features that steer every sample, and the frame network.
    public var local: LocalConfig?

    enum CodingKeys: String, CodingKey {
        case sampleRate = "sample_rate"
        case quantizationChannels = "quantization_channels"
        case residualChannels = "residual_channels"
        case dilationChannels = "dilation_channels"
        case skipChannels = "skip_channels"
        case dilations
        case condChannels = "cond_channels"
        case classNames = "class_names"
        case local
    }

    public init(sampleRate: Int = 16000, quantizationChannels: Int = 256, residualChannels: Int = 32,
                dilationChannels: Int = 32, skipChannels: Int = 128,
                dilations: [Int] = ModelConfig.dilations(stacks: 2, depth: 10),
                condChannels: Int? = nil, classNames: [String]? = nil, local: LocalConfig? = nil) {
        self.sampleRate = sampleRate
        self.quantizationChannels = quantizationChannels
        self.residualChannels = residualChannels
        self.dilationChannels = dilationChannels
        self.skipChannels = skipChannels
        self.dilations = dilations
        self.condChannels = condChannels
        self.classNames = classNames
        self.local = local
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

    /// Residual layers a model may have.
    public static let maxLayers = 1024
    /// Classes a conditioned model may have.
    public static let maxClasses = 65536
    /// Weights a model may have: 2^28 floats, 1 GiB (the optimizer's two moments add 2 GiB more).
    public static let maxParameterCount = 1 << 28
    /// Floats of generator state per stream (the sum of the dilations times R): 2^28, 1 GiB.
    public static let maxGeneratorState = 1 << 28

    /// The number of weights, as `ParameterLayout` lays them out; nil when the count overflows `Int`.
    public var parameterCount: Int? {
        let (Q, R, D, S, L, G) = (quantizationChannels, residualChannels, dilationChannels, skipChannels,
                                  layerCount, condChannels ?? 0)
        func mul(_ factors: Int?...) -> Int? {
            factors.reduce(Int?(1)) { product, factor in
                guard let product, let factor else { return nil }
                let (result, overflow) = product.multipliedReportingOverflow(by: factor)
                return overflow ? nil : result
            }
        }
        func add(_ terms: Int?...) -> Int? {
            terms.reduce(Int?(0)) { sum, term in
                guard let sum, let term else { return nil }
                let (result, overflow) = sum.addingReportingOverflow(term)
                return overflow ? nil : result
            }
        }
        let (F, C) = (local?.channels ?? 0, local?.hidden ?? 0)
        let perLayer = add(mul(4, D, R), mul(2, D), mul(R, D), R, S, mul(2, D, G), mul(2, D, C))
        return add(mul(2, Q, R), R, mul(perLayer, L), mul(S, L, D), mul(classCount, G), mul(S, S), S, mul(Q, S), Q,
                   mul(3, C, F), C, mul(3, C, C), C)
    }

    /// Throws a readable message when the architecture is unusable, or larger than the limits
    /// above: a checkpoint's config is checked before anything is allocated from it.
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
        try check(dilations.count <= Self.maxLayers, "at most \(Self.maxLayers) residual layers are supported, not \(dilations.count)")
        if let bad = dilations.first(where: { !(1...65536).contains($0) }) {
            try check(false, "dilations must be 1...65536, not \(bad)")
        }
        try local?.validate(sampleRate: sampleRate)
        try check((condChannels == nil) == (classNames == nil), "cond_channels and class_names go together")
        if let condChannels {
            try check((1...4096).contains(condChannels), "cond channels must be 1...4096, not \(condChannels)")
            try check(!(classNames ?? []).isEmpty, "a conditioned model needs at least one class name")
            try check((classNames ?? []).count <= Self.maxClasses, "at most \(Self.maxClasses) classes are supported, not \(classCount)")
            try check(Set(classNames ?? []).count == classNames?.count, "class names must be distinct")
        }
        let limit = "the limit is \(Self.maxParameterCount) (1 GiB of float32 weights)"
        guard let count = parameterCount else { throw ModelError.invalidConfig("the parameter count overflows; \(limit)") }
        try check(count <= Self.maxParameterCount, "\(count) parameters are too many; \(limit)")
        let state = dilations.reduce(0, +) * residualChannels
        try check(state <= Self.maxGeneratorState,
                  "dilations summing to \(dilations.reduce(0, +)) with \(residualChannels) residual channels need \(state) floats of generator state; the limit is \(Self.maxGeneratorState) (1 GiB)")
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
        if local != other.local { found.append(local.map { "local conditioning on \($0.features.rawValue) (\($0.channels) channels, hop \($0.hop))" } ?? "no local conditioning") }
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
