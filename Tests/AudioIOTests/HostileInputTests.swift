import AudioIO
import CSndFile
import FileIO
import Foundation
import TestSupport
import XCTest

/// Files whose headers lie, and paths that are not regular files (issue 13).
final class HostileInputTests: XCTestCase {
    func assertRefused(_ path: String, containing problem: String, file: StaticString = #filePath, line: UInt = #line) {
        for (name, read) in [("readMono", { _ = try AudioFile.readMono(path) }),
                             ("info", { _ = try AudioFile.info(path) }),
                             ("readInterleaved", { _ = try AudioFile.readInterleaved(path) })] as [(String, () throws -> Void)] {
            XCTAssertThrowsError(try read(), name, file: file, line: line) { error in
                guard let error = error as? FileError else { return XCTFail("\(name): not a FileError: \(error)", file: file, line: line) }
                XCTAssertEqual(error.path, path, file: file, line: line)
                XCTAssertTrue(error.problem.contains(problem), "\(name): \(error.problem) lacks \(problem)", file: file, line: line)
                XCTAssertFalse(error.description.contains("\n"), file: file, line: line)
            }
        }
    }

    func patch(_ data: inout Data, at offset: Int, _ bytes: [UInt8]) {
        for (i, byte) in bytes.enumerated() { data[offset + i] = byte }
    }

    func littleEndian32(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
    func bigEndian32(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }

    // MARK: - Header claims

    func testFLACClaimingTwoToThe36FramesReadsTheFramesPresent() throws {
        let folder = makeTemporaryFolder(self)
        let good = folder + "/good.flac"
        let signal = sine(frequency: 440, sampleRate: 16000, seconds: 0.25)
        writeWithSndfile(good, interleaved: signal, channels: 1, sampleRate: 16000, format: Int32(SF_FORMAT_FLAC | SF_FORMAT_PCM_16))
        var bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        XCTAssertEqual(bytes.prefix(4), Data("fLaC".utf8))
        // STREAMINFO's 36-bit total-samples field: the low 4 bits of data byte 13, then bytes 14...17.
        let streamInfo = 8
        bytes[streamInfo + 13] = (bytes[streamInfo + 13] & 0xF0) | 0x0F
        patch(&bytes, at: streamInfo + 14, [0xFF, 0xFF, 0xFF, 0xFF])
        let path = folder + "/claims-2^36.flac"
        try bytes.write(to: URL(fileURLWithPath: path))
        let before = peakResidentBytes()
        let audio = try AudioFile.readMono(path)
        XCTAssertEqual(audio.samples.count, signal.count)
        XCTAssertTrue(audio.warnings.contains { $0.contains("file ends early; read \(signal.count) of 68719476735 frames") }, "\(audio.warnings)")
        let info = try AudioFile.info(path)
        XCTAssertEqual(info.frames, signal.count)
        XCTAssertEqual(info.duration, 0.25, accuracy: 1e-9)
        // Nothing sized by the claim (2^36 frames would be 256 GiB).
        XCTAssertLessThan(peakResidentBytes() - before, 256 << 20)
    }

    func testWAVClaimingHugeDataReadsTheFramesPresent() throws {
        let folder = makeTemporaryFolder(self)
        let good = folder + "/good.wav"
        let signal = sine(frequency: 440, sampleRate: 16000, seconds: 0.1)
        try AudioFile.write(signal, sampleRate: 16000, to: good)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        XCTAssertEqual(bytes[36..<40], Data("data".utf8))
        patch(&bytes, at: 40, littleEndian32(0xFFFF_FFF0))
        let path = folder + "/huge-data.wav"
        try bytes.write(to: URL(fileURLWithPath: path))
        let before = peakResidentBytes()
        let audio = try AudioFile.readMono(path)
        XCTAssertEqual(audio.samples.count, signal.count)
        XCTAssertEqual(audio.samples[100], signal[100], accuracy: 1.0 / 32768)
        XCTAssertFalse(audio.warnings.isEmpty)
        XCTAssertEqual(try AudioFile.info(path).frames, signal.count)
        XCTAssertLessThan(peakResidentBytes() - before, 256 << 20)
    }

    func testHeadersClaimingAbsurdRatesAndChannelsAreRefused() throws {
        let folder = makeTemporaryFolder(self)
        let signal = sine(frequency: 440, sampleRate: 16000, seconds: 0.1)
        let wav = folder + "/good.wav"
        try AudioFile.write(signal, sampleRate: 16000, to: wav)
        let wavBytes = try Data(contentsOf: URL(fileURLWithPath: wav))

        // WAV fmt chunk: channels at 22 (16-bit), rate at 24. libsndfile reads the rate as an int,
        // so 2^31 Hz comes out negative and it refuses the header itself; 2^31 - 1 Hz it passes on.
        var fast = wavBytes
        patch(&fast, at: 24, littleEndian32(0x8000_0000))
        try fast.write(to: URL(fileURLWithPath: folder + "/fast.wav"))
        assertRefused(folder + "/fast.wav", containing: "invalid header: sample rate or channel count out of range")
        var fastest = wavBytes
        patch(&fastest, at: 24, littleEndian32(0x7FFF_FFFF))
        try fastest.write(to: URL(fileURLWithPath: folder + "/fastest.wav"))
        assertRefused(folder + "/fastest.wav", containing: "sample rate 2147483647 Hz is outside 1000...384000 Hz")
        var slow = wavBytes
        patch(&slow, at: 24, littleEndian32(1))
        try slow.write(to: URL(fileURLWithPath: folder + "/slow.wav"))
        assertRefused(folder + "/slow.wav", containing: "sample rate 1 Hz is outside 1000...384000 Hz")

        var wide = wavBytes
        patch(&wide, at: 22, [255, 0])
        patch(&wide, at: 24, littleEndian32(0x8000_0000))
        try wide.write(to: URL(fileURLWithPath: folder + "/wide-fast.wav"))
        assertRefused(folder + "/wide-fast.wav", containing: "invalid header: sample rate or channel count out of range")

        // AU (big-endian): rate at 16, channels at 20.
        let au = folder + "/good.au"
        writeWithSndfile(au, interleaved: signal, channels: 1, sampleRate: 16000, format: Int32(SF_FORMAT_AU | SF_FORMAT_PCM_16))
        let auBytes = try Data(contentsOf: URL(fileURLWithPath: au))
        var auFast = auBytes
        patch(&auFast, at: 16, bigEndian32(0x7FFF_FFFF))
        patch(&auFast, at: 20, bigEndian32(255))
        try auFast.write(to: URL(fileURLWithPath: folder + "/fast.au"))
        assertRefused(folder + "/fast.au", containing: "sample rate 2147483647 Hz is outside 1000...384000 Hz")
        var auWide = auBytes
        patch(&auWide, at: 20, bigEndian32(2000))
        try auWide.write(to: URL(fileURLWithPath: folder + "/wide.au"))
        XCTAssertThrowsError(try AudioFile.readMono(folder + "/wide.au")) { error in
            XCTAssertTrue("\(error)".contains("channels"), "\(error)")
        }
    }

    func testPCMLongerThanTheLimitIsRefusedBeforeDecoding() throws {
        XCTAssertEqual(AudioFile.maxSamples, 1 << 31)
        XCTAssertEqual(AudioFile.supportedChannels, 1...1024)
        // 8-bit mono WAV whose data chunk really is 0xFFFFFFF0 bytes: a sparse file, so nothing is stored.
        let folder = makeTemporaryFolder(self)
        let path = folder + "/long.wav"
        var header = Data("RIFF".utf8) + littleEndian32(0xFFFF_FFFF) + Data("WAVEfmt ".utf8) + littleEndian32(16)
        header += [1, 0, 1, 0] + littleEndian32(8000) + littleEndian32(8000) + [1, 0, 8, 0]
        header += Data("data".utf8) + littleEndian32(0xFFFF_FFF0)
        XCTAssertEqual(header.count, 44)
        try header.write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(truncate(path, off_t(44) + 0xFFFF_FFF0), 0)
        let started = Date()
        assertRefused(path, containing: "decodes to more than 2147483648 frames (the limit is 2147483648 samples over all channels")
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
    }

    // MARK: - Not regular files

    func testFIFOAndDevicesAreRefusedWithoutOpening() throws {
        let folder = makeTemporaryFolder(self)
        let fifo = folder + "/pipe.wav"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        // Opening a FIFO for reading would block until a writer came: the refusal must come first.
        let started = Date()
        assertRefused(fifo, containing: "not a regular file")
        assertRefused("/dev/null", containing: "not a regular file")
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        XCTAssertEqual("\(AudioFile.isReadableAudio(fifo))", "failure(\(fifo): not a regular file)")

        // A symlink to a regular file is followed; one to a FIFO is refused like the FIFO.
        let good = folder + "/good.wav"
        try AudioFile.write(sine(frequency: 440, sampleRate: 16000, seconds: 0.1), sampleRate: 16000, to: good)
        try FileManager.default.createSymbolicLink(atPath: folder + "/link.wav", withDestinationPath: good)
        XCTAssertEqual(try AudioFile.readMono(folder + "/link.wav").samples.count, 1600)
        try FileManager.default.createSymbolicLink(atPath: folder + "/pipe-link.wav", withDestinationPath: fifo)
        assertRefused(folder + "/pipe-link.wav", containing: "not a regular file")
        XCTAssertThrowsError(try AudioFolder.expand([fifo])) { XCTAssertEqual("\($0)", "\(fifo): not a regular file") }
    }

    func testScanFollowsSymlinksSkipsLoopsAndSpecialFiles() throws {
        let folder = makeTemporaryFolder(self)
        let elsewhere = makeTemporaryFolder(self)
        let fm = FileManager.default
        let tone = sine(frequency: 440, sampleRate: 16000, seconds: 0.1)
        try fm.createDirectory(atPath: folder + "/real", withIntermediateDirectories: true)
        try AudioFile.write(tone, sampleRate: 16000, to: folder + "/real/a.wav")
        try AudioFile.write(tone, sampleRate: 16000, to: elsewhere + "/b.wav")
        try fm.createDirectory(atPath: elsewhere + "/sub", withIntermediateDirectories: true)
        try AudioFile.write(tone, sampleRate: 16000, to: elsewhere + "/sub/c.wav")
        // A symlinked file, a symlinked folder, a loop back to the top, a broken link and a FIFO.
        try fm.createSymbolicLink(atPath: folder + "/linked.wav", withDestinationPath: elsewhere + "/b.wav")
        try fm.createSymbolicLink(atPath: folder + "/linked-folder", withDestinationPath: elsewhere + "/sub")
        try fm.createSymbolicLink(atPath: folder + "/real/loop", withDestinationPath: folder)
        try fm.createSymbolicLink(atPath: folder + "/broken.wav", withDestinationPath: folder + "/nothing.wav")
        XCTAssertEqual(mkfifo(folder + "/pipe.wav", 0o600), 0)

        let started = Date()
        let scan = try AudioFolder.scan(folder)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        XCTAssertEqual(scan.files.map { String($0.dropFirst(folder.count + 1)) },
                       ["linked-folder/c.wav", "linked.wav", "real/a.wav"])
        XCTAssertTrue(scan.warnings.contains("warning: skipping \(folder)/pipe.wav: not a regular file"), "\(scan.warnings)")
        XCTAssertTrue(scan.warnings.contains("warning: skipping \(folder)/broken.wav: broken symbolic link"), "\(scan.warnings)")
        XCTAssertTrue(scan.warnings.contains { $0.hasPrefix("warning: skipping \(folder)/real/loop: symbolic link loop") }, "\(scan.warnings)")
        XCTAssertEqual(scan.warnings.count, 3, "\(scan.warnings)")
        // A second name for a file already listed is skipped, with the first named.
        try fm.createSymbolicLink(atPath: folder + "/real/z-again.wav", withDestinationPath: folder + "/real/a.wav")
        let again = try AudioFolder.scan(folder)
        XCTAssertEqual(again.files, scan.files)
        XCTAssertTrue(again.warnings.contains("warning: skipping \(folder)/real/z-again.wav: same file as \(folder)/real/a.wav"), "\(again.warnings)")
        try fm.removeItem(atPath: folder + "/real/z-again.wav")
        // The same through expand, with the folder named by a symlink of its own.
        try fm.createSymbolicLink(atPath: elsewhere + "/corpus", withDestinationPath: folder)
        XCTAssertEqual(try AudioFolder.expand([elsewhere + "/corpus"]).files.count, 3)
    }
}
