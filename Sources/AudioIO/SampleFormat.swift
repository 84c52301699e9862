import CALSA
import CSndFile

/// How samples are stored, in written files and on ALSA devices alike (`--sample-format`).
public enum SampleFormat: String, Sendable, CaseIterable {
    /// Signed 16-bit integers.
    case s16
    /// 32-bit IEEE floats.
    case float

    var sndfileSubtype: Int32 {
        switch self {
        case .s16: Int32(SF_FORMAT_PCM_16)
        case .float: Int32(SF_FORMAT_FLOAT)
        }
    }

    var alsa: snd_pcm_format_t { self == .float ? SND_PCM_FORMAT_FLOAT_LE : SND_PCM_FORMAT_S16_LE }
    var bytes: Int { self == .float ? 4 : 2 }
}
