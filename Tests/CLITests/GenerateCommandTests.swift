import AudioIO
import Foundation
import TestSupport
import WaveNet
import XCTest

final class GenerateCommandTests: XCTestCase {
    func testGenerateWritesExactLengthAndRate() throws {
        let folder = makeTemporaryFolder(self)
        let model = try makeCheckpoint(folder)
        let out = folder + "/out.wav"
        let result = try runWavenet(["generate", "--checkpoint", model, "--out", out, "--samples", "1234"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let audio = try AudioFile.readMono(out)
        XCTAssertEqual(audio.sampleRate, 8000)
        XCTAssertEqual(audio.samples.count, 1234)
        let info = try AudioFile.info(out)
        XCTAssertEqual(info.encoding, "Signed 16 bit PCM")
        XCTAssertGreaterThan(info.rms, 0.001, "not silent")

        let seconds = try runWavenet(["generate", "--checkpoint", model, "--out", folder + "/s.wav", "--seconds", "0.5", "--sample-format", "float"])
        XCTAssertEqual(seconds.status, 0, seconds.stderr)
        XCTAssertEqual(try AudioFile.info(folder + "/s.wav").frames, 4000)
        XCTAssertEqual(try AudioFile.info(folder + "/s.wav").encoding, "32 bit float")
        // Samples are mu-law class values: decoding the written floats gives whole classes back.
        let law = MuLaw(classes: 64)
        for x in try AudioFile.readMono(folder + "/s.wav").samples.prefix(200) {
            XCTAssertEqual(law.decode(law.encode(x)), x, accuracy: 1e-6)
        }
        // Half-precision weights: the same length, and at temperature 0 (argmax) nearly the same audio.
        // auto (the default) keeps a small model's weights, which fit any L2 cache, in float: the same audio.
        for precision in ["float", "half", "auto"] {
            let run = try runWavenet(["generate", "--checkpoint", model, "--out", folder + "/\(precision).wav", "--samples", "1000",
                                      "--temperature", "0", "--precision", precision])
            XCTAssertEqual(run.status, 0, run.stderr)
        }
        let float = try AudioFile.readMono(folder + "/float.wav").samples, half = try AudioFile.readMono(folder + "/half.wav").samples
        XCTAssertEqual(half.count, 1000)
        XCTAssertGreaterThan(zip(float, half).prefix(100).filter { $0 == $1 }.count, 90, "argmax paths agree at first")
        XCTAssertEqual(try AudioFile.readMono(folder + "/auto.wav").samples, float)
    }

    func testSeedsCountAndPrime() throws {
        let folder = makeTemporaryFolder(self)
        let model = try makeCheckpoint(folder)
        func generate(_ name: String, _ extra: [String]) throws -> [Float] {
            let r = try runWavenet(["generate", "--checkpoint", model, "--out", folder + "/\(name).wav", "--samples", "800"] + extra)
            XCTAssertEqual(r.status, 0, r.stderr)
            return try AudioFile.readMono(folder + "/\(name).wav").samples
        }
        let a = try generate("a", ["--seed", "4"]), b = try generate("b", ["--seed", "4"]), c = try generate("c", ["--seed", "5"])
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)

        XCTAssertEqual(try runWavenet(["generate", "--checkpoint", model, "--out", folder + "/many.wav", "--samples", "300",
                                       "--streams", "3", "--seed", "4"]).status, 0)
        let streams = try (1...3).map { try AudioFile.readMono(folder + "/many-\($0).wav").samples }
        XCTAssertEqual(streams.map(\.count), [300, 300, 300])
        XCTAssertNotEqual(streams[0], streams[1])
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/many.wav"))

        // A prime at another rate is resampled and kept at the start of the file, unless asked not to.
        let primeSamples = (0..<11025).map { Float(0.3 * sin(2 * Double.pi * 300 * Double($0) / 22050)) }
        try AudioFile.write(primeSamples, sampleRate: 22050, to: folder + "/prime.wav")
        let primed = try generate("primed", ["--prime", folder + "/prime.wav"])
        XCTAssertEqual(Double(primed.count), 4000 + 800, accuracy: 2)
        let resampled = try AudioFile.readMono(folder + "/prime.wav", sampleRate: 8000).samples
        assertClose(Array(primed.prefix(resampled.count)), resampled, relative: 0, absolute: 1.0 / 16384)
        let bare = try generate("bare", ["--prime", folder + "/prime.wav", "--no-prime-in-output"])
        XCTAssertEqual(bare.count, 800)
        XCTAssertEqual(bare, Array(primed.suffix(800)))
    }

    func testClassSelection() throws {
        let folder = makeTemporaryFolder(self)
        let plain = try makeCheckpoint(folder), conditioned = try makeCheckpoint(folder, conditioned: true)
        let out = folder + "/x.wav"
        assertRefusal(try runWavenet(["generate", "--checkpoint", conditioned, "--out", out, "--samples", "10"]),
                      path: conditioned, problem: "choose one of its classes with --class: low, high")
        assertRefusal(try runWavenet(["generate", "--checkpoint", conditioned, "--out", out, "--samples", "10", "--class", "mid"]),
                      path: conditioned, problem: "no class named \"mid\"")
        assertRefusal(try runWavenet(["generate", "--checkpoint", plain, "--out", out, "--samples", "10", "--class", "low"]),
                      path: plain, problem: "not conditioned")
        XCTAssertEqual(try runWavenet(["generate", "--checkpoint", conditioned, "--out", out, "--samples", "10", "--class", "high"]).status, 0)
        let pair = try runWavenet(["generate", "--checkpoint", conditioned, "--out", folder + "/pair.wav", "--samples", "10",
                                   "--streams", "2", "--class", "low,high"])
        XCTAssertEqual(pair.status, 0, pair.stderr)
        XCTAssertEqual(try runWavenet(["generate", "--checkpoint", conditioned, "--out", out, "--samples", "10", "--class-id", "1"]).status, 0)
    }

    func testBadInputLeavesNoFile() throws {
        let folder = makeTemporaryFolder(self)
        let model = try makeCheckpoint(folder)
        let out = folder + "/out.wav"
        try Data("not a checkpoint".utf8).write(to: URL(fileURLWithPath: folder + "/bad.safetensors"))
        assertRefusal(try runWavenet(["generate", "--checkpoint", folder + "/none.safetensors", "--out", out]), path: folder + "/none.safetensors", problem: "no such file")
        assertRefusal(try runWavenet(["generate", "--checkpoint", folder + "/bad.safetensors", "--out", out]), path: folder + "/bad.safetensors", problem: "not a valid safetensors file")
        assertRefusal(try runWavenet(["generate", "--checkpoint", model, "--out", folder + "/missing/out.wav"]), path: folder + "/missing/out.wav", problem: "does not exist")
        assertRefusal(try runWavenet(["generate", "--checkpoint", model, "--out", out, "--prime", folder + "/bad.safetensors"]), path: folder + "/bad.safetensors", problem: "not a readable audio file")
        for length in [["--samples", "0"], ["--samples=-5"], ["--seconds", "0"], ["--seconds=-1"]] {
            let r = try runWavenet(["generate", "--checkpoint", model, "--out", out] + length)
            XCTAssertNotEqual(r.status, 0)
            XCTAssertFalse(r.crashed)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix(".") }, [])
    }
}
