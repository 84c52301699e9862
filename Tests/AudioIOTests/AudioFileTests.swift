import AudioIO
import CSndFile
import FileIO
import Foundation
import TestSupport
import XCTest

final class AudioFileTests: XCTestCase {
    // Integer formats are written with scale 2^(n-1) - 1 and read with 2^(n-1): allow 1.5 steps.
    struct Case {
        let name: String
        let format: Int32
        let tolerance: Float
    }

    static let lossless: [Case] = [
        Case(name: "pcm16.wav", format: Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_16), tolerance: 1.5 / 32768),
        Case(name: "pcm24.wav", format: Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_24), tolerance: 1.5 / 8_388_608),
        Case(name: "float.wav", format: Int32(SF_FORMAT_WAV | SF_FORMAT_FLOAT), tolerance: 0),
        Case(name: "pcm16.flac", format: Int32(SF_FORMAT_FLAC | SF_FORMAT_PCM_16), tolerance: 1.5 / 32768),
        Case(name: "pcm16.aiff", format: Int32(SF_FORMAT_AIFF | SF_FORMAT_PCM_16), tolerance: 1.5 / 32768),
    ]

    func testLosslessRoundTripsMonoAndStereo() throws {
        let folder = makeTemporaryFolder(self)
        let left = sine(frequency: 440, sampleRate: 22050, seconds: 0.5, amplitude: 0.6)
        let right = sine(frequency: 660, sampleRate: 22050, seconds: 0.5, amplitude: 0.3)
        for item in Self.lossless {
            for channels in [1, 2] {
                let path = "\(folder)/\(channels)ch-\(item.name)"
                let interleaved = channels == 1 ? left : zip(left, right).flatMap { [$0, $1] }
                writeWithSndfile(path, interleaved: interleaved, channels: channels, sampleRate: 22050, format: item.format)
                let audio = try AudioFile.readMono(path)
                XCTAssertEqual(audio.sampleRate, 22050, path)
                XCTAssertEqual(audio.samples.count, left.count, path)
                XCTAssertTrue(audio.warnings.isEmpty, path)
                // Stereo is mixed down as the mean of the channels.
                let expected = channels == 1 ? left : zip(left, right).map { ($0 + $1) / 2 }
                let worst = zip(audio.samples, expected).map { abs($0 - $1) }.max()!
                XCTAssertLessThanOrEqual(worst, item.tolerance, path)
                let info = try AudioFile.info(path)
                XCTAssertEqual(info.channels, channels)
                XCTAssertEqual(info.frames, left.count)
                XCTAssertEqual(info.duration, 0.5, accuracy: 1e-9)
                XCTAssertEqual(info.peak, 0.6, accuracy: 1e-3, path)
            }
        }
    }

    func testOggVorbisRoundTripKeepsLengthAndSignal() throws {
        let folder = makeTemporaryFolder(self)
        let path = folder + "/tone.ogg"
        let signal = sine(frequency: 440, sampleRate: 16000, seconds: 1, amplitude: 0.5)
        for channels in [1, 2] {
            let interleaved = channels == 1 ? signal : signal.flatMap { [$0, $0] }
            writeWithSndfile(path, interleaved: interleaved, channels: channels, sampleRate: 16000,
                             format: Int32(SF_FORMAT_OGG | SF_FORMAT_VORBIS))
            let audio = try AudioFile.readMono(path)
            XCTAssertEqual(audio.sampleRate, 16000)
            XCTAssertEqual(audio.samples.count, signal.count)
            // Lossy: require a signal-to-noise ratio above 20 dB.
            let noise = zip(audio.samples, signal).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +)
            let energy = signal.map { Double($0) * Double($0) }.reduce(0, +)
            XCTAssertGreaterThan(10 * log10(energy / noise), 20)
            XCTAssertEqual(try AudioFile.info(path).format, "OGG (OGG Container format)")
        }
    }

    func testWriteWAVPCM16AndFloatAtomically() throws {
        let folder = makeTemporaryFolder(self)
        let signal: [Float] = [0, 0.5, -0.5, 1, -1, 0.25, 1.5, -2]
        for format in SampleFormat.allCases {
            let path = "\(folder)/out-\(format).wav"
            try AudioFile.write(signal, sampleRate: 16000, to: path, format: format)
            let back = try AudioFile.readMono(path)
            XCTAssertEqual(back.sampleRate, 16000)
            XCTAssertEqual(back.samples.count, signal.count)
            for (x, y) in zip(signal, back.samples) {
                // PCM16 clips to full scale; float keeps values beyond it.
                let expected = format == .s16 ? min(max(x, -1), 32767.0 / 32768) : x
                XCTAssertEqual(y, expected, accuracy: format == .s16 ? 1.0 / 32768 : 0)
            }
            XCTAssertEqual(try AudioFile.info(path).encoding, format == .s16 ? "Signed 16 bit PCM" : "32 bit float")
        }
        // No temporary files are left beside the output.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [])
    }

    /// The extension alone chooses the kind of file written (issue 15): read back through
    /// libsndfile, each is that kind, lossless ones sample for sample, Vorbis within 20 dB SNR.
    func testTheExtensionChoosesTheContainer() throws {
        let folder = makeTemporaryFolder(self)
        let signal = (0..<8000).map { Float(0.5 * sin(2 * Double.pi * 440 * Double($0) / 16000)) }
        let expected = [("a.wav", "WAV (Microsoft)", "Signed 16 bit PCM"), ("a.WAVE", "WAV (Microsoft)", "Signed 16 bit PCM"),
                        ("a.flac", "FLAC (Free Lossless Audio Codec)", "Signed 16 bit PCM"),
                        ("a.ogg", "OGG (OGG Container format)", "Vorbis"), ("a.aiff", "AIFF (Apple/SGI)", "Signed 16 bit PCM"),
                        ("a.aif", "AIFF (Apple/SGI)", "Signed 16 bit PCM")]
        for (name, format, encoding) in expected {
            let path = "\(folder)/\(name)"
            try AudioFile.write(signal, sampleRate: 16000, to: path)
            let info = try AudioFile.info(path)
            XCTAssertEqual(info.format, format, name)
            XCTAssertTrue(info.encoding.hasPrefix(encoding), "\(name): \(info.encoding)")
            let back = try AudioFile.readMono(path).samples
            XCTAssertEqual(back.count, signal.count, name)
            if AudioContainer(path: path) == .ogg {
                let noise = zip(back, signal).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +)
                let energy = signal.map { Double($0) * Double($0) }.reduce(0, +)
                XCTAssertGreaterThan(10 * log10(energy / noise), 20, name)
            } else {
                XCTAssertLessThanOrEqual(zip(back, signal).map { abs($0 - $1) }.max() ?? 1, 1.0 / 32768, name)
            }
        }
        try AudioFile.write(signal, sampleRate: 16000, to: folder + "/f.aiff", format: .float)
        XCTAssertEqual(try AudioFile.info(folder + "/f.aiff").encoding, "32 bit float")
        // Refused before anything is written: an unknown extension, none, and float in FLAC.
        for (name, format, problem) in [("a.mp3", SampleFormat.s16, "cannot write this kind of file; name it .wav, .flac, .ogg (Vorbis) or .aiff"),
                                        ("noext", .s16, "cannot write this kind of file"), ("b.flac", .float, "FLAC stores integer samples")] {
            XCTAssertThrowsError(try AudioFile.write(signal, sampleRate: 16000, to: "\(folder)/\(name)", format: format)) { error in
                XCTAssertTrue("\(error)".contains(problem), "\(name): \(error)")
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: "\(folder)/\(name)"))
        }
    }

    func testInfoLevels() throws {
        let folder = makeTemporaryFolder(self)
        let path = folder + "/square.wav"
        // A square wave of amplitude 0.5 has peak and RMS 0.5, i.e. -6.02 dBFS.
        let square = (0..<1600).map { ($0 / 8) % 2 == 0 ? Float(0.5) : -0.5 }
        try AudioFile.write(square, sampleRate: 8000, to: path, format: .float)
        let info = try AudioFile.info(path)
        XCTAssertEqual(info.format, "WAV (Microsoft)")
        XCTAssertEqual(info.sampleRate, 8000)
        XCTAssertEqual(info.frames, 1600)
        XCTAssertEqual(info.duration, 0.2, accuracy: 1e-12)
        XCTAssertEqual(info.peak, 0.5)
        XCTAssertEqual(info.rms, 0.5, accuracy: 1e-6)
        XCTAssertEqual(info.rmsDB, -6.0206, accuracy: 1e-3)
    }

    // MARK: - Bad input

    func assertRefused(_ path: String, containing problem: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try AudioFile.readMono(path), file: file, line: line) { error in
            guard let error = error as? FileError else { return XCTFail("not a FileError: \(error)", file: file, line: line) }
            XCTAssertEqual(error.path, path, file: file, line: line)
            XCTAssertTrue(error.problem.contains(problem), "\(error.problem) lacks \(problem)", file: file, line: line)
            XCTAssertFalse(error.description.contains("\n"), file: file, line: line)
        }
    }

    func testBadInputsAreRefusedWithTheirPath() throws {
        let folder = makeTemporaryFolder(self)
        assertRefused(folder + "/missing.wav", containing: "no such file")
        assertRefused(folder, containing: "is a directory")
        try Data("this is not audio\n".utf8).write(to: URL(fileURLWithPath: folder + "/text.wav"))
        assertRefused(folder + "/text.wav", containing: "Format not recognised")
        _ = FileManager.default.createFile(atPath: folder + "/empty.wav", contents: Data())
        assertRefused(folder + "/empty.wav", containing: "not a readable audio file")

        let good = folder + "/good.wav"
        try AudioFile.write(sine(frequency: 440, sampleRate: 16000, seconds: 0.5), sampleRate: 16000, to: good)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        try bytes.prefix(30).write(to: URL(fileURLWithPath: folder + "/cut-header.wav"))
        assertRefused(folder + "/cut-header.wav", containing: "not a readable audio file")
        try bytes.prefix(44).write(to: URL(fileURLWithPath: folder + "/header-only.wav"))
        assertRefused(folder + "/header-only.wav", containing: "no audio frames")

        let nan = folder + "/nan.wav"
        writeWithSndfile(nan, interleaved: [0, 0.1, .nan, 0.2], channels: 1, sampleRate: 16000,
                         format: Int32(SF_FORMAT_WAV | SF_FORMAT_FLOAT))
        assertRefused(nan, containing: "NaN or infinite")
        let inf = folder + "/inf.wav"
        writeWithSndfile(inf, interleaved: [0, .infinity, 0.2], channels: 1, sampleRate: 16000,
                         format: Int32(SF_FORMAT_WAV | SF_FORMAT_FLOAT))
        assertRefused(inf, containing: "NaN or infinite")
    }

    func testWAVCutInsideDataIsReadWithAWarning() throws {
        let folder = makeTemporaryFolder(self)
        let good = folder + "/good.wav"
        let signal = sine(frequency: 440, sampleRate: 16000, seconds: 0.5)
        try AudioFile.write(signal, sampleRate: 16000, to: good)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        let cut = folder + "/cut.wav"
        try bytes.prefix(44 + 2 * 1000).write(to: URL(fileURLWithPath: cut))
        let audio = try AudioFile.readMono(cut)
        XCTAssertEqual(audio.samples.count, 1000)
        XCTAssertEqual(audio.samples[999], signal[999], accuracy: 1.0 / 32768)
        XCTAssertEqual(audio.warnings.count, 1)
        XCTAssertTrue(audio.warnings[0].contains("truncated"))
    }

    func testUnwritableOutputLeavesNothing() throws {
        let folder = makeTemporaryFolder(self)
        XCTAssertThrowsError(try AudioFile.write([0.1], sampleRate: 16000, to: folder + "/missing/out.wav")) { error in
            XCTAssertTrue("\(error)".contains("does not exist"), "\(error)")
        }
        XCTAssertThrowsError(try AudioFile.write([0.1], sampleRate: 16000, to: folder)) { error in
            XCTAssertTrue("\(error)".contains("is a directory"), "\(error)")
        }
        XCTAssertThrowsError(try AudioFile.write([0.1], sampleRate: 0, to: folder + "/zero.wav"))
        XCTAssertThrowsError(try AudioFile.write([0.1], sampleRate: 1_000_000, to: folder + "/fast.wav"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), [])
    }
}
