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
