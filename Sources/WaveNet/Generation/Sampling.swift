/// Drawing the next class from a row of logits.
public enum Sampling {
    /// Draws a class from softmax(logits / temperature); temperature 0 takes the argmax.
    /// The logits row is used as scratch.
    @inline(__always)
    public static func sample(_ logits: UnsafeMutablePointer<Float>, _ Q: Int, temperature: Float, rng: inout SplitMix64) -> Int32 {
        var best = 0
        for j in 1..<Q where logits[j] > logits[best] { best = j }
        if temperature <= 0 { return Int32(best) }
        let maxLogit = logits[best], inverse = 1 / temperature
        for j in 0..<Q { logits[j] *= inverse }
        let total = SoftmaxCrossEntropy.exponentiate(logits, Q, shift: maxLogit * inverse)
        var u = rng.nextUnitFloat() * total
        for j in 0..<Q {
            u -= logits[j]
            if u < 0 { return Int32(j) }
        }
        return Int32(best)
    }
}
