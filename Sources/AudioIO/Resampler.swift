import CSampleRate
import FileIO

/// Sample-rate conversion through libsamplerate.
public enum Resampler {
    public enum Quality: String, Sendable, CaseIterable {
        case sincBest, sincMedium, sincFastest, linear

        var converter: Int32 {
            switch self {
            case .sincBest: Int32(SRC_SINC_BEST_QUALITY)
            case .sincMedium: Int32(SRC_SINC_MEDIUM_QUALITY)
            case .sincFastest: Int32(SRC_SINC_FASTEST)
            case .linear: Int32(SRC_LINEAR)
            }
        }
    }

    /// Resamples mono audio from `sourceRate` to `targetRate`; the result has
    /// about `count * targetRate / sourceRate` samples. `path` names the source in errors.
    public static func resample(_ samples: [Float], from sourceRate: Int, to targetRate: Int,
                                quality: Quality = .sincMedium, path: String = "resampler") throws -> [Float] {
        try SampleRate.validate(sourceRate, what: path)
        try SampleRate.validate(targetRate, what: path)
        if sourceRate == targetRate || samples.isEmpty { return samples }
        let ratio = Double(targetRate) / Double(sourceRate)
        let capacity = Int((Double(samples.count) * ratio).rounded(.up)) + 16
        var output = [Float](repeating: 0, count: capacity)
        var generated = 0
        let status: Int32 = samples.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                var data = SRC_DATA()
                data.data_in = input.baseAddress
                data.input_frames = Int(input.count)
                data.data_out = out.baseAddress
                data.output_frames = Int(out.count)
                data.end_of_input = 1
                data.src_ratio = ratio
                let status = src_simple(&data, quality.converter, 1)
                generated = Int(data.output_frames_gen)
                return status
            }
        }
        guard status == 0 else {
            throw FileError(path, "resampling \(sourceRate) -> \(targetRate) Hz failed: \(String(cString: src_strerror(status)))")
        }
        output.removeLast(output.count - generated)
        return output
    }
}

/// Sample-rate conversion of a stream, block by block, with libsamplerate's state in between.
public final class StreamingResampler {
    private let state: OpaquePointer
    public let ratio: Double
    public let channels: Int
    private var output: [Float] = []

    public init(from sourceRate: Int, to targetRate: Int, channels: Int = 1, quality: Resampler.Quality = .sincMedium) throws {
        guard SampleRate.supported.contains(sourceRate), SampleRate.supported.contains(targetRate) else {
            throw DeviceError("playback resampler", "cannot convert \(sourceRate) Hz to \(targetRate) Hz (rates are \(SampleRate.supported))")
        }
        var error: Int32 = 0
        guard let state = src_new(quality.converter, Int32(channels), &error) else {
            throw DeviceError("playback resampler", "cannot start: \(String(cString: src_strerror(error)))")
        }
        self.state = state
        self.channels = channels
        ratio = Double(targetRate) / Double(sourceRate)
    }

    deinit { src_delete(state) }

    /// Converts the next block of interleaved frames; with `end`, also flushes what the filter holds.
    public func process(_ input: UnsafeBufferPointer<Float>, end: Bool = false) throws -> [Float] {
        let inFrames = input.count / channels
        var empty: Float = 0
        var result: [Float] = []
        var consumed = 0
        while true {
            let capacity = Int(Double(inFrames - consumed) * ratio) + 256
            if output.count < capacity * channels { output = [Float](repeating: 0, count: capacity * channels) }
            var data = SRC_DATA()
            let status: Int32 = output.withUnsafeMutableBufferPointer { out in
                withUnsafePointer(to: &empty) { nothing in
                    // libsamplerate refuses a null input pointer, even for zero frames.
                    data.data_in = input.baseAddress.map { UnsafePointer($0 + consumed * channels) } ?? nothing
                    data.input_frames = inFrames - consumed
                    data.data_out = out.baseAddress
                    data.output_frames = capacity
                    data.end_of_input = end ? 1 : 0
                    data.src_ratio = ratio
                    return src_process(state, &data)
                }
            }
            guard status == 0 else { throw DeviceError("playback resampler", String(cString: src_strerror(status))) }
            consumed += data.input_frames_used
            result += output.prefix(data.output_frames_gen * channels)
            // Done once all input is used and, at the end of the stream, the filter is empty.
            if consumed >= inFrames && (!end || data.output_frames_gen == 0) { break }
            if data.input_frames_used == 0 && data.output_frames_gen == 0 { break }
        }
        return result
    }
}
