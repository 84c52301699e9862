import Foundation

/// Element-wise kernels: vectorised exp, the gated activation, ReLU and softmax cross-entropy.
/// Each works on `SIMD8<Float>` lanes with a scalar tail, so any channel count is allowed.
public typealias Float8 = SIMD8<Float>

@inline(__always) func load8(_ p: UnsafePointer<Float>) -> Float8 {
    UnsafeRawPointer(p).loadUnaligned(as: Float8.self)
}

@inline(__always) func store8(_ v: Float8, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Float8.self)
}

/// exp(x) for eight lanes: 2^n * p(r) with |r| <= ln2/2 and a degree-6 polynomial
/// (relative error about 2e-7); inputs are clamped to the range where the result is a normal Float.
/// n is rounded by adding 1.5 * 2^23, which leaves it in the low mantissa bits: only bit casts,
/// no float-to-int conversion (which Swift does not vectorise).
@inline(__always)
public func exp8(_ x: Float8) -> Float8 {
    // replacing(with:where:) inlines; clamped(...) compiles to generic calls.
    var x = x
    x.replace(with: -87.33, where: x .< -87.33)
    x.replace(with: 88.3, where: x .> 88.3)
    let magic: Float = 12_582_912
    let shifted = x * 1.442_695_04 + magic
    let n = shifted - magic
    let r = x - n * 0.693_145_751_953_125 - n * 1.428_606_765_330_187e-6
    var p = Float8(repeating: 1.0 / 720)
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- Int32(bitPattern: magic.bitPattern)
    let scale = unsafeBitCast((integer &+ 127) &<< 23, to: Float8.self)
    return p * scale
}

@inline(__always) public func sigmoid8(_ x: Float8) -> Float8 { 1 / (1 + exp8(-x)) }
@inline(__always) public func tanh8(_ x: Float8) -> Float8 { 2 / (1 + exp8(-2 * x)) - 1 }

@inline(__always) public func sigmoid1(_ x: Float) -> Float { 1 / (1 + Foundation.exp(-x)) }
@inline(__always) public func tanh1(_ x: Float) -> Float { Foundation.tanh(x) }

public enum Gate {
    /// Gated activation of one row, with the bias added first.
    /// z: [2D] pre-activations -> z: [tanh(a) | sigmoid(b)] (kept for backward), g: [D] = tanh(a) * sigmoid(b)
    @inline(__always)
    public static func forward(_ D: Int, _ z: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>,
                               _ g: UnsafeMutablePointer<Float>) {
        var j = 0
        while j + 8 <= D {
            let t = tanh8(load8(z + j) + load8(bias + j))
            let s = sigmoid8(load8(z + D + j) + load8(bias + D + j))
            store8(t, z + j)
            store8(s, z + D + j)
            store8(t * s, g + j)
            j += 8
        }
        while j < D {
            let t = tanh1(z[j] + bias[j]), s = sigmoid1(z[D + j] + bias[D + j])
            z[j] = t
            z[D + j] = s
            g[j] = t * s
            j += 1
        }
    }

    /// act: [tanh | sigmoid] from forward, dg: [D] -> dz: [2D] (overwritten)
    @inline(__always)
    public static func backward(_ D: Int, _ act: UnsafePointer<Float>, _ dg: UnsafePointer<Float>,
                                _ dz: UnsafeMutablePointer<Float>) {
        var j = 0
        while j + 8 <= D {
            let t = load8(act + j), s = load8(act + D + j), d = load8(dg + j)
            store8(d * s * (1 - t * t), dz + j)
            store8(d * t * s * (1 - s), dz + D + j)
            j += 8
        }
        while j < D {
            let t = act[j], s = act[D + j], d = dg[j]
            dz[j] = d * s * (1 - t * t)
            dz[D + j] = d * t * s * (1 - s)
            j += 1
        }
    }
}

public enum ReLU {
    /// x: [n] -> max(x, 0) in place
    @inline(__always)
    public static func forward(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { x[i] = max(x[i], 0) }
    }

    /// y: [n] the forward output, dy: [n] -> dy * (y > 0) in place
    @inline(__always)
    public static func backward(_ y: UnsafePointer<Float>, _ dy: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n where y[i] <= 0 { dy[i] = 0 }
    }
}

public enum SoftmaxCrossEntropy {
    /// logits: [Q], one target -> loss in nats; logits replaced by scale * (softmax - onehot(target)).
    @inline(__always)
    public static func forwardBackward(_ Q: Int, _ logits: UnsafeMutablePointer<Float>, target: Int, scale: Float) -> Double {
        let maxLogit = maximum(logits, Q)
        let targetLogit = logits[target]
        let sum = exponentiate(logits, Q, shift: maxLogit)
        let inverse = scale / sum
        for i in 0..<Q { logits[i] *= inverse }
        logits[target] -= scale
        return Double(Foundation.log(sum)) + Double(maxLogit) - Double(targetLogit)
    }

    /// logits: [Q] -> loss in nats of `target`, logits left untouched.
    public static func loss(_ Q: Int, _ logits: UnsafePointer<Float>, target: Int) -> Double {
        let maxLogit = maximum(logits, Q)
        var sum: Double = 0
        for i in 0..<Q { sum += Foundation.exp(Double(logits[i] - maxLogit)) }
        return Foundation.log(sum) + Double(maxLogit) - Double(logits[target])
    }

    @inline(__always)
    static func maximum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var m = -Float.infinity
        for i in 0..<n { m = max(m, x[i]) }
        return m
    }

    /// x <- exp(x - shift) in place; returns the sum.
    @inline(__always)
    public static func exponentiate(_ x: UnsafeMutablePointer<Float>, _ n: Int, shift: Float) -> Float {
        var acc = Float8(repeating: 0)
        var i = 0
        while i + 8 <= n {
            let e = exp8(load8(x + i) - shift)
            store8(e, x + i)
            acc += e
            i += 8
        }
        var sum = acc.sum()
        while i < n {
            x[i] = Foundation.exp(x[i] - shift)
            sum += x[i]
            i += 1
        }
        return sum
    }
}

/// Adds each of `rows` rows of x (row stride ld) into `sum`: sum[c] += Σ_r x[r, c].
@inline(__always)
func addColumnSums(_ rows: Int, _ C: Int, _ x: UnsafePointer<Float>, _ ld: Int, into sum: UnsafeMutablePointer<Float>) {
    for r in 0..<rows {
        let row = x + r * ld
        for c in 0..<C { sum[c] += row[c] }
    }
}
