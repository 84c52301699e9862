import CALSA
import FileIO
import Foundation

/// An ALSA playback device, opened with hardware parameters chosen for low latency:
/// interleaved float or 16-bit frames, about 25 ms periods and a 4-period buffer by default
/// (a live instrument asks for 10 ms periods and 2 of them).
/// Underruns (EPIPE) and suspends (ESTRPIPE) are recovered with `snd_pcm_recover` and counted.
public final class PCMOutput {
    public let device: String
    /// What the device accepted (the rate may differ from the one asked for).
    public let sampleRate: Int
    public let channels: Int
    public let format: SampleFormat
    public let periodFrames: Int
    public let bufferFrames: Int
    public private(set) var underruns = 0
    private var pcm: OpaquePointer?
    private var conversion: [Int16] = []

    /// Opens `device` for `channels` at `sampleRate`, trying `formats` in order.
    public init(device: String, sampleRate: Int, channels: Int, formats: [SampleFormat] = [.float, .s16],
                periodSeconds: Double = 0.025, periods: Int = 4) throws {
        self.device = device
        wavenet_alsa_silence_errors()
        var handle: OpaquePointer?
        let status = snd_pcm_open(&handle, device, SND_PCM_STREAM_PLAYBACK, 0)
        guard status >= 0, let handle else {
            throw DeviceError("ALSA device \(device)", "cannot open for playback (\(Self.message(status))); "
                            + "no sound card here? choose another with --device (see --list-devices) or write a file with `wavenet generate --out`")
        }
        pcm = handle
        var params: OpaquePointer?
        snd_pcm_hw_params_malloc(&params)
        defer { snd_pcm_hw_params_free(params) }
        func check(_ status: Int32, _ what: String) throws {
            if status < 0 {
                snd_pcm_close(handle)
                throw DeviceError("ALSA device \(device)", "\(what) (\(Self.message(status)))")
            }
        }
        try check(snd_pcm_hw_params_any(handle, params), "has no usable configuration")
        try check(snd_pcm_hw_params_set_access(handle, params, SND_PCM_ACCESS_RW_INTERLEAVED), "refuses interleaved access")
        guard let chosen = formats.first(where: { snd_pcm_hw_params_set_format(handle, params, $0.alsa) >= 0 }) else {
            snd_pcm_close(handle)
            throw DeviceError("ALSA device \(device)", "accepts none of the sample formats \(formats.map(\.rawValue).joined(separator: ", "))")
        }
        format = chosen
        try check(snd_pcm_hw_params_set_channels(handle, params, UInt32(channels)), "refuses \(channels) channel(s)")
        self.channels = channels
        var rate = UInt32(sampleRate)
        var direction: Int32 = 0
        try check(snd_pcm_hw_params_set_rate_near(handle, params, &rate, &direction), "refuses every rate near \(sampleRate) Hz")
        self.sampleRate = Int(rate)
        var period = snd_pcm_uframes_t(max(64, Int(Double(rate) * periodSeconds)))
        try check(snd_pcm_hw_params_set_period_size_near(handle, params, &period, &direction), "refuses a period of \(period) frames")
        var buffer = period * snd_pcm_uframes_t(max(2, periods))
        try check(snd_pcm_hw_params_set_buffer_size_near(handle, params, &buffer), "refuses a buffer of \(buffer) frames")
        try check(snd_pcm_hw_params(handle, params), "refuses the hardware parameters")
        snd_pcm_hw_params_get_period_size(params, &period, &direction)
        snd_pcm_hw_params_get_buffer_size(params, &buffer)
        periodFrames = Int(period)
        bufferFrames = Int(buffer)
        try check(snd_pcm_prepare(handle), "cannot be prepared")
    }

    deinit { close() }

    /// Writes interleaved frames in [-1, 1], blocking until the device has taken them all.
    public func write(_ samples: UnsafeBufferPointer<Float>) throws {
        guard let pcm else { throw DeviceError("ALSA device \(device)", "is closed") }
        let frames = samples.count / channels
        if format == .s16 && conversion.count < samples.count { conversion = [Int16](repeating: 0, count: samples.count) }
        if format == .s16 {
            for i in 0..<samples.count { conversion[i] = PCMOutput.s16(samples[i]) }
        }
        var done = 0
        while done < frames {
            let written: Int = format == .float
                ? Int(snd_pcm_writei(pcm, samples.baseAddress! + done * channels, snd_pcm_uframes_t(frames - done)))
                : conversion.withUnsafeBufferPointer { Int(snd_pcm_writei(pcm, $0.baseAddress! + done * channels, snd_pcm_uframes_t(frames - done))) }
            if written >= 0 {
                done += written
                continue
            }
            let error = Int32(written)
            if error == -EAGAIN { continue }
            if error == -EPIPE || error == -ESTRPIPE {
                underruns += 1
                if snd_pcm_recover(pcm, error, 1) >= 0 { continue }
            }
            throw DeviceError("ALSA device \(device)", "write failed (\(Self.message(error)))")
        }
    }

    public func write(_ samples: [Float]) throws {
        try samples.withUnsafeBufferPointer { try write($0) }
    }

    /// Plays what is queued, then closes.
    public func drain() {
        if let pcm { snd_pcm_drain(pcm) }
        close()
    }

    /// Stops at once, dropping what is queued, then closes.
    public func stop() {
        if let pcm { snd_pcm_drop(pcm) }
        close()
    }

    public func close() {
        if let pcm { snd_pcm_close(pcm) }
        pcm = nil
    }

    /// The 16-bit value a float sample is played as: clipped to full scale, rounded.
    @inline(__always)
    public static func s16(_ x: Float) -> Int16 {
        Int16((min(max(x, -1), 1) * 32767).rounded())
    }

    static func message(_ status: Int32) -> String { String(cString: snd_strerror(status)) }

    /// The PCM names ALSA's configuration knows, with their descriptions.
    public static func devices() -> [(name: String, description: String)] {
        wavenet_alsa_silence_errors()
        var hints: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
        guard snd_device_name_hint(-1, "pcm", &hints) >= 0, let hints else { return [] }
        defer { snd_device_name_free_hint(hints) }
        var result: [(String, String)] = []
        var cursor = hints
        while let hint = cursor.pointee {
            func field(_ id: String) -> String? {
                guard let value = snd_device_name_get_hint(hint, id) else { return nil }
                defer { free(value) }
                return String(cString: value)
            }
            if let name = field("NAME"), field("IOID") != "Input" {
                result.append((name, (field("DESC") ?? "").replacingOccurrences(of: "\n", with: " ")))
            }
            cursor += 1
        }
        return result
    }
}
