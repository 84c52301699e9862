/// The model's weights rearranged for one-sample-at-a-time products, in one buffer in the order
/// a step reads them (the layout `wavenet_step` in CKernels documents): per layer the dilated
/// taps stacked input-major, [2R][2D] (rows 0..<R the past tap), then residual and skip side by
/// side, [D+1][R+S], whose last row holds the residual bias; then the head, [S][S], [S], [S][Q], [Q].
/// Both generation kernels read it: the fused one front to back, the baseline one by offsets.
final class GeneratorWeights: @unchecked Sendable {  // read-only after init
    let config: ModelConfig
    let (Q, R, D, S, L): (Int, Int, Int, Int, Int)
    let packed: FloatBuffer
    /// With half precision, the same layout rounded to IEEE half (nearest even), padded by one
    /// vector so that the kernel's whole-vector loads of a row's tail stay inside it.
    let packedHalf: UnsafeMutablePointer<UInt16>?
    let precision: WeightPrecision
    let parameters: Parameters
    /// Offsets into `packed`.
    let dilatedOffsets: [Int], residualSkipOffsets: [Int]
    let output1Offset: Int, output1BiasOffset: Int, output2Offset: Int, output2BiasOffset: Int

    init(_ p: Parameters, precision: WeightPrecision = .float) {
        parameters = p
        self.precision = precision
        config = p.config
        let c = p.config
        (Q, R, D, S, L) = (c.quantizationChannels, c.residualChannels, c.dilationChannels, c.skipChannels, c.layerCount)
        let (Q, R, D, S, L) = (Q, R, D, S, L)
        let perLayer = 2 * R * 2 * D + (D + 1) * (R + S)
        dilatedOffsets = (0..<L).map { $0 * perLayer }
        residualSkipOffsets = (0..<L).map { $0 * perLayer + 2 * R * 2 * D }
        output1Offset = L * perLayer
        output1BiasOffset = output1Offset + S * S
        output2Offset = output1BiasOffset + S
        output2BiasOffset = output2Offset + S * Q
        packed = FloatBuffer(count: output2BiasOffset + Q)
        assert(packed.count == Self.packedCount(c))
        let layout = p.layout, w = packed.base
        for (i, layer) in layout.layers.enumerated() {
            let dilated = w + dilatedOffsets[i], weight = p[layer.dilatedWeight]  // [2][2D][R] -> [2R][2D]
            for tap in 0..<2 { for o in 0..<2 * D { for r in 0..<R {
                dilated[(tap * R + r) * 2 * D + o] = weight[(tap * 2 * D + o) * R + r]
            } } }
            let rs = w + residualSkipOffsets[i], residual = p[layer.residualWeight], skip = p[layout.skipWeight]
            for d in 0..<D {
                for r in 0..<R { rs[d * (R + S) + r] = residual[r * D + d] }
                for s in 0..<S { rs[d * (R + S) + R + s] = skip[s * L * D + i * D + d] }
            }
            (rs + D * (R + S)).update(from: p[layer.residualBias], count: R)  // the skip part of this row stays 0
        }
        let output1 = p[layout.output1Weight], output2 = p[layout.output2Weight]
        for o in 0..<S { for s in 0..<S { w[output1Offset + s * S + o] = output1[o * S + s] } }
        for q in 0..<Q { for s in 0..<S { w[output2Offset + s * Q + q] = output2[q * S + s] } }
        (w + output1BiasOffset).update(from: p[layout.output1Bias], count: S)
        (w + output2BiasOffset).update(from: p[layout.output2Bias], count: Q)
        if precision == .half {
            let half = UnsafeMutablePointer<UInt16>.allocate(capacity: packed.count + 16)
            for i in 0..<packed.count { half[i] = Float16(w[i]).bitPattern }
            (half + packed.count).initialize(repeating: 0, count: 16)
            packedHalf = half
        } else {
            packedHalf = nil
        }
    }

    deinit { packedHalf?.deallocate() }

    func dilated(_ i: Int) -> UnsafeMutablePointer<Float> { packed[dilatedOffsets[i]] }
    func residualSkip(_ i: Int) -> UnsafeMutablePointer<Float> { packed[residualSkipOffsets[i]] }

    /// Floats in the packed layout of `config`.
    static func packedCount(_ c: ModelConfig) -> Int {
        let (Q, R, D, S) = (c.quantizationChannels, c.residualChannels, c.dilationChannels, c.skipChannels)
        return c.layerCount * (2 * R * 2 * D + (D + 1) * (R + S)) + S * S + S + S * Q + Q
    }

    /// Weight bytes one step reads (the last layer's residual columns are skipped).
    static func bytesReadPerStep(_ c: ModelConfig, precision: WeightPrecision) -> Int {
        (packedCount(c) - (c.dilationChannels + 1) * c.residualChannels) * (precision == .half ? 2 : 4)
    }

    /// Multiply-adds of one step of one stream, counted as two operations each.
    static func flopsPerStep(_ c: ModelConfig) -> Int {
        let (Q, R, D, S, L) = (c.quantizationChannels, c.residualChannels, c.dilationChannels, c.skipChannels, c.layerCount)
        return 2 * (L * (2 * R * 2 * D + D * (R + S)) - D * R + S * S + S * Q)
    }
}
