import Foundation

/// Trains the frame network's first convolution as if its input were standardized features.
///
/// Why: the spec's mel features are raw natural-log magnitudes (mean about -5.7, range -11.5 to
/// about 1 on the corpus), and conv1 sums 3·F of them. At PyTorch's initialisation its
/// pre-activation already has a standard deviation of about 3, and Adam, which moves every weight
/// by about the learning rate, shifts the pre-activation by the sum of 3·F inputs of the same sign
/// at each step. The first vocoder trained that way ended with 99% of conv1's tanh outputs beyond
/// ±0.99 and its mels all but ignored (0.1-0.4 bits/sample gained from them on held-out speech).
///
/// So training keeps Adam in the coordinates of standardized input: with the training files'
/// per-channel mean μ_f and standard deviation σ_f,
///     W[c, f, k] = Ŵ[c, f, k] / σ_f,    b[c] = b̂[c] − Σ_{f,k} Ŵ[c, f, k] · μ_f / σ_f,
/// so that conv1(x) with (W, b) equals conv1((x − μ) / σ) with (Ŵ, b̂) wherever the frames are real.
/// The checkpoint holds (W, b), the spec's tensors, which read raw features as the spec says;
/// only the optimizer's moments for conv1 are in (Ŵ, b̂) coordinates, and μ and σ are stored in
/// the training settings so that a resumed run uses the same ones.
public struct FrameInputStandardization: Sendable, Equatable {
    /// [F] per-channel mean and standard deviation (floored) of the training frames.
    public let mean: [Float]
    public let deviation: [Float]

    /// Channels that hardly vary are left at unit scale rather than blown up.
    public static let smallestDeviation: Float = 1e-3

    public init(mean: [Float], deviation: [Float]) {
        self.mean = mean
        self.deviation = deviation.map { Swift.max($0, Self.smallestDeviation) }
    }

    /// μ and σ over every frame of `items` (time-major [frames, F] features), in double precision.
    public static func measure(_ items: [Corpus.Item], channels F: Int) -> FrameInputStandardization? {
        var sum = [Double](repeating: 0, count: F), squares = [Double](repeating: 0, count: F)
        var frames = 0
        for item in items {
            guard let features = item.features else { continue }
            features.withUnsafeBufferPointer { x in
                for t in 0..<(x.count / F) {
                    for f in 0..<F {
                        let v = Double(x[t * F + f])
                        sum[f] += v
                        squares[f] += v * v
                    }
                }
            }
            frames += features.count / F
        }
        guard frames > 0 else { return nil }
        let n = Double(frames)
        let mean = sum.map { $0 / n }
        let deviation = (0..<F).map { f in Swift.max(0, squares[f] / n - mean[f] * mean[f]).squareRoot() }
        return FrameInputStandardization(mean: mean.map(Float.init), deviation: deviation.map(Float.init))
    }

    /// (W, b) → (Ŵ, b̂) in place: Ŵ = W·σ, b̂ = b + Σ W·μ.   conv1 weight [C][F][3], bias [C]
    public func standardize(_ values: FloatBuffer, layout: ParameterLayout) {
        transform(values, layout: layout, forward: true)
    }

    /// (Ŵ, b̂) → (W, b) in place: W = Ŵ/σ, b = b̂ − Σ W·μ.
    public func unstandardize(_ values: FloatBuffer, layout: ParameterLayout) {
        transform(values, layout: layout, forward: false)
    }

    /// dL/d(W, b) → dL/d(Ŵ, b̂) in place: dŴ[c,f,k] = (dW[c,f,k] − db[c]·μ_f) / σ_f, db̂ = db.
    public func standardizeGradient(_ gradients: FloatBuffer, layout: ParameterLayout) {
        guard let (offsets, F, C) = shape(layout) else { return }
        let (g, w, b) = (gradients.base, offsets.conv1Weight, offsets.conv1Bias)
        for c in 0..<C {
            let gb = g[b + c]
            for f in 0..<F {
                for k in 0..<3 {
                    let i = w + (c * F + f) * 3 + k
                    g[i] = (g[i] - gb * mean[f]) / deviation[f]
                }
            }
        }
    }

    /// Whether these statistics fit a model: one mean per feature channel of its frame network.
    public func fits(_ config: ModelConfig) -> Bool {
        config.local?.channels == mean.count && mean.count == deviation.count
            && mean.allSatisfy(\.isFinite) && deviation.allSatisfy(\.isFinite)
    }

    private func shape(_ layout: ParameterLayout) -> (ParameterLayout.FrameNetworkOffsets, Int, Int)? {
        guard let offsets = layout.frameNetwork, let local = layout.config.local, fits(layout.config) else { return nil }
        return (offsets, local.channels, local.hidden)
    }

    private func transform(_ values: FloatBuffer, layout: ParameterLayout, forward: Bool) {
        guard let (offsets, F, C) = shape(layout) else { return }
        let (p, w, b) = (values.base, offsets.conv1Weight, offsets.conv1Bias)
        for c in 0..<C {
            // Σ_{f,k} W[c,f,k]·μ_f, with W the raw weights (before scaling forward, after it back).
            var shift: Double = 0
            for f in 0..<F {
                for k in 0..<3 {
                    let i = w + (c * F + f) * 3 + k
                    if forward {
                        shift += Double(p[i]) * Double(mean[f])
                        p[i] *= deviation[f]
                    } else {
                        p[i] /= deviation[f]
                        shift += Double(p[i]) * Double(mean[f])
                    }
                }
            }
            p[b + c] = forward ? Float(Double(p[b + c]) + shift) : Float(Double(p[b + c]) - shift)
        }
    }
}
