import AudioIO
import Foundation
import TestSupport
import XCTest

final class InfoCommandTests: XCTestCase {
    func testEverySubcommandHasHelp() throws {
        let top = try runWavenet(["--help"])
        XCTAssertEqual(top.status, 0)
        let subcommands = ["train", "generate", "play", "eval", "info", "bench"]
        for name in subcommands {
            XCTAssertTrue(top.stdout.contains(name), "top-level help lacks \(name)")
            let help = try runWavenet([name, "--help"])
            XCTAssertEqual(help.status, 0, name)
            XCTAssertTrue(help.stdout.contains("USAGE: wavenet \(name)"), help.stdout)
        }
    }

    func testInfoOfABundledSample() throws {
        let path = packageRoot + "/Samples/piano-01.flac"
        let text = try runWavenet(["info", path])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("sample rate: 16000 Hz"), text.stdout)
        XCTAssertTrue(text.stdout.contains("channels:    1"), text.stdout)
        let json = try runWavenet(["info", path, "--json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        let info = try AudioFile.info(path)
        XCTAssertEqual(object["sample_rate"] as? Int, 16000)
        XCTAssertEqual(object["frames"] as? Int, info.frames)
        XCTAssertEqual(object["format"] as? String, "FLAC (Free Lossless Audio Codec)")
        XCTAssertEqual((object["peak"] as? Double) ?? 0, Double(info.peak), accuracy: 1e-6)
        XCTAssertEqual((object["rms_db"] as? Double) ?? 0, Double(info.rmsDB), accuracy: 1e-4)
        XCTAssertEqual((object["duration"] as? Double) ?? 0, Double(info.frames) / 16000, accuracy: 1e-9)
    }

    func testBadInputsGiveOneLineErrors() throws {
        let folder = makeTemporaryFolder(self)
        try Data("plain text".utf8).write(to: URL(fileURLWithPath: folder + "/text.wav"))
        _ = FileManager.default.createFile(atPath: folder + "/empty.wav", contents: Data())
        try AudioFile.write([Float](repeating: 0.25, count: 1000), sampleRate: 16000, to: folder + "/good.wav")
        let good = try Data(contentsOf: URL(fileURLWithPath: folder + "/good.wav"))
        try good.prefix(30).write(to: URL(fileURLWithPath: folder + "/cut-header.wav"))
        try good.prefix(44).write(to: URL(fileURLWithPath: folder + "/no-frames.wav"))
        var nanWAV = good
        // Float WAV with a NaN: write one through libsndfile, then poke a NaN into its data.
        try AudioFile.write([0.1, 0.2, 0.3], sampleRate: 16000, to: folder + "/nan.wav", format: .float)
        nanWAV = try Data(contentsOf: URL(fileURLWithPath: folder + "/nan.wav"))
        let nanBits = Float.nan.bitPattern
        let offset = nanWAV.count - 4
        for k in 0..<4 { nanWAV[offset + k] = UInt8((nanBits >> (8 * UInt32(k))) & 0xFF) }
        try nanWAV.write(to: URL(fileURLWithPath: folder + "/nan.wav"))

        let cases: [(String, String)] = [
            (folder + "/missing.wav", "no such file"),
            (folder, "is a directory"),
            (folder + "/text.wav", "Format not recognised"),
            (folder + "/empty.wav", "not a readable audio file"),
            (folder + "/cut-header.wav", "not a readable audio file"),
            (folder + "/no-frames.wav", "contains no audio frames"),
            (folder + "/nan.wav", "NaN or infinite"),
        ]
        for (path, problem) in cases {
            assertRefusal(try runWavenet(["info", path]), path: path, problem: problem)
        }
    }

    func testWAVCutInsideDataWarnsButWorks() throws {
        let folder = makeTemporaryFolder(self)
        try AudioFile.write([Float](repeating: 0.25, count: 1000), sampleRate: 16000, to: folder + "/good.wav")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: folder + "/good.wav"))
        try bytes.prefix(44 + 600).write(to: URL(fileURLWithPath: folder + "/cut.wav"))
        let result = try runWavenet(["info", folder + "/cut.wav"])
        XCTAssertEqual(result.status, 0)
        XCTAssertTrue(result.stdout.contains("frames:      300"), result.stdout)
        XCTAssertTrue(result.stderr.contains("warning"), result.stderr)
    }
}
