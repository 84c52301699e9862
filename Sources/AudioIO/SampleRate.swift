import FileIO

/// Sample rates we accept anywhere a rate is requested.
public enum SampleRate {
    public static let supported = 1_000...384_000

    /// Throws unless `rate` is a sensible audio rate; `what` names the setting in the message.
    public static func validate(_ rate: Int, what: String) throws {
        guard supported.contains(rate) else {
            throw FileError(what, "sample rate \(rate) Hz is outside \(supported.lowerBound)...\(supported.upperBound) Hz")
        }
    }
}
