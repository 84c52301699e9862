import AudioIO
import Foundation
import TestSupport
import WaveNet
import XCTest

/// What a new user hit (issue 15): the file kind from --out's extension, flags that do not apply
/// to `play FILE`, and a mistyped subcommand, each said plainly.
final class EverydayUseTests: XCTestCase {
    func testOutExtensionChoosesTheFileKind() throws {
        let root = makeTemporaryFolder(self)
        var samples: [String: [Float]] = [:]
        for name in ["take.flac", "take.wav", "take.ogg", "take.aiff"] {
            let result = try runWavenet(["generate", "--out", "\(root)/\(name)", "--samples", "800", "--seed", "4"])
            XCTAssertEqual(result.status, 0, result.stderr)
            samples[name] = try AudioFile.readMono("\(root)/\(name)").samples
        }
        XCTAssertEqual(try AudioFile.info(root + "/take.flac").format, "FLAC (Free Lossless Audio Codec)")
        XCTAssertEqual(try AudioFile.info(root + "/take.ogg").format, "OGG (OGG Container format)")
        // The same seed, stored losslessly in 16 bits (libsndfile's FLAC encoder rounds some samples the other way).
        for name in ["take.flac", "take.aiff"] {
            XCTAssertEqual(samples[name]?.count, 800)
            let difference = zip(samples[name] ?? [], samples["take.wav"]!).map { abs($0 - $1) }.max() ?? 1
            XCTAssertLessThanOrEqual(difference, 1.0 / 32768, name)
        }
        for (out, extra, problem) in [("take.mp3", [String](), "cannot write this kind of file; name it .wav, .flac, .ogg (Vorbis) or .aiff"),
                                      ("take", [], "cannot write this kind of file"),
                                      ("hi.flac", ["--sample-format", "float"], "FLAC stores integer samples")] {
            let result = try runWavenet(["generate", "--out", "\(root)/\(out)", "--samples", "10"] + extra)
            XCTAssertEqual(result.status, 64, result.stderr)
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
            XCTAssertTrue(result.stderr.contains(problem), result.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: "\(root)/\(out)"))
        }
    }

    func testPlayFileRefusesGenerationFlags() throws {
        let file = packageRoot + "/Samples/piano-01.flac"
        let result = try runWavenet(["play", file, "--seconds", "1", "--temperature", "3", "--device", "null"])
        XCTAssertEqual(result.status, 64, result.stderr)
        XCTAssertEqual(result.stderr, "Error: play \(file) plays the file as it is: --seconds, --temperature apply to generating from a model, without a file\n")
        let seed = try runWavenet(["play", file, "--seed", "2", "--device", "null"])
        XCTAssertEqual(seed.status, 64)
        XCTAssertTrue(seed.stderr.contains("--seed applies to generating"), seed.stderr)
        let device = try runWavenet(["generate", "--out", makeTemporaryFolder(self) + "/a.wav", "--device", "hw:0"])
        XCTAssertEqual(device.status, 64)
        XCTAssertEqual(device.stderr, "Error: --device goes with --play\n")
    }

    func testAMistypedSubcommandIsNamed() throws {
        let result = try runWavenet(["generte", "--out", "x.wav"])
        XCTAssertEqual(result.status, 64)
        XCTAssertEqual(result.stderr, "Error: 'generte' is not a subcommand; did you mean 'generate'? the subcommands are train, generate, play, eval, info, features, bench\n")
        XCTAssertTrue(try runWavenet(["dance"]).stderr.hasPrefix("Error: 'dance' is not a subcommand; the subcommands are"))
        XCTAssertEqual(try runWavenet(["help", "train"]).status, 0)
    }

    /// Training's validation figure is eval's on the held-out files (both trim as training did),
    /// info says at which step it was taken, and elapsed_seconds goes on across --resume.
    func testNumbersAgreeAcrossTrainEvalInfoAndResume() throws {
        let root = makeTemporaryFolder(self)
        let data = root + "/data"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        for (i, f) in [220.0, 330.0, 440.0].enumerated() {
            // Half a second of silence on each side, which training trims and so must eval.
            let tone = (0..<8000).map { Float(0.3 * sin(2 * Double.pi * f * Double($0) / 16000)) }
            try AudioFile.write([Float](repeating: 0, count: 8000) + tone + [Float](repeating: 0, count: 8000), sampleRate: 16000, to: "\(data)/t\(i).wav")
        }
        let model = root + "/m.safetensors", log = root + "/m.jsonl"
        let tiny = ["--residual-channels", "8", "--dilation-channels", "8", "--skip-channels", "16", "--quantization-channels", "64",
                    "--stacks", "1", "--depth", "4", "--segment", "400", "--batch", "2", "--threads", "1", "--validation-fraction", "0.34"]
        XCTAssertEqual(try runWavenet(["train", data, "--checkpoint", model, "--steps", "4", "--validate-every", "3", "--log", log] + tiny).status, 0)
        let settings = TrainingSettings.decode(try Checkpoint.load(model).trainingJSON)!
        XCTAssertEqual(settings.lastValidationStep, 4)
        let eval = try runWavenet(["eval", "--checkpoint", model, "--json"] + settings.validationFiles)
        XCTAssertEqual(eval.status, 0, eval.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(report["bits_per_sample"] as! Double, settings.lastValidationBitsPerSample!, accuracy: 1e-6)
        XCTAssertEqual(report["silence_threshold_db"] as? Double, -50)
        XCTAssertEqual((report["files"] as! [[String: Any]]).map { $0["path"] as? String }, settings.validationFiles)
        let untrimmed = try JSONSerialization.jsonObject(with: Data(try runWavenet(["eval", "--checkpoint", model, "--json", "--silence-threshold", "off"]
                                                                                      + settings.validationFiles).stdout.utf8)) as! [String: Any]
        XCTAssertEqual(untrimmed["samples"] as! Int, (report["samples"] as! Int) + 16000, "a second of silence more")
        XCTAssertTrue(untrimmed["silence_threshold_db"] is NSNull)
        XCTAssertTrue(try runWavenet(["info", model]).stdout.contains("bits/sample at step 4, held-out files trimmed below -50.0 dBFS"))

        let first = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(try runWavenet(["train", data, "--checkpoint", model, "--resume", "--steps", "2", "--validate-every", "100", "--log", log]).status, 0)
        let all = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(all.count, 7)
        XCTAssertEqual(all[4]["resumed_from_step"] as? Int, 4, "the log says where the resumed run starts")
        XCTAssertGreaterThan(all[5]["elapsed_seconds"] as! Double, first[3]["elapsed_seconds"] as! Double, "the clock goes on")
        let resumed = TrainingSettings.decode(try Checkpoint.load(model).trainingJSON)!
        XCTAssertEqual(resumed.lastValidationStep, 6, "validated at the last step")
        XCTAssertGreaterThanOrEqual(resumed.trainingSeconds!, all[6]["elapsed_seconds"] as! Double)
    }
}
