import Foundation

/// First and second moments of Adam, in the parameters' layout.
public final class AdamState: @unchecked Sendable {
    public let m: FloatBuffer
    public let v: FloatBuffer

    public init(count: Int) {
        m = FloatBuffer(count: count)
        v = FloatBuffer(count: count)
    }
}

/// Adam (Kingma & Ba) with PyTorch's defaults and its bias correction.
public struct Adam: Sendable {
    public var learningRate: Float = 1e-3
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8

    public init(learningRate: Float = 1e-3) { self.learningRate = learningRate }

    /// One update of all parameters; `step` counts from 1.   params, grads, m, v: [P]
    public func update(_ parameters: FloatBuffer, _ gradients: FloatBuffer, _ state: AdamState, step: Int) {
        let count = parameters.count
        let correction1 = 1 - Foundation.pow(Double(beta1), Double(step))
        let correction2 = 1 - Foundation.pow(Double(beta2), Double(step))
        let stepSize = Float(Double(learningRate) / correction1)
        let scale2 = Float(1 / correction2.squareRoot())
        let (p, g, m, v) = (parameters.base, gradients.base, state.m.base, state.v.base)
        let (b1, b2, eps) = (beta1, beta2, epsilon)
        for i in 0..<count {
            let gi = g[i]
            let mi = b1 * m[i] + (1 - b1) * gi
            let vi = b2 * v[i] + (1 - b2) * gi * gi
            m[i] = mi
            v[i] = vi
            p[i] -= stepSize * mi / ((vi.squareRoot() * scale2) + eps)
        }
    }

    /// Scales the gradient so its L2 norm is at most `maxNorm`; returns the norm before clipping.
    @discardableResult
    public static func clip(_ gradients: FloatBuffer, maxNorm: Float?) -> Float {
        var sum: Double = 0
        for i in 0..<gradients.count { sum += Double(gradients.base[i]) * Double(gradients.base[i]) }
        let norm = Float(sum.squareRoot())
        if let maxNorm, norm > maxNorm, norm.isFinite {
            let scale = maxNorm / (norm + 1e-6)
            for i in 0..<gradients.count { gradients.base[i] *= scale }
        }
        return norm
    }
}
