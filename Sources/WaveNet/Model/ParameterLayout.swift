/// Where each parameter lives in the one flat allocation that holds all of them.
///
/// Gradients and the Adam moments use the same layout, so one offset names the same
/// weight in all four buffers. The internal layout is chosen for the kernels (tap-major
/// convolution weights, all skip weights in one matrix); `tensors` maps it to the PyTorch
/// layout that checkpoints use.
public struct ParameterLayout: Sendable {
    public struct Layer: Sendable {
        /// [2][2D][R]: tap 0 (t - d) then tap 1 (t), each [out, in].
        public var dilatedWeight: Int
        /// [2D]
        public var dilatedBias: Int
        /// [R][D]
        public var residualWeight: Int
        /// [R]
        public var residualBias: Int
        /// [S]
        public var skipBias: Int
        /// [2D][G], with conditioning.
        public var condWeight: Int?
        /// [2D][C], with local conditioning (PyTorch layout).
        public var localWeight: Int?
    }

    /// The frame network, with local conditioning, in PyTorch layout: [C][F][3], [C], [C][C][3], [C].
    public struct FrameNetworkOffsets: Sendable {
        public var conv1Weight: Int, conv1Bias: Int, conv2Weight: Int, conv2Bias: Int
    }

    public let config: ModelConfig
    /// [2][Q][R]: for tap k and class q, the R-column the one-hot input selects.
    public let inputTable: Int
    /// [R]
    public let inputBias: Int
    public let layers: [Layer]
    /// [S][L*D]: row s holds layer 0's D weights, then layer 1's, ...; one matrix for the whole skip sum.
    public let skipWeight: Int
    /// [classes][G], with conditioning.
    public let condEmbed: Int?
    /// [S][S], [S], [Q][S], [Q]
    public let output1Weight: Int, output1Bias: Int, output2Weight: Int, output2Bias: Int
    public let frameNetwork: FrameNetworkOffsets?
    public let count: Int

    /// Computes the offsets only; no weights are allocated. `config` should have passed
    /// `ModelConfig.validate`, whose bounds keep these sums far from overflow.
    public init(_ config: ModelConfig) {
        self.config = config
        let (Q, R, D, S, L) = (config.quantizationChannels, config.residualChannels, config.dilationChannels,
                               config.skipChannels, config.layerCount)
        let G = config.condChannels ?? 0
        var next = 0
        func take(_ n: Int) -> Int {
            defer { next += n }
            return next
        }
        inputTable = take(2 * Q * R)
        inputBias = take(R)
        layers = (0..<L).map { _ in
            Layer(dilatedWeight: take(2 * 2 * D * R), dilatedBias: take(2 * D),
                  residualWeight: take(R * D), residualBias: take(R), skipBias: take(S),
                  condWeight: config.isConditioned ? take(2 * D * G) : nil,
                  localWeight: config.local.map { take(2 * D * $0.hidden) })
        }
        skipWeight = take(S * L * D)
        condEmbed = config.isConditioned ? take(config.classCount * G) : nil
        output1Weight = take(S * S)
        output1Bias = take(S)
        output2Weight = take(Q * S)
        output2Bias = take(Q)
        frameNetwork = config.local.map { local in
            FrameNetworkOffsets(conv1Weight: take(local.hidden * local.channels * 3), conv1Bias: take(local.hidden),
                                conv2Weight: take(local.hidden * local.hidden * 3), conv2Bias: take(local.hidden))
        }
        count = next
    }

    /// One tensor of the checkpoint: its MODEL_SPEC name, PyTorch shape, and for each element
    /// in PyTorch (row-major) order the index of that element in the flat allocation.
    public struct Tensor: Sendable {
        public var name: String
        public var shape: [Int]
        public var fanIn: Int
        public var flatIndices: [Int]
    }

    /// All tensors in MODEL_SPEC order.
    public var tensors: [Tensor] {
        var result: [Tensor] = []
        forEachTensor { name, shape, fanIn, indices in
            result.append(Tensor(name: name, shape: shape, fanIn: fanIn, flatIndices: indices()))
        }
        return result
    }

    /// Names and shapes of all tensors in MODEL_SPEC order, without the index maps (which take
    /// 8 bytes per weight): enough to check a file against the layout before allocating anything.
    public var tensorShapes: [(name: String, shape: [Int])] {
        var result: [(name: String, shape: [Int])] = []
        forEachTensor { name, shape, _, _ in result.append((name, shape)) }
        return result
    }

    /// Calls `visit` with each tensor's name, shape, fan-in, and a closure that builds its index map.
    private func forEachTensor(_ visit: (String, [Int], Int, () -> [Int]) -> Void) {
        let (Q, R, D, S, L) = (config.quantizationChannels, config.residualChannels, config.dilationChannels,
                               config.skipChannels, config.layerCount)
        let G = config.condChannels ?? 0
        func contiguous(_ name: String, _ shape: [Int], at offset: Int, fanIn: Int) {
            visit(name, shape, fanIn) { Array(offset..<offset + shape.reduce(1, *)) }
        }
        // input.weight[r][q][k] = table[k][q][r]
        visit("input.weight", [R, Q, 2], 2 * Q) {
            var input: [Int] = []
            input.reserveCapacity(R * Q * 2)
            for r in 0..<R { for q in 0..<Q { for k in 0..<2 { input.append(inputTable + (k * Q + q) * R + r) } } }
            return input
        }
        contiguous("input.bias", [R], at: inputBias, fanIn: 2 * Q)
        for (i, layer) in layers.enumerated() {
            // dilated.weight[o][r][k] = W[k][o][r]
            visit("layers.\(i).dilated.weight", [2 * D, R, 2], 2 * R) {
                var dilated: [Int] = []
                dilated.reserveCapacity(2 * D * R * 2)
                for o in 0..<2 * D { for r in 0..<R { for k in 0..<2 { dilated.append(layer.dilatedWeight + (k * 2 * D + o) * R + r) } } }
                return dilated
            }
            contiguous("layers.\(i).dilated.bias", [2 * D], at: layer.dilatedBias, fanIn: 2 * R)
            contiguous("layers.\(i).residual.weight", [R, D, 1], at: layer.residualWeight, fanIn: D)
            contiguous("layers.\(i).residual.bias", [R], at: layer.residualBias, fanIn: D)
            // skip.weight[s][d] = skipAll[s][i*D + d]
            visit("layers.\(i).skip.weight", [S, D, 1], D) {
                var skip: [Int] = []
                skip.reserveCapacity(S * D)
                for s in 0..<S { for d in 0..<D { skip.append(skipWeight + s * L * D + i * D + d) } }
                return skip
            }
            contiguous("layers.\(i).skip.bias", [S], at: layer.skipBias, fanIn: D)
            if let condWeight = layer.condWeight {
                contiguous("layers.\(i).cond.weight", [2 * D, G], at: condWeight, fanIn: G)
            }
            if let localWeight = layer.localWeight, let C = config.local?.hidden {
                contiguous("layers.\(i).local.weight", [2 * D, C, 1], at: localWeight, fanIn: C)
            }
        }
        if let condEmbed {
            contiguous("cond_embed.weight", [config.classCount, G], at: condEmbed, fanIn: 0)
        }
        contiguous("output.1.weight", [S, S, 1], at: output1Weight, fanIn: S)
        contiguous("output.1.bias", [S], at: output1Bias, fanIn: S)
        contiguous("output.2.weight", [Q, S, 1], at: output2Weight, fanIn: S)
        contiguous("output.2.bias", [Q], at: output2Bias, fanIn: S)
        if let f = frameNetwork, let local = config.local {
            let (F, C) = (local.channels, local.hidden)
            contiguous("local.conv1.weight", [C, F, 3], at: f.conv1Weight, fanIn: 3 * F)
            contiguous("local.conv1.bias", [C], at: f.conv1Bias, fanIn: 3 * F)
            contiguous("local.conv2.weight", [C, C, 3], at: f.conv2Weight, fanIn: 3 * C)
            contiguous("local.conv2.bias", [C], at: f.conv2Bias, fanIn: 3 * C)
        }
    }
}
