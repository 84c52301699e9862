import AudioIO
import Foundation
import TestSupport
import WaveNet
import XCTest

/// The model in Checkpoints/ and the figures Checkpoints/README.md states for it.
final class ShippedModelTests: XCTestCase {
    let checkpoint = packageRoot + "/Checkpoints/default.safetensors"

    /// A number that follows `label` on a line of Checkpoints/README.md.
    func statedFigure(_ label: String) throws -> Double {
        let text = try String(contentsOfFile: packageRoot + "/Checkpoints/README.md", encoding: .utf8)
        let line = try XCTUnwrap(text.split(separator: "\n").first { $0.contains(label) }, "no line with \(label)")
        let number = line[line.range(of: label)!.upperBound...].split(whereSeparator: { !"0123456789.".contains($0) }).first!
        return try XCTUnwrap(Double(number))
    }

    func testShippedCheckpointFollowsTheSpec() throws {
        let model = try Checkpoint.load(checkpoint)
        XCTAssertEqual(model.config, ModelConfig(), "the default architecture")
        XCTAssertEqual(model.config.receptiveField, 2048)
        let file = try Safetensors(contentsOf: checkpoint)
        XCTAssertEqual(file.metadata["format"], "wavenet/1")
        XCTAssertEqual(file.tensors["input.weight"]?.shape, [32, 256, 2])
        XCTAssertEqual(file.tensors["layers.19.dilated.weight"]?.shape, [64, 32, 2])
        XCTAssertEqual(file.tensors["layers.7.skip.weight"]?.shape, [128, 32, 1])
        XCTAssertEqual(file.tensors["output.2.weight"]?.shape, [256, 128, 1])
        XCTAssertNil(file.tensors["layers.0.cond.weight"])
        XCTAssertEqual(Double(model.step), try statedFigure("steps:"))
        let info = try runWavenet(["info", checkpoint, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(object["parameters"] as? Int, 254_752)
        XCTAssertEqual(object["receptive_field_samples"] as? Int, 2048)
        XCTAssertEqual((object["receptive_field_ms"] as? Double) ?? 0, 128, accuracy: 1e-9)
    }

    func testGenerationSoundsLikeTheCorpus() throws {
        let folder = makeTemporaryFolder(self)
        let out = folder + "/g.wav"
        // Without --checkpoint, generate uses the shipped model.
        let result = try runWavenet(["generate", "--out", out, "--seconds", "3", "--seed", "7"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let info = try AudioFile.info(out)
        XCTAssertEqual(info.sampleRate, 16000)
        XCTAssertEqual(info.frames, 48000)
        XCTAssertGreaterThan(info.rmsDB, -45, "silent")
        XCTAssertLessThan(info.peak, 0.999, "clipped")
        // Most of the energy lies where the piano corpus has it: 60 Hz to 5 kHz.
        let samples = try AudioFile.readMono(out).samples
        var inBand = 0.0, total = 0.0
        for f in stride(from: 20.0, through: 7980, by: 20) {
            let p = Double(power(of: samples, at: f, sampleRate: 16000))
            total += p
            if (60...5000).contains(f) { inBand += p }
        }
        XCTAssertGreaterThan(inBand / total, 0.8)
    }

    func testEvalOfHeldOutFilesReproducesTheStatedFigure() throws {
        let model = try Checkpoint.load(checkpoint, withOptimizer: false)
        let settings = try XCTUnwrap(TrainingSettings.decode(model.trainingJSON))
        XCTAssertEqual(settings.validationFiles.count, 2)
        let files = settings.validationFiles.map { packageRoot + "/" + $0 }
        let result = try runWavenet(["eval", "--checkpoint", checkpoint, "--json"] + files)
        XCTAssertEqual(result.status, 0, result.stderr)
        let figures = (try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]).compactMapValues { $0 as? Double }
        let stated = try statedFigure("validation bits/sample:")
        XCTAssertEqual(figures["bits_per_sample"]!, stated, accuracy: 0.01 * stated)
        XCTAssertEqual(figures["unigram_bits_per_sample"]!, try statedFigure("unigram baseline:"), accuracy: 1e-3)
        XCTAssertLessThanOrEqual(figures["bits_per_sample"]!, 0.6 * figures["unigram_bits_per_sample"]!)
    }
}
