/// Drawing the next class from a row of logits.
public enum Sampling {
    /// Draws a class from softmax(logits / temperature); temperature 0 takes the argmax.
    /// The logits row is used as scratch. Vectorised in blocks of 8 (max, scale, exp, and the
    /// search for the drawn class by block sums first): at many streams a scalar loop over
    /// Q = 256 cost a tenth of the step.
    @inline(__always)
    public static func sample(_ logits: UnsafeMutablePointer<Float>, _ Q: Int, temperature: Float, rng: inout SplitMix64) -> Int32 {
        var maxLogit = -Float.infinity
        var j = 0
        if Q >= 8 {
            var m = load8(logits)
            j = 8
            while j + 8 <= Q { m = pointwiseMax(m, load8(logits + j)); j += 8 }
            maxLogit = m.max()
        }
        while j < Q { maxLogit = max(maxLogit, logits[j]); j += 1 }
        if temperature <= 0 || !maxLogit.isFinite { return argmax(logits, Q) }
        let inverse = 1 / temperature
        if inverse != 1 {
            j = 0
            while j + 8 <= Q { store8(load8(logits + j) * inverse, logits + j); j += 8 }
            while j < Q { logits[j] *= inverse; j += 1 }
        }
        let total = SoftmaxCrossEntropy.exponentiate(logits, Q, shift: maxLogit * inverse)
        var u = rng.nextUnitFloat() * total
        j = 0
        while j + 8 <= Q {
            let block = load8(logits + j).sum()
            if u < block { break }
            u -= block
            j += 8
        }
        while j < Q {
            u -= logits[j]
            if u < 0 { return Int32(j) }
            j += 1
        }
        // Rounding left u just above the total: the last class with any weight.
        var last = Q - 1
        while last > 0 && logits[last] == 0 { last -= 1 }
        return Int32(last)
    }

    /// The first index of the largest logit.
    static func argmax(_ logits: UnsafePointer<Float>, _ Q: Int) -> Int32 {
        var best = 0
        for j in 1..<Q where logits[j] > logits[best] { best = j }
        return Int32(best)
    }
}
