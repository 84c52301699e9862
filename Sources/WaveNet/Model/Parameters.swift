/// All weights of one model in one allocation, addressed through `layout`.
public final class Parameters: @unchecked Sendable {
    public let config: ModelConfig
    public let layout: ParameterLayout
    public let values: FloatBuffer

    public init(config: ModelConfig) throws {
        try config.validate()
        self.config = config
        layout = ParameterLayout(config)
        values = FloatBuffer(count: layout.count)
    }

    /// The address of parameter `offset` (bounds-checked like `FloatBuffer`).
    public subscript(offset: Int) -> UnsafeMutablePointer<Float> { values[offset] }

    /// PyTorch's default initialisation: Conv1d and Linear weights and biases uniform in
    /// ±1/sqrt(fan_in), the class embedding standard normal (nn.Embedding).
    public func initialize(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        for tensor in layout.tensors {
            if tensor.fanIn == 0 {
                for index in tensor.flatIndices { values.base[index] = rng.nextNormal() }
            } else {
                let bound = 1 / Float(tensor.fanIn).squareRoot()
                for index in tensor.flatIndices { values.base[index] = (2 * rng.nextUnitFloat() - 1) * bound }
            }
        }
    }

    public var parameterCount: Int { layout.count }
}
