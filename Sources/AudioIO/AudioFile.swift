import CSndFile
import FileIO
import Foundation

/// Decoded audio, mixed down to mono.
public struct MonoAudio: Sendable {
    public var samples: [Float]
    public var sampleRate: Int
    /// Non-fatal findings (a file cut inside its data, say), one line each.
    public var warnings: [String] = []

    public init(samples: [Float], sampleRate: Int, warnings: [String] = []) {
        self.samples = samples
        self.sampleRate = sampleRate
        self.warnings = warnings
    }

    public var duration: Double { Double(samples.count) / Double(sampleRate) }
}

/// What `wavenet info` reports for an audio file.
public struct AudioFileInfo: Sendable, Codable, Equatable {
    public var path: String
    public var format: String
    public var encoding: String
    public var sampleRate: Int
    public var channels: Int
    public var frames: Int
    public var duration: Double
    /// Largest absolute sample over all channels, and its level in dBFS.
    public var peak: Float
    public var peakDB: Float
    /// Root mean square over all channels, and its level in dBFS.
    public var rms: Float
    public var rmsDB: Float
    /// Non-fatal findings, such as a file cut inside its data.
    public var warnings: [String]

    enum CodingKeys: String, CodingKey {
        case path, format, encoding, sampleRate = "sample_rate", channels, frames, duration
        case peak, peakDB = "peak_db", rms, rmsDB = "rms_db", warnings
    }
}

/// All audio file I/O, through libsndfile.
public enum AudioFile {
    /// Reads any format libsndfile knows, mixing channels down to mono.
    /// Refuses anything but a regular file (links followed), headers outside `supportedChannels`
    /// or `SampleRate.supported`, audio longer than `maxSamples`, files with no frames and files
    /// with NaN or infinite samples.
    public static func readMono(_ path: String) throws -> MonoAudio {
        let (interleaved, info, warnings) = try readInterleaved(path)
        let channels = Int(info.channels)
        let frames = interleaved.count / channels
        var mono = [Float](repeating: 0, count: frames)
        interleaved.withUnsafeBufferPointer { src in
            mono.withUnsafeMutableBufferPointer { dst in
                if channels == 1 {
                    _ = dst.initialize(from: src)
                    return
                }
                let scale = 1 / Float(channels)
                for f in 0..<frames {
                    var sum: Float = 0
                    for c in 0..<channels { sum += src[f * channels + c] }
                    dst[f] = sum * scale
                }
            }
        }
        return MonoAudio(samples: mono, sampleRate: Int(info.samplerate), warnings: warnings)
    }

    /// Reads a file as mono at `sampleRate`, resampling when the file's rate differs.
    public static func readMono(_ path: String, sampleRate: Int, quality: Resampler.Quality = .sincMedium) throws -> MonoAudio {
        try SampleRate.validate(sampleRate, what: path)
        var audio = try readMono(path)
        if audio.sampleRate != sampleRate {
            audio.samples = try Resampler.resample(audio.samples, from: audio.sampleRate, to: sampleRate, quality: quality, path: path)
            audio.sampleRate = sampleRate
        }
        return audio
    }

    /// Reads a file with its channels kept, interleaved.
    public static func readInterleaved(_ path: String) throws -> (samples: [Float], channels: Int, sampleRate: Int, warnings: [String]) {
        let (interleaved, info, warnings) = try readInterleaved(path)
        return (interleaved, Int(info.channels), Int(info.samplerate), warnings)
    }

    /// Format, rate, channels, length and levels of a file; `frames` counts the frames decoded,
    /// not the header's claim.
    public static func info(_ path: String) throws -> AudioFileInfo {
        let (interleaved, sfInfo, warnings) = try readInterleaved(path)
        var peak: Float = 0
        var sumSquares: Double = 0
        for x in interleaved {
            peak = max(peak, abs(x))
            sumSquares += Double(x) * Double(x)
        }
        let rms = Float((sumSquares / Double(max(interleaved.count, 1))).squareRoot())
        let (format, encoding) = formatNames(sfInfo.format)
        return AudioFileInfo(
            path: path, format: format, encoding: encoding,
            sampleRate: Int(sfInfo.samplerate), channels: Int(sfInfo.channels), frames: Int(sfInfo.frames),
            duration: Double(sfInfo.frames) / Double(sfInfo.samplerate),
            peak: peak, peakDB: decibels(peak), rms: rms, rmsDB: decibels(rms), warnings: warnings)
    }

    /// Writes samples (interleaved when `channels` > 1) as an audio file whose kind comes from
    /// the path's extension (`AudioContainer`), atomically: a temporary file in the same folder,
    /// synced, then renamed over `path`. On any failure nothing is left at `path`.
    public static func write(_ samples: [Float], sampleRate: Int, channels: Int = 1, to path: String,
                             format: SampleFormat = .s16) throws {
        try write([samples], sampleRate: sampleRate, channels: channels, to: [path], format: format)
    }

    /// Writes one file per entry of `streams`, all or nothing: if any cannot be written,
    /// none is, and every path is left as it was.
    public static func write(_ streams: [[Float]], sampleRate: Int, channels: Int = 1, to paths: [String],
                             format: SampleFormat = .s16) throws {
        precondition(streams.count == paths.count, "one path per stream")
        for (samples, path) in zip(streams, paths) where channels < 1 || samples.count % channels != 0 {
            throw FileError(path, "cannot write: \(samples.count) samples do not make whole frames of \(channels) channels")
        }
        for path in paths { try SampleRate.validate(sampleRate, what: path) }
        try AtomicFile.writeAll(paths) { i, tempPath in
            let (samples, path) = (streams[i], paths[i])
            var info = SF_INFO()
            info.samplerate = Int32(sampleRate)
            info.channels = Int32(channels)
            guard let container = AudioContainer(path: path) else {
                throw FileError(path, "cannot write this kind of file; name it \(AudioContainer.choices)")
            }
            if let refusal = container.refusal(format) { throw FileError(path, refusal) }
            info.format = container.sndfileFormat(format)
            guard let file = sf_open(tempPath, Int32(SFM_WRITE), &info) else {
                throw FileError(path, "cannot write: \(String(cString: sf_strerror(nil)))")
            }
            // Clip instead of wrapping around when float samples exceed full scale in integer files.
            sf_command(file, Int32(SFC_SET_CLIPPING), nil, Int32(SF_TRUE))
            let frames = samples.count / channels
            let written = samples.withUnsafeBufferPointer { sf_writef_float(file, $0.baseAddress, sf_count_t(frames)) }
            let writeError = written == frames ? nil : String(cString: sf_strerror(file))
            sf_write_sync(file)
            let closeStatus = sf_close(file)
            if let writeError { throw FileError(path, "cannot write: \(writeError)") }
            if closeStatus != 0 { throw FileError(path, "cannot write: \(String(cString: sf_error_number(closeStatus)))") }
        }
    }

    /// True when libsndfile recognises the file as audio it can read.
    public static func isReadableAudio(_ path: String) -> Result<Void, FileError> {
        do {
            let opened = try open(path)
            sf_close(opened.file)
            return .success(())
        } catch let error as FileError {
            return .failure(error)
        } catch {
            return .failure(FileError(path, "\(error)"))
        }
    }

    // MARK: - Limits

    /// The longest audio any reader accepts: 2^31 samples over all channels (8 GiB as floats),
    /// 12.4 hours of mono at 48 kHz. A file's own claim of its length is never trusted; this
    /// bounds what it can make us allocate.
    public static let maxSamples = 1 << 31
    /// Channel counts accepted (libsndfile's own ceiling is 1024).
    public static let supportedChannels = 1...1024
    /// Frames decoded per `sf_readf_float` call: 2^20 samples, 4 MiB, whatever the channel count.
    static let blockSamples = 1 << 20

    // MARK: - Internals

    static func open(_ path: String) throws -> (file: OpaquePointer, info: SF_INFO, size: Int) {
        let size = try FileIdentity.regularFileSize(path, expected: "an audio file")
        var info = SF_INFO()
        guard let file = sf_open(path, Int32(SFM_READ), &info) else {
            let reason = String(cString: sf_strerror(nil)).trimmingCharacters(in: .whitespaces)
            // libsndfile's words for a header whose rate or channel count is below 1 (2^31 Hz read as an int).
            if reason.contains("SF_INFO struct incomplete") {
                throw FileError(path, "invalid header: sample rate or channel count out of range (libsndfile: \(reason))")
            }
            throw FileError(path, "not a readable audio file (libsndfile: \(reason))")
        }
        do {
            // Checked before anything is allocated from these numbers: a crafted header can claim any of them.
            guard supportedChannels.contains(Int(info.channels)) else {
                throw FileError(path, "invalid header: \(info.channels) channels, outside \(supportedChannels.lowerBound)...\(supportedChannels.upperBound)")
            }
            // The rate fields are unsigned in most headers; libsndfile's int shows 2^31 Hz as negative.
            try SampleRate.validate(Int(UInt32(bitPattern: info.samplerate)), what: path)
            guard info.frames > 0 else { throw FileError(path, "contains no audio frames") }
        } catch {
            sf_close(file)
            throw error
        }
        return (file, info, size)
    }

    /// The most frames a file of `size` bytes can hold when its container stores plain PCM,
    /// or nil when the encoding is compressed (FLAC, Vorbis, ADPCM, ...) and the size says nothing.
    static func framesThatFit(_ info: SF_INFO, size: Int) -> Int? {
        let major = Int(info.format) & Int(SF_FORMAT_TYPEMASK)
        let plainContainers = [SF_FORMAT_WAV, SF_FORMAT_WAVEX, SF_FORMAT_RF64, SF_FORMAT_W64, SF_FORMAT_AIFF,
                               SF_FORMAT_AU, SF_FORMAT_CAF, SF_FORMAT_RAW, SF_FORMAT_IRCAM, SF_FORMAT_NIST].map { Int($0) }
        guard plainContainers.contains(major) else { return nil }
        let bytesPerSample: Int
        switch Int(info.format) & Int(SF_FORMAT_SUBMASK) {
        case Int(SF_FORMAT_PCM_S8), Int(SF_FORMAT_PCM_U8), Int(SF_FORMAT_ULAW), Int(SF_FORMAT_ALAW): bytesPerSample = 1
        case Int(SF_FORMAT_PCM_16): bytesPerSample = 2
        case Int(SF_FORMAT_PCM_24): bytesPerSample = 3
        case Int(SF_FORMAT_PCM_32), Int(SF_FORMAT_FLOAT): bytesPerSample = 4
        case Int(SF_FORMAT_DOUBLE): bytesPerSample = 8
        default: return nil
        }
        return size / (bytesPerSample * Int(info.channels))
    }

    /// Decodes a whole file in bounded blocks until libsndfile has no more, so memory follows the
    /// frames actually present, never the header's claim. The returned `SF_INFO.frames` is the
    /// number of frames decoded.
    static func readInterleaved(_ path: String) throws -> ([Float], SF_INFO, [String]) {
        let (file, claimed, size) = try open(path)
        defer { sf_close(file) }
        let channels = Int(claimed.channels)
        let frameLimit = maxSamples / channels
        let limitMessage = "decodes to more than \(frameLimit) frames (the limit is \(maxSamples) samples over all channels, about 12.4 hours of mono at 48 kHz)"
        let claimedFrames = Int(claimed.frames)
        let fit = framesThatFit(claimed, size: size)
        // Plain PCM that really holds more than the limit is refused before decoding any of it.
        if let fit, min(claimedFrames, fit) > frameLimit { throw FileError(path, limitMessage) }
        var samples: [Float] = []
        // Reserve what the file can really hold. Compressed data has no such bound; 16 samples per
        // byte of file covers FLAC and Vorbis at usual ratios (more grows the array as it comes) and
        // caps a lying header's reach at 64 bytes of memory per byte of file.
        samples.reserveCapacity(min(claimedFrames, fit ?? 16 * size / channels, frameLimit) * channels)
        let blockFrames = max(1, blockSamples / channels)
        var block = [Float](repeating: 0, count: blockFrames * channels)
        while true {
            let n = Int(block.withUnsafeMutableBufferPointer { sf_readf_float(file, $0.baseAddress, sf_count_t(blockFrames)) })
            guard n > 0 else { break }
            guard samples.count / channels + n <= frameLimit else { throw FileError(path, limitMessage) }
            samples.append(contentsOf: block[0..<(n * channels)])
        }
        let read = samples.count / channels
        guard read > 0 else { throw FileError(path, "contains no readable audio frames") }
        var warnings: [String] = []
        // libsndfile gives SF_COUNT_MAX when it cannot tell the length; only a real claim can fall short.
        if read < claimedFrames, claimed.frames != sf_count_t.max {
            warnings.append("\(path): warning: file ends early; read \(read) of \(claimedFrames) frames")
        }
        // libsndfile notes a chunk longer than the file as "data : 352800 (should be 49920)".
        if let log = logInfo(file), log.contains("(should be ") {
            warnings.append("\(path): warning: file appears truncated; using the \(read) frames present")
        }
        if let bad = samples.firstIndex(where: { !$0.isFinite }) {
            throw FileError(path, "sample \(bad / channels) is \(samples[bad]) (NaN or infinite samples are not audio)")
        }
        var info = claimed
        info.frames = sf_count_t(read)
        return (samples, info, warnings)
    }

    static func logInfo(_ file: OpaquePointer) -> String? {
        var log = [CChar](repeating: 0, count: 4096)
        let n = sf_command(file, Int32(SFC_GET_LOG_INFO), &log, Int32(log.count))
        guard n > 0 else { return nil }
        return String(decoding: log.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func formatNames(_ format: Int32) -> (String, String) {
        func name(_ code: Int32, _ command: Int32) -> String {
            var info = SF_FORMAT_INFO()
            info.format = code
            guard sf_command(nil, command, &info, Int32(MemoryLayout<SF_FORMAT_INFO>.size)) == 0, let cName = info.name else {
                return String(format: "0x%04x", code)
            }
            return String(cString: cName)
        }
        let major = format & Int32(SF_FORMAT_TYPEMASK)
        let sub = format & Int32(SF_FORMAT_SUBMASK)
        return (name(major, Int32(SFC_GET_FORMAT_INFO)), name(sub, Int32(SFC_GET_FORMAT_INFO)))
    }
}

/// Level in dB relative to full scale; -inf for silence.
public func decibels(_ amplitude: Float) -> Float {
    amplitude > 0 ? 20 * log10(amplitude) : -Float.infinity
}
