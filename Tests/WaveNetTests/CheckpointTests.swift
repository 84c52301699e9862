import FileIO
import Foundation
import TestSupport
import WaveNet
import XCTest

final class CheckpointTests: XCTestCase {
    var folder = ""

    override func setUp() {
        folder = NSTemporaryDirectory() + "wavenet-ckpt-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: folder) }

    func testRoundTripKeepsEverything() throws {
        for conditioned in [false, true] {
            let p = try makeParameters(tinyConfig(conditioned: conditioned), seed: 3)
            let state = AdamState(count: p.layout.count)
            for i in 0..<state.m.count {
                state.m.base[i] = Float(i) * 0.25
                state.v.base[i] = Float(i) * 0.5
            }
            let path = folder + "/model.safetensors"
            try Checkpoint(parameters: p, step: 123, trainingJSON: "{\"batch\":4}", optimizer: state).save(to: path)
            let back = try Checkpoint.load(path)
            XCTAssertEqual(back.config, p.config)
            XCTAssertEqual(back.config.classNames, conditioned ? ["a", "b"] : nil)
            XCTAssertEqual(back.step, 123)
            XCTAssertEqual(back.trainingJSON, "{\"batch\":4}")
            XCTAssertEqual(back.parameters.values.array, p.values.array)
            XCTAssertEqual(back.optimizer?.m.array, state.m.array)
            XCTAssertEqual(back.optimizer?.v.array, state.v.array)
            XCTAssertNil(try Checkpoint.load(path, withOptimizer: false).optimizer)
            // Layout per the spec: 8-byte length, header padded to 8, tensors in PyTorch layout.
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let headerLength = data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            XCTAssertEqual(headerLength % 8, 0)
            let file = try Safetensors(contentsOf: path)
            XCTAssertEqual(file.metadata["format"], "wavenet/1")
            XCTAssertEqual(file.tensors["input.weight"]?.shape, [5, 12, 2])
            XCTAssertEqual(file.tensors["layers.2.dilated.weight"]?.shape, [8, 5, 2])
            XCTAssertEqual(file.tensors["layers.0.skip.weight"]?.shape, [6, 4, 1])
            XCTAssertEqual(file.tensors["output.2.weight"]?.shape, [12, 6, 1])
            XCTAssertEqual(file.tensors["optimizer.v.output.2.bias"]?.shape, [12])
            XCTAssertEqual(file.tensors["cond_embed.weight"]?.shape, conditioned ? [2, 3] : nil)
            // input.weight[r][q][k] is the k-th tap's column for class q.
            let table = p[p.layout.inputTable]
            XCTAssertEqual(file.tensors["input.weight"]!.values[(2 * 12 + 7) * 2 + 1], table[(12 + 7) * 5 + 2])
        }
    }

    func testClassNamesKeepTheirOrder() throws {
        var config = tinyConfig(conditioned: true)
        config.classNames = ["zeta", "alpha", "mid", "Beta", "ünï"]
        let p = try makeParameters(config, seed: 5)
        let path = folder + "/classes.safetensors"
        try Checkpoint(parameters: p).save(to: path)
        let back = try Checkpoint.load(path)
        XCTAssertEqual(back.config.classNames, ["zeta", "alpha", "mid", "Beta", "ünï"])
        XCTAssertEqual(back.parameters.values.array, p.values.array)
        XCTAssertEqual(try Safetensors(contentsOf: path).tensors["cond_embed.weight"]?.shape, [5, 3])
    }

    func testPyTorchWrittenCheckpointLoads() throws {
        let checkpoint = try Checkpoint.load(fixturePath("small.safetensors"))
        XCTAssertEqual(checkpoint.config.dilations, [1, 2, 4, 1, 3])
        XCTAssertEqual(checkpoint.config.receptiveField, 13)
        XCTAssertEqual(checkpoint.parameters.parameterCount, 708)
    }

    func assertRefused(_ data: Data, _ problem: String, file: StaticString = #filePath, line: UInt = #line) {
        let path = folder + "/bad.safetensors"
        try! data.write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try Checkpoint.load(path), file: file, line: line) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix(path + ": "), text, file: file, line: line)
            XCTAssertTrue(text.contains(problem), "\(text) lacks \(problem)", file: file, line: line)
        }
    }

    func testMalformedFilesAreRefused() throws {
        let p = try makeParameters(tinyConfig(), seed: 4)
        let good = Checkpoint(parameters: p, step: 1).serialized()
        let bytes = good.serialized()
        assertRefused(Data(), "shorter than the 8-byte header length")
        assertRefused(Data("RIFF1234WAVEfmt ".utf8), "does not fit")
        assertRefused(bytes.prefix(bytes.count - 10), "truncated")
        assertRefused(bytes.prefix(100), "does not fit")
        var corrupt = bytes
        corrupt[9] = UInt8(ascii: "#")
        assertRefused(corrupt, "header is not a JSON object")

        var wrongShape = Safetensors(metadata: good.metadata)
        for name in good.names {
            let t = good.tensors[name]!
            wrongShape.append(name, shape: name == "output.1.bias" ? [t.values.count, 1] : t.shape, values: t.values)
        }
        assertRefused(wrongShape.serialized(), "tensor output.1.bias has shape [6, 1], expected [6]")

        var missing = Safetensors(metadata: good.metadata)
        for name in good.names where name != "layers.1.residual.bias" {
            missing.append(name, shape: good.tensors[name]!.shape, values: good.tensors[name]!.values)
        }
        assertRefused(missing.serialized(), "missing tensor layers.1.residual.bias")

        var unknownFormat = good
        unknownFormat.metadata["format"] = "wavenet/9"
        assertRefused(unknownFormat.serialized(), "unknown format \"wavenet/9\"")
        var noConfig = good
        noConfig.metadata["config"] = "{\"sample_rate\": 16000}"
        assertRefused(noConfig.serialized(), "config is not valid JSON")
        var badConfig = good
        badConfig.metadata["config"] = badConfig.metadata["config"]!.replacingOccurrences(of: "\"sample_rate\":16000", with: "\"sample_rate\":0")
        assertRefused(badConfig.serialized(), "sample rate 0 Hz")

        var nonFinite = Safetensors(metadata: good.metadata)
        for name in good.names {
            var values = good.tensors[name]!.values
            if name == "input.bias" { values[2] = .nan }
            nonFinite.append(name, shape: good.tensors[name]!.shape, values: values)
        }
        assertRefused(nonFinite.serialized(), "non-finite value")

        // Offsets that disagree with the shape.
        var text = String(decoding: bytes, as: UTF8.self)
        text = text.replacingOccurrences(of: "\"data_offsets\":[0,", with: "\"data_offsets\":[4,")
        assertRefused(Data(text.utf8), "needs 480 bytes, data_offsets give 476")
    }
}
