import CFFTW
import Foundation

/// The settings of `mel` features (MODEL_SPEC.md, "mel features"): the tacotron2 / nv-wavenet
/// convention, so that mels from tacotron2-style text-to-speech models feed a vocoder unchanged.
public struct MelSettings: Codable, Equatable, Sendable {
    public var sampleRate: Int
    public var nFFT: Int
    public var win: Int
    public var hop: Int
    public var mels: Int
    public var fmin: Double
    public var fmax: Double

    public init(sampleRate: Int, nFFT: Int, win: Int, hop: Int, mels: Int, fmin: Double, fmax: Double) {
        (self.sampleRate, self.nFFT, self.win, self.hop, self.mels, self.fmin, self.fmax) = (sampleRate, nFFT, win, hop, mels, fmin, fmax)
    }

    /// The spec's defaults: nv-wavenet's at 16 kHz (800, 800, 200), tacotron2's at 22.05 kHz
    /// (1024, 1024, 256); other rates scale the 16 kHz window and hop (12.5 ms hop, 50 ms
    /// window), with 80 mels from 0 Hz to min(8000, rate/2).
    public static func defaults(sampleRate: Int) -> MelSettings {
        if sampleRate == 22050 { return MelSettings(sampleRate: 22050, nFFT: 1024, win: 1024, hop: 256, mels: 80, fmin: 0, fmax: 8000) }
        let hop = max(1, Int((Double(sampleRate) * 0.0125).rounded()))
        return MelSettings(sampleRate: sampleRate, nFFT: 4 * hop, win: 4 * hop, hop: hop, mels: 80, fmin: 0,
                           fmax: min(8000, Double(sampleRate) / 2))
    }

    /// A readable message for settings that cannot make features, nil when they can.
    public var problem: String? {
        if nFFT < 2 || nFFT % 2 != 0 || nFFT > 65536 { return "--n-fft must be even, 2...65536, not \(nFFT)" }
        if !(1...nFFT).contains(win) { return "--win must be 1...n_fft (\(nFFT)), not \(win)" }
        if !(1...65536).contains(hop) { return "--hop must be 1...65536, not \(hop)" }
        if !(1...1024).contains(mels) { return "--mels must be 1...1024, not \(mels)" }
        if !(fmin >= 0 && fmin < fmax && fmax <= Double(sampleRate) / 2) {
            return "need 0 <= --fmin < --fmax <= sample rate / 2 (\(sampleRate / 2) Hz), not \(fmin) and \(fmax)"
        }
        return nil
    }

    /// Frequency bins of the one-sided STFT.
    public var bins: Int { nFFT / 2 + 1 }
    /// The shortest audio with features: reflect padding needs more than n_fft/2 samples.
    public var minimumSamples: Int { nFFT / 2 + 1 }
    /// Frames of `samples` samples: 1 + T / hop (centred frames).
    public func frames(samples: Int) -> Int { 1 + samples / hop }
}

public enum FeatureError: Error, CustomStringConvertible, Equatable, Sendable {
    case invalid(String)

    public var description: String {
        switch self { case .invalid(let message): message }
    }
}

/// Log-mel features, `u = ln(max(M · |STFT(x)|, 1e-5))`, with an FFTW plan made once and reused.
/// One instance is used by one thread at a time.
public final class MelSpectrogram: @unchecked Sendable {
    public let settings: MelSettings
    /// [mels][bins], Slaney scale and area normalisation, as librosa.filters.mel.
    public let filters: [Float]
    /// [nFFT]: a periodic Hann window of `win` samples, centred in n_fft with zeros around it (torch.stft).
    let window: [Float]
    private let input: UnsafeMutablePointer<Float>
    private let spectrum: UnsafeMutablePointer<fftwf_complex>
    private let plan: fftwf_plan

    public init(_ settings: MelSettings) throws {
        if let problem = settings.problem { throw FeatureError.invalid(problem) }
        self.settings = settings
        filters = MelSpectrogram.melFilters(settings)
        let (n, win) = (settings.nFFT, settings.win)
        var window = [Float](repeating: 0, count: n)
        let left = (n - win) / 2
        for i in 0..<win { window[left + i] = Float(0.5 - 0.5 * cos(2 * Double.pi * Double(i) / Double(win))) }
        self.window = window
        input = fftwf_alloc_real(n)
        spectrum = fftwf_alloc_complex(settings.bins)
        // Planning is not thread-safe in FFTW: one lock for every plan this process makes.
        planLock.lock()
        plan = fftwf_plan_dft_r2c_1d(Int32(n), input, spectrum, UInt32(FFTW_ESTIMATE))
        planLock.unlock()
    }

    deinit {
        planLock.lock()
        fftwf_destroy_plan(plan)
        planLock.unlock()
        fftwf_free(input)
        fftwf_free(spectrum)
    }

    /// STFT magnitudes of `x` with reflect padding: [bins][frames], frames = 1 + T / hop.
    public func magnitude(_ x: [Float]) throws -> [Float] {
        let s = settings
        guard x.count >= s.minimumSamples else {
            throw FeatureError.invalid("audio of \(x.count) samples is shorter than n_fft/2 + 1 = \(s.minimumSamples) samples, too short for features")
        }
        let frames = s.frames(samples: x.count), half = s.nFFT / 2, bins = s.bins
        var result = [Float](repeating: 0, count: bins * frames)
        x.withUnsafeBufferPointer { x in
            // Reflect padding: position p of the padded signal is x[reflect(p - half)].
            func sample(_ p: Int) -> Float {
                var i = p - half
                if i < 0 { i = -i }
                if i >= x.count { i = 2 * (x.count - 1) - i }
                return x[i]
            }
            for f in 0..<frames {
                let start = f * s.hop
                for j in 0..<s.nFFT { input[j] = window[j] * sample(start + j) }
                fftwf_execute(plan)
                for k in 0..<bins {
                    let (re, im) = (Double(spectrum[k].0), Double(spectrum[k].1))
                    result[k * frames + f] = Float((re * re + im * im).squareRoot())
                }
            }
        }
        return result
    }

    /// The features of `x`: [mels][frames], row-major (channel-major, as a `[F, frames]` array).
    public func features(_ x: [Float]) throws -> [Float] {
        let S = try magnitude(x)
        let (F, bins, frames) = (settings.mels, settings.bins, settings.frames(samples: x.count))
        var u = [Float](repeating: 0, count: F * frames)
        for m in 0..<F {
            for f in 0..<frames {
                var sum: Double = 0
                for k in 0..<bins { sum += Double(filters[m * bins + k]) * Double(S[k * frames + f]) }
                u[m * frames + f] = Float(Foundation.log(max(sum, 1e-5)))
            }
        }
        return u
    }

    // MARK: - librosa's Slaney mel filters

    /// librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax) with htk=False and norm="slaney".
    static func melFilters(_ s: MelSettings) -> [Float] {
        let bins = s.bins
        let low = hzToMel(s.fmin), high = hzToMel(s.fmax)
        let edges = (0..<(s.mels + 2)).map { melToHz(low + (high - low) * Double($0) / Double(s.mels + 1)) }
        let frequencies = (0..<bins).map { Double(s.sampleRate) / 2 * Double($0) / Double(bins - 1) }
        var weights = [Float](repeating: 0, count: s.mels * bins)
        for m in 0..<s.mels {
            let (left, center, right) = (edges[m], edges[m + 1], edges[m + 2])
            let norm = 2 / (right - left)
            for k in 0..<bins {
                let lower = (frequencies[k] - left) / (center - left)
                let upper = (right - frequencies[k]) / (right - center)
                weights[m * bins + k] = Float(max(0, min(lower, upper)) * norm)
            }
        }
        return weights
    }

    /// Slaney's mel scale: linear below 1 kHz (200/3 Hz per mel), logarithmic above.
    static func hzToMel(_ hz: Double) -> Double {
        let step = 200.0 / 3, logStep = Foundation.log(6.4) / 27
        return hz < 1000 ? hz / step : 1000 / step + Foundation.log(hz / 1000) / logStep
    }

    static func melToHz(_ mel: Double) -> Double {
        let step = 200.0 / 3, logStep = Foundation.log(6.4) / 27, knee = 1000 / step
        return mel < knee ? mel * step : 1000 * Foundation.exp(logStep * (mel - knee))
    }
}

private let planLock = NSLock()
