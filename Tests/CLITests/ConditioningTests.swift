import AudioIO
import Foundation
import TestSupport
import WaveNet
import XCTest

final class ConditioningTests: XCTestCase {
    let architecture = ["--sample-rate", "8000", "--quantization-channels", "64", "--residual-channels", "16",
                        "--dilation-channels", "16", "--skip-channels", "32", "--stacks", "1", "--depth", "6"]

    func tone(_ frequency: Double, seconds: Double = 2) -> [Float] {
        (0..<Int(8000 * seconds)).map { Float(0.4 * sin(2 * Double.pi * frequency * Double($0) / 8000)) }
    }

    /// low/ holds sines near 200 Hz, high/ sines near 1 kHz.
    func makeCorpus() throws -> String {
        let folder = makeTemporaryFolder(self) + "/classes"
        for name in ["low", "high"] { try FileManager.default.createDirectory(atPath: "\(folder)/\(name)", withIntermediateDirectories: true) }
        for i in 1...3 {
            try AudioFile.write(tone(200 + 10 * Double(i)), sampleRate: 8000, to: "\(folder)/low/\(i).wav")
            try AudioFile.write(tone(1000 + 37 * Double(i)), sampleRate: 8000, to: "\(folder)/high/\(i).wav")
        }
        return folder
    }

    /// The strongest of 10 Hz steps from 100 Hz to 3 kHz, one Goertzel bin each.
    func dominantFrequency(_ samples: [Float]) -> Double {
        stride(from: 100.0, through: 3000, by: 10).max {
            power(of: samples, at: $0, sampleRate: 8000) < power(of: samples, at: $1, sampleRate: 8000)
        }!
    }

    func testGeneratedPitchFollowsTheClass() throws {
        let data = try makeCorpus()
        let checkpoint = data + "/../cond.safetensors", log = data + "/../log.jsonl"
        let train = try runWavenet(["train", data, "--conditioned", "--cond-channels", "4", "--checkpoint", checkpoint,
                                    "--steps", "150", "--segment", "1000", "--batch", "8", "--learning-rate", "0.003",
                                    "--validate-every", "75", "--log", log] + architecture)
        XCTAssertEqual(train.status, 0, train.stderr)
        let model = try Checkpoint.load(checkpoint)
        XCTAssertEqual(model.config.classNames, ["high", "low"])
        XCTAssertEqual(model.config.condChannels, 4)
        // Per-class figures in the log: training every step, validation when it runs.
        let entries = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        XCTAssertEqual(Set((entries[0]["bits_per_sample_by_class"] as? [String: Double] ?? [:]).keys).isSubset(of: ["high", "low"]), true)
        let validation = entries[74]["validation_bits_per_sample_by_class"] as! [String: Double]
        XCTAssertEqual(Set(validation.keys), ["high", "low"])
        XCTAssertNil(entries[73]["validation_bits_per_sample_by_class"])
        XCTAssertTrue(train.stderr.contains("high "), train.stderr)

        let info = try runWavenet(["info", checkpoint])
        XCTAssertTrue(info.stdout.contains("2 classes: 0=high 1=low"), info.stdout)

        for (name, range) in [("low", 150.0...400), ("high", 800.0...1300)] {
            let out = data + "/../\(name).wav"
            let result = try runWavenet(["generate", "--checkpoint", checkpoint, "--class", name, "--out", out,
                                         "--seconds", "1", "--temperature", "0.8"])
            XCTAssertEqual(result.status, 0, result.stderr)
            let samples = try AudioFile.readMono(out).samples
            let f = dominantFrequency(Array(samples[2000...]))
            XCTAssertTrue(range.contains(f), "class \(name) generated a dominant \(f) Hz")
        }
        // Two classes in one batch.
        let both = try runWavenet(["generate", "--checkpoint", checkpoint, "--class", "low,high", "--streams", "2",
                                   "--out", data + "/../both.wav", "--seconds", "1", "--temperature", "0.8"])
        XCTAssertEqual(both.status, 0, both.stderr)
        let low = dominantFrequency(Array(try AudioFile.readMono(data + "/../both-1.wav").samples[2000...]))
        let high = dominantFrequency(Array(try AudioFile.readMono(data + "/../both-2.wav").samples[2000...]))
        XCTAssertLessThan(low, 400)
        XCTAssertGreaterThan(high, 800)

        // eval under each class: the low files fit the low class better.
        func bits(_ files: String, _ name: String) throws -> Double {
            let r = try runWavenet(["eval", "--checkpoint", checkpoint, "--class", name, files, "--json"])
            XCTAssertEqual(r.status, 0, r.stderr)
            return (try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any])["bits_per_sample"] as! Double
        }
        XCTAssertLessThan(try bits(data + "/low", "low"), try bits(data + "/low", "high"))
        assertRefusal(try runWavenet(["eval", "--checkpoint", checkpoint, data + "/low"]), path: checkpoint, problem: "choose one of its classes")
        assertRefusal(try runWavenet(["eval", "--checkpoint", checkpoint, "--class", "mid", data + "/low"]), path: checkpoint, problem: "no class named \"mid\"")
    }

    func testConditionedCorpusErrors() throws {
        let data = try makeCorpus()
        let root = data + "/.."
        // Audio directly in the data folder.
        try AudioFile.write(tone(300), sampleRate: 8000, to: data + "/loose.wav")
        assertRefusal(try runWavenet(["train", data, "--conditioned", "--checkpoint", root + "/a.safetensors"] + architecture),
                      path: data + "/loose.wav", problem: "put every file in a class sub-folder")
        try FileManager.default.removeItem(atPath: data + "/loose.wav")
        // An empty class folder.
        try FileManager.default.createDirectory(atPath: data + "/empty", withIntermediateDirectories: true)
        assertRefusal(try runWavenet(["train", data, "--conditioned", "--checkpoint", root + "/b.safetensors"] + architecture),
                      path: data + "/empty", problem: "folder is empty")
        try FileManager.default.removeItem(atPath: data + "/empty")
        // No class folders at all; a single class warns but trains.
        let flat = root + "/flat"
        try FileManager.default.createDirectory(atPath: flat, withIntermediateDirectories: true)
        try Data("notes".utf8).write(to: URL(fileURLWithPath: flat + "/README.txt"))
        assertRefusal(try runWavenet(["train", flat, "--conditioned", "--checkpoint", root + "/c.safetensors"] + architecture),
                      path: flat, problem: "no class sub-folders")
        try FileManager.default.createDirectory(atPath: flat + "/only", withIntermediateDirectories: true)
        try AudioFile.write(tone(300), sampleRate: 8000, to: flat + "/only/a.wav")
        let single = try runWavenet(["train", flat, "--conditioned", "--checkpoint", root + "/d.safetensors", "--steps", "1", "--segment", "500"] + architecture)
        XCTAssertEqual(single.status, 0, single.stderr)
        XCTAssertTrue(single.stderr.contains("single class"), single.stderr)
        // Resuming with different class folders.
        XCTAssertEqual(try runWavenet(["train", data, "--conditioned", "--checkpoint", root + "/e.safetensors", "--steps", "1", "--segment", "500"] + architecture).status, 0)
        try FileManager.default.createDirectory(atPath: data + "/mid", withIntermediateDirectories: true)
        try AudioFile.write(tone(500), sampleRate: 8000, to: data + "/mid/a.wav")
        assertRefusal(try runWavenet(["train", data, "--checkpoint", root + "/e.safetensors", "--resume", "--steps", "1"]),
                      path: data, problem: "differ from the checkpoint's classes (high, low)")
        for name in ["a", "b", "c"] { XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/\(name).safetensors")) }
    }
}
