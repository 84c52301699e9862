/// An error of an ALSA device or of the playback path feeding it, printed as one line:
/// `ALSA device NAME: problem`. File problems are `FileError`s.
public struct DeviceError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What failed: "ALSA device hw:1,0", "playback resampler".
    public let subject: String
    public let problem: String

    public init(_ subject: String, _ problem: String) {
        self.subject = subject
        self.problem = problem
    }

    public var description: String { "\(subject): \(problem)" }
}
