import Foundation

/// `config.local` (MODEL_SPEC.md, "Local conditioning"): which features steer the model and
/// the frame network that reads them.
public struct LocalConfig: Codable, Equatable, Sendable {
    public enum Features: String, Codable, Sendable {
        /// Log-mel spectrogram frames: a vocoder.
        case mel
        /// A piano roll from MIDI: an instrument.
        case notes
    }

    public var features: Features
    /// F: feature channels per frame.
    public var channels: Int
    /// C: channels of the frame network.
    public var hidden: Int
    /// Samples per frame.
    public var hop: Int
    /// Causal frame network (b[f] sees frames f-4...f), needed to play from live input.
    public var causal: Bool
    // mel only
    public var nFFT: Int?
    public var win: Int?
    public var fmin: Double?
    public var fmax: Double?
    // notes only
    public var low: Int?
    public var high: Int?

    enum CodingKeys: String, CodingKey {
        case features, channels, hidden, hop, causal, nFFT = "n_fft", win, fmin, fmax, low, high
    }

    public init(features: Features, channels: Int, hidden: Int, hop: Int, causal: Bool,
                nFFT: Int? = nil, win: Int? = nil, fmin: Double? = nil, fmax: Double? = nil, low: Int? = nil, high: Int? = nil) {
        (self.features, self.channels, self.hidden, self.hop, self.causal) = (features, channels, hidden, hop, causal)
        (self.nFFT, self.win, self.fmin, self.fmax, self.low, self.high) = (nFFT, win, fmin, fmax, low, high)
    }

    /// Decodes like the synthesized conformance, but names an unknown feature kind.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try c.decode(String.self, forKey: .features)
        guard let features = Features(rawValue: kind) else {
            throw ModelError.invalidConfig("local features \"\(kind)\" are not known to this version (it reads mel and notes)")
        }
        self.init(features: features, channels: try c.decode(Int.self, forKey: .channels), hidden: try c.decode(Int.self, forKey: .hidden),
                  hop: try c.decode(Int.self, forKey: .hop), causal: try c.decode(Bool.self, forKey: .causal),
                  nFFT: try c.decodeIfPresent(Int.self, forKey: .nFFT), win: try c.decodeIfPresent(Int.self, forKey: .win),
                  fmin: try c.decodeIfPresent(Double.self, forKey: .fmin), fmax: try c.decodeIfPresent(Double.self, forKey: .fmax),
                  low: try c.decodeIfPresent(Int.self, forKey: .low), high: try c.decodeIfPresent(Int.self, forKey: .high))
    }

    /// The features of digital silence, [F]: the mel floor, log(1e-5), in every band; no key held.
    public var silentFrame: [Float] {
        switch features {
        case .mel: return [Float](repeating: Float(Foundation.log(1e-5)), count: channels)
        case .notes: return [Float](repeating: 0, count: channels)
        }
    }

    /// Frames of context a training window needs around it so that the frame network's output
    /// inside it equals the whole file's: 4 before and 2 after cover centred and causal models.
    public static let framesBefore = 4, framesAfter = 2

    /// Throws a readable message when the settings cannot describe a model.
    public func validate(sampleRate: Int) throws {
        func check(_ ok: Bool, _ message: String) throws {
            if !ok { throw ModelError.invalidConfig("local: " + message) }
        }
        try check((1...4096).contains(channels), "channels must be 1...4096, not \(channels)")
        try check((1...4096).contains(hidden), "hidden must be 1...4096, not \(hidden)")
        try check((1...65536).contains(hop), "hop must be 1...65536, not \(hop)")
        switch features {
        case .mel:
            guard let nFFT, let win, let fmin, let fmax else { throw ModelError.invalidConfig("local: mel features need n_fft, win, fmin and fmax") }
            try check(nFFT >= 2 && nFFT % 2 == 0 && nFFT <= 65536, "n_fft must be even, 2...65536, not \(nFFT)")
            try check((1...nFFT).contains(win), "win must be 1...n_fft, not \(win)")
            try check(fmin >= 0 && fmin < fmax && fmax <= Double(sampleRate) / 2, "need 0 <= fmin < fmax <= sample_rate / 2")
            try check(low == nil && high == nil, "low and high belong to notes features")
        case .notes:
            guard let low, let high else { throw ModelError.invalidConfig("local: notes features need low and high") }
            try check(0 <= low && low <= high && high <= 127, "keys must satisfy 0 <= low <= high <= 127, not \(low)...\(high)")
            try check(channels == 2 * (high - low + 1), "notes features have 2 (high - low + 1) = \(2 * (high - low + 1)) channels, not \(channels)")
            try check(nFFT == nil && win == nil && fmin == nil && fmax == nil, "n_fft, win, fmin and fmax belong to mel features")
        }
    }
}
