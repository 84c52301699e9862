import AudioIO
import FileIO
import Foundation
import TestSupport
import XCTest

final class ResamplerTests: XCTestCase {
    func testSineKeepsItsFrequencyAndLength() throws {
        let source = sine(frequency: 440, sampleRate: 44100, seconds: 1)
        for quality in Resampler.Quality.allCases {
            let out = try Resampler.resample(source, from: 44100, to: 16000, quality: quality)
            XCTAssertEqual(Double(out.count), 16000, accuracy: 2, "\(quality)")
            // Energy sits at 440 Hz, not at neighbouring frequencies.
            let middle = Array(out[1000..<15000])
            let at440 = power(of: middle, at: 440, sampleRate: 16000)
            XCTAssertEqual(at440, 0.25 / 4, accuracy: 0.01, "\(quality)")  // (A/2)^2 for A = 0.5
            for other in [220.0, 400, 480, 880, 1000] {
                XCTAssertLessThan(power(of: middle, at: other, sampleRate: 16000), at440 * 1e-3, "\(quality) at \(other)")
            }
            // 440 Hz crosses zero 880 times a second.
            let crossings = zip(middle, middle.dropFirst()).filter { ($0 < 0) != ($1 < 0) }.count
            XCTAssertEqual(Double(crossings), 880 * Double(middle.count) / 16000, accuracy: 2)
        }
    }

    func testUpsamplingAndIdentity() throws {
        let source = sine(frequency: 1000, sampleRate: 8000, seconds: 0.5)
        let up = try Resampler.resample(source, from: 8000, to: 48000)
        XCTAssertEqual(Double(up.count), 24000, accuracy: 6)
        XCTAssertGreaterThan(power(of: Array(up[2000..<22000]), at: 1000, sampleRate: 48000), 0.06)
        XCTAssertEqual(try Resampler.resample(source, from: 8000, to: 8000), source)
    }

    func testAbsurdRatesAreRefused() {
        XCTAssertThrowsError(try Resampler.resample([0, 1], from: 0, to: 16000))
        XCTAssertThrowsError(try Resampler.resample([0, 1], from: 16000, to: 400_000)) { error in
            XCTAssertTrue("\(error)".contains("400000 Hz is outside"))
        }
    }

    func testReadMonoResamplesToTheRequestedRate() throws {
        let folder = makeTemporaryFolder(self)
        try AudioFile.write(sine(frequency: 440, sampleRate: 44100, seconds: 1), sampleRate: 44100, to: folder + "/a.wav")
        let audio = try AudioFile.readMono(folder + "/a.wav", sampleRate: 16000)
        XCTAssertEqual(audio.sampleRate, 16000)
        XCTAssertEqual(Double(audio.samples.count), 16000, accuracy: 2)
        XCTAssertThrowsError(try AudioFile.readMono(folder + "/a.wav", sampleRate: 0))
    }
}

final class SilenceTests: XCTestCase {
    func testTrimsKnownMargins() {
        // 0.25 s of silence, 0.5 s of tone, 0.3 s of faint noise at -70 dBFS.
        let rate = 16000
        let tone = sine(frequency: 300, sampleRate: rate, seconds: 0.5, amplitude: 0.5)
        let faint = (0..<4800).map { _ in Float.random(in: -1...1) * 0.0003 }
        let signal = [Float](repeating: 0, count: 4000) + tone + faint
        let range = Silence.audibleRange(signal, sampleRate: rate, thresholdDB: -50)
        XCTAssertEqual(range, 4000..<12000)
        XCTAssertEqual(Silence.trim(signal, sampleRate: rate, thresholdDB: -50).count, 8000)
        // A threshold below the noise keeps it; no threshold keeps everything.
        XCTAssertEqual(Silence.audibleRange(signal, sampleRate: rate, thresholdDB: -90), 4000..<signal.count)
        XCTAssertEqual(Silence.trim(signal, sampleRate: rate, thresholdDB: nil).count, signal.count)
        XCTAssertEqual(Silence.audibleRange([Float](repeating: 0, count: 1000), sampleRate: rate, thresholdDB: -50), 0..<0)
    }
}

final class AudioFolderTests: XCTestCase {
    func testNestedMixedFoldersInStableOrder() throws {
        let folder = makeTemporaryFolder(self)
        let fm = FileManager.default
        for sub in ["b", "a/deep", ".hidden"] { try fm.createDirectory(atPath: "\(folder)/\(sub)", withIntermediateDirectories: true) }
        let tone = sine(frequency: 440, sampleRate: 16000, seconds: 0.1)
        for name in ["b/2.wav", "a/deep/1.wav", "z.wav", "a/0.wav", ".hidden/x.wav", "B.wav"] {
            try AudioFile.write(tone, sampleRate: 16000, to: "\(folder)/\(name)")
        }
        // A corpus's documents are passed over without a warning; other files that are not audio get one.
        for document in ["readme.txt", "README.md", "a/metadata.csv"] {
            try Data("notes".utf8).write(to: URL(fileURLWithPath: folder + "/" + document))
        }
        try Data("junk".utf8).write(to: URL(fileURLWithPath: folder + "/a/fake.wav"))
        try Data("junk".utf8).write(to: URL(fileURLWithPath: folder + "/b/notes.bin"))
        let scan = try AudioFolder.scan(folder)
        XCTAssertEqual(scan.files.map { String($0.dropFirst(folder.count + 1)) },
                       ["B.wav", "a/0.wav", "a/deep/1.wav", "b/2.wav", "z.wav"])
        XCTAssertEqual(scan.warnings.count, 2, "\(scan.warnings)")
        XCTAssertTrue(scan.warnings.contains { $0.contains("a/fake.wav") } && scan.warnings.contains { $0.contains("b/notes.bin") })
        XCTAssertTrue(scan.warnings.allSatisfy { $0.hasPrefix("warning: skipping \(folder)/") })
        XCTAssertEqual(try AudioFolder.scan(folder + "/").files, scan.files)
    }

    func testEmptyAndUnusableFoldersAreRefused() throws {
        let folder = makeTemporaryFolder(self)
        XCTAssertThrowsError(try AudioFolder.scan(folder)) { XCTAssertTrue("\($0)".contains("folder is empty")) }
        try Data("notes".utf8).write(to: URL(fileURLWithPath: folder + "/readme.txt"))
        XCTAssertThrowsError(try AudioFolder.scan(folder)) { XCTAssertTrue("\($0)".contains("no readable audio files among 1 files")) }
        XCTAssertThrowsError(try AudioFolder.scan(folder + "/nope")) { XCTAssertTrue("\($0)".contains("no such folder")) }
        XCTAssertThrowsError(try AudioFolder.scan(folder + "/readme.txt")) { XCTAssertTrue("\($0)".contains("expected a folder")) }
    }
}
