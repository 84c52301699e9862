import Foundation

/// mu-law companding and quantisation exactly as MODEL_SPEC.md defines it.
public struct MuLaw: Sendable {
    /// Number of classes Q; mu = Q - 1.
    public let classes: Int
    private let mu: Float
    private let logOnePlusMu: Float

    public init(classes: Int = 256) {
        precondition(classes >= 2, "mu-law needs at least two classes")
        self.classes = classes
        self.mu = Float(classes - 1)
        self.logOnePlusMu = log1p(Float(classes - 1))
    }

    /// Class of one sample; input outside [-1, 1] is clamped.
    @inline(__always)
    public func encode(_ x: Float) -> Int32 {
        let clamped = min(max(x, -1), 1)
        let f = copysign(log1p(mu * abs(clamped)) / logOnePlusMu, clamped)
        let c = ((f + 1) / 2 * mu + 0.5).rounded(.down)
        return Int32(min(max(c, 0), mu))
    }

    /// Sample value of one class.
    @inline(__always)
    public func decode(_ c: Int32) -> Float {
        let y = 2 * Float(c) / mu - 1
        return copysign((pow(1 + mu, abs(y)) - 1) / mu, y)
    }

    /// The class of 0.0, floor(mu/2 + 0.5): the input before the first sample.
    public var silence: Int32 { encode(0) }

    public func encode(_ samples: [Float]) -> [Int32] { samples.map(encode) }
    public func decode(_ classes: [Int32]) -> [Float] { classes.map(decode) }
}
