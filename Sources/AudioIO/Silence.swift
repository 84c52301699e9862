import Foundation

/// Leading and trailing silence, judged by the level of short frames.
public enum Silence {
    /// The part of `samples` between the first and last 10 ms frame whose RMS level reaches
    /// `thresholdDB` (dBFS, e.g. -50). Empty when every frame is below the threshold.
    public static func audibleRange(_ samples: [Float], sampleRate: Int, thresholdDB: Float) -> Range<Int> {
        let frame = max(1, sampleRate / 100)
        let threshold = pow10(thresholdDB / 20)
        let thresholdSquared = Double(threshold) * Double(threshold)
        func loud(_ start: Int) -> Bool {
            let end = min(start + frame, samples.count)
            var sum: Double = 0
            for i in start..<end { sum += Double(samples[i]) * Double(samples[i]) }
            return sum / Double(end - start) >= thresholdSquared
        }
        let starts = Array(stride(from: 0, to: samples.count, by: frame))
        guard let first = starts.first(where: loud), let last = starts.last(where: loud) else { return 0..<0 }
        return first..<min(last + frame, samples.count)
    }

    /// `samples` without leading and trailing silence; `nil` threshold leaves them untouched.
    public static func trim(_ samples: [Float], sampleRate: Int, thresholdDB: Float?) -> [Float] {
        guard let thresholdDB else { return samples }
        return Array(samples[audibleRange(samples, sampleRate: sampleRate, thresholdDB: thresholdDB)])
    }

    private static func pow10(_ x: Float) -> Float { Float(exp(Double(x) * log(10.0))) }
}
