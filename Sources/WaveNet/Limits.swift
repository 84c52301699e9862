import Foundation

/// The range of one numeric option. The flag's validation and its `--help` read it, and a
/// checkpoint's stored training settings are checked against the same range on `--resume`.
public struct Limit<Value: Comparable & Sendable>: Sendable {
    /// The flag's spelling, for messages: "--batch".
    public let flag: String
    public let range: ClosedRange<Value>

    public init(_ flag: String, _ range: ClosedRange<Value>) {
        self.flag = flag
        self.range = range
    }

    /// "1...4096", for help texts.
    public var text: String { "\(range.lowerBound)...\(range.upperBound)" }

    /// Throws unless `value` is in the range (NaN never is).
    public func check(_ value: Value) throws {
        guard range.contains(value) else { throw LimitError("\(flag) must be \(text), not \(value)") }
    }

    public func check(_ value: Value?) throws {
        if let value { try check(value) }
    }
}

/// A value outside its `Limit`.
public struct LimitError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Every numeric option's range, in one place.
public enum Limits {
    // Training
    public static let steps = Limit("--steps", 0...1_000_000_000)
    public static let batch = Limit("--batch", 1...4096)
    public static let segment = Limit("--segment", 1...10_000_000)
    public static let learningRate = Limit<Float>("--learning-rate", 1e-8...1)
    public static let gradientClip = Limit<Float>("--gradient-clip", 1e-6...1e6)
    public static let saveEvery = Limit("--save-every", 1...1_000_000_000)
    public static let validateEvery = Limit("--validate-every", 1...1_000_000_000)
    public static let validationFraction = Limit("--validation-fraction", 0.0...0.9)
    public static let silenceThreshold = Limit<Float>("--silence-threshold", -200...(-0.01))
    public static let condChannels = Limit("--cond-channels", 1...4096)
    public static let stacks = Limit("--stacks", 1...64)
    public static let depth = Limit("--depth", 1...16)
    public static let localHidden = Limit("--local-hidden", 1...4096)
    public static let hop = Limit("--hop", 1...65536)
    public static let low = Limit("--low", 0...127)
    public static let high = Limit("--high", 0...127)
    // Every command
    public static let threads = Limit("--threads", 1...256)
    // Generation and playback
    public static let seconds = Limit("--seconds", 0.001...86_400.0)
    public static let samples = Limit("--samples", 1...1_382_400_000)  // 24 h at 16 kHz
    public static let streams = Limit("--streams", 1...4096)
    public static let temperature = Limit<Float>("--temperature", 0...100)
    public static let prebuffer = Limit("--prebuffer", 0.0...3600)
    public static let sampleSeconds = Limit("--sample-seconds", 0.0...60)
    /// Seconds a MIDI render goes on after its last event, with zero frames, so that notes ring out.
    public static let tail = Limit("--tail", 0.0...60)
    // Benchmarks
    public static let benchSteps = Limit("--steps", 1...10_000)

    /// Memory this process may use, for refusing runs that cannot fit: the machine's physical
    /// memory, or the address-space limit (`ulimit -v`) when that is lower.
    public static var physicalMemoryBytes: Int {
        let physical = Int(sysconf(Int32(_SC_PHYS_PAGES))) * Int(sysconf(Int32(_SC_PAGESIZE)))
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_AS.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else { return physical }
        return min(physical, Int(clamping: limit.rlim_cur))
    }
}
