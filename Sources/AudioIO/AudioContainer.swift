import CSndFile

/// The kind of audio file written, chosen only by the output's extension (`--out take.flac`).
public enum AudioContainer: String, Sendable, CaseIterable {
    case wav, flac, ogg, aiff

    /// The container for `path`'s extension (any case; .wave, .oga and .aif too), nil for any other.
    public init?(path: String) {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        switch name[name.index(after: dot)...].lowercased() {
        case "wav", "wave": self = .wav
        case "flac": self = .flac
        case "ogg", "oga": self = .ogg
        case "aiff", "aif": self = .aiff
        default: return nil
        }
    }

    /// For messages: ".wav, .flac, .ogg (Vorbis) or .aiff".
    public static let choices = ".wav, .flac, .ogg (Vorbis) or .aiff"

    /// Why `format` cannot be stored in this container, or nil when it can. FLAC holds integers
    /// only; Ogg Vorbis is lossy and stores neither exactly, so both formats are accepted.
    public func refusal(_ format: SampleFormat) -> String? {
        self == .flac && format == .float ? "FLAC stores integer samples; use --sample-format s16 (the default) with .flac, or .wav for float" : nil
    }

    /// libsndfile's major format and subtype.
    func sndfileFormat(_ format: SampleFormat) -> Int32 {
        switch self {
        case .wav: Int32(SF_FORMAT_WAV) | format.sndfileSubtype
        case .flac: Int32(SF_FORMAT_FLAC) | Int32(SF_FORMAT_PCM_16)
        case .ogg: Int32(SF_FORMAT_OGG) | Int32(SF_FORMAT_VORBIS)
        case .aiff: Int32(SF_FORMAT_AIFF) | format.sndfileSubtype
        }
    }
}
