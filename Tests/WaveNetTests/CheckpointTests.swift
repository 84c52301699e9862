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

    // MARK: - Hostile headers (issue 13)

    /// `data` with its JSON header replaced by `transform(header)`, the 8-byte length kept consistent.
    func rewritingHeader(_ data: Data, _ transform: (String) -> String) -> Data {
        let length = Int(data.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
        let header = transform(String(decoding: data[8..<(8 + length)], as: UTF8.self))
        var result = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { result.append(contentsOf: $0) }
        result.append(contentsOf: Array(header.utf8))
        result.append(data[(8 + length)...])
        return result
    }

    func testShapesAndOffsetsThatOverflowOrAreNotWholeAreRefused() throws {
        let bytes = Checkpoint(parameters: try makeParameters(tinyConfig(), seed: 4), step: 1).serialized().serialized()
        let original = "\"input.bias\":{\"dtype\":\"F32\",\"shape\":[5],"
        XCTAssertTrue(String(decoding: bytes, as: UTF8.self).contains(original))
        func withShape(_ shape: String) -> Data {
            rewritingHeader(bytes) { $0.replacingOccurrences(of: original, with: "\"input.bias\":{\"dtype\":\"F32\",\"shape\":\(shape),") }
        }
        assertRefused(withShape("[4611686018427387904]"), "input.bias: shape [4611686018427387904] overflows")
        assertRefused(withShape("[2147483648, 2147483648, 2]"), "input.bias: shape [2147483648, 2147483648, 2] overflows")
        assertRefused(withShape("[8.5]"), "input.bias has an invalid shape: 8.5 is not a whole number")
        assertRefused(withShape("[-5]"), "input.bias has an invalid shape: -5 is not a whole number of 0 or more")
        assertRefused(withShape("[1e30]"), "input.bias has an invalid shape")
        assertRefused(withShape("[18446744073709551616]"), "input.bias has an invalid shape")
        assertRefused(withShape("[true]"), "input.bias has an invalid shape")
        assertRefused(withShape("[\"5\"]"), "input.bias has an invalid shape")
        // 5.0 is the whole number 5: the file is otherwise unchanged, so it loads.
        let path = folder + "/whole.safetensors"
        try withShape("[5.0]").write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try Checkpoint.load(path).parameters.parameterCount, tinyConfig().parameterCount)

        XCTAssertTrue(String(decoding: bytes, as: UTF8.self).contains("\"data_offsets\":[0,"))
        func withFirstOffsets(_ replacement: String) -> Data {
            rewritingHeader(bytes) { $0.replacingOccurrences(of: "\"data_offsets\":[0,", with: "\"data_offsets\":\(replacement),") }
        }
        assertRefused(withFirstOffsets("[9223372036854775807"), "invalid data_offsets")
        assertRefused(withFirstOffsets("[18446744073709551615"), "invalid data_offsets")
        assertRefused(withFirstOffsets("[0.5"), "invalid data_offsets")
        assertRefused(withFirstOffsets("[-8"), "invalid data_offsets")
    }

    func testStepOutsideItsBoundIsRefused() throws {
        var file = Checkpoint(parameters: try makeParameters(tinyConfig(), seed: 4), step: 1).serialized()
        file.metadata["step"] = "9223372036854775807"
        assertRefused(file.serialized(), "__metadata__ step 9223372036854775807 is outside 0...1000000000000")
        file.metadata["step"] = "1000000000001"
        assertRefused(file.serialized(), "is outside 0...1000000000000")
        file.metadata["step"] = "-1"
        assertRefused(file.serialized(), "step is missing or not a whole number")
        file.metadata["step"] = "1000000000000"
        let path = folder + "/late.safetensors"
        try file.write(to: path)
        XCTAssertEqual(try Checkpoint.load(path).step, 1_000_000_000_000)
    }

    /// A checkpoint of metadata alone: a config and no tensors.
    func configOnly(_ config: String) -> Data {
        Safetensors(metadata: ["format": Checkpoint.format, "config": config, "step": "0", "train": "{}"]).serialized()
    }

    func testHugeConfigInATinyFileFailsFastInLittleMemory() throws {
        // Legal (about 131 million weights, 0.5 GiB) but the file holds none of them.
        let legal = "{\"sample_rate\":16000,\"quantization_channels\":256,\"residual_channels\":512,"
            + "\"dilation_channels\":512,\"skip_channels\":512,\"dilations\":[\((0..<100).map { _ in "1" }.joined(separator: ","))]}"
        let data = configOnly(legal)
        XCTAssertLessThan(data.count, 512)
        let before = peakResidentBytes()
        let started = Date()
        assertRefused(data, "missing tensor input.weight")
        XCTAssertLessThan(Date().timeIntervalSince(started), 1)
        XCTAssertLessThan(peakResidentBytes() - before, 64 << 20)

        func config(R: Int, Q: Int = 256, layers: Int, dilation: Int = 1) -> String {
            "{\"sample_rate\":16000,\"quantization_channels\":\(Q),\"residual_channels\":\(R),"
                + "\"dilation_channels\":\(R),\"skip_channels\":\(R),\"dilations\":[\((0..<layers).map { _ in "\(dilation)" }.joined(separator: ","))]}"
        }
        assertRefused(configOnly(config(R: 4096, Q: 65536, layers: 1024)),
                      "parameters are too many; the limit is 268435456 (1 GiB of float32 weights)")
        assertRefused(configOnly(config(R: 8, layers: 1025)), "at most 1024 residual layers are supported, not 1025")
        assertRefused(configOnly(config(R: 64, layers: 1024, dilation: 65536)), "floats of generator state; the limit is 268435456")
        XCTAssertLessThan(peakResidentBytes() - before, 64 << 20)
    }

    func testParameterCountMatchesTheLayout() throws {
        for config in [tinyConfig(), tinyConfig(conditioned: true), ModelConfig()] {
            XCTAssertEqual(config.parameterCount, ParameterLayout(config).count)
            XCTAssertEqual(ParameterLayout(config).tensorShapes.map(\.name), ParameterLayout(config).tensors.map(\.name))
            XCTAssertEqual(ParameterLayout(config).tensorShapes.map(\.shape), ParameterLayout(config).tensors.map(\.shape))
        }
        var huge = ModelConfig()
        huge.quantizationChannels = Int.max
        XCTAssertNil(huge.parameterCount)
    }

    func testNegativeOrNonFiniteSecondMomentIsRefused() throws {
        let p = try makeParameters(tinyConfig(), seed: 4)
        let state = AdamState(count: p.layout.count)
        for i in 0..<state.v.count { state.v.base[i] = 0.01 }
        let good = Checkpoint(parameters: p, step: 1, optimizer: state).serialized()
        for (bad, problem) in [(Float(-1e-3), "tensor optimizer.v.input.bias holds a negative value at element 3"),
                               (Float.infinity, "tensor optimizer.v.input.bias holds a non-finite value at element 3")] {
            var file = Safetensors(metadata: good.metadata)
            for name in good.names {
                var values = good.tensors[name]!.values
                if name == "optimizer.v.input.bias" { values[3] = bad }
                file.append(name, shape: good.tensors[name]!.shape, values: values)
            }
            assertRefused(file.serialized(), problem)
        }
        // A stray optimizer tensor is refused too.
        var stray = good
        stray.append("optimizer.x.input.bias", shape: [5], values: [0, 0, 0, 0, 0])
        assertRefused(stray.serialized(), "unexpected tensor optimizer.x.input.bias")
    }

    func testSaveRefusesNonFiniteWeightsAndKeepsThePreviousFile() throws {
        let p = try makeParameters(tinyConfig(), seed: 4)
        let path = folder + "/model.safetensors"
        try Checkpoint(parameters: p, step: 1).save(to: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let offset = p.layout.output1Bias + 2
        p.values.base[offset] = .nan
        XCTAssertThrowsError(try Checkpoint(parameters: p, step: 2).save(to: path)) { error in
            XCTAssertEqual("\(error)", "\(path): cannot save: output.1.bias holds a non-finite value (nan) at element 2; the file was left as it was")
        }
        p.values.base[offset] = 0
        let state = AdamState(count: p.layout.count)
        state.m.base[0] = -.infinity
        XCTAssertThrowsError(try Checkpoint(parameters: p, step: 2, optimizer: state).save(to: path)) { error in
            XCTAssertTrue("\(error)".contains("cannot save: optimizer.m."), "\(error)")
        }
        state.m.base[0] = 0
        state.v.base[p.layout.inputBias] = -1
        XCTAssertThrowsError(try Checkpoint(parameters: p, step: 2, optimizer: state).save(to: path)) { error in
            XCTAssertTrue("\(error)".contains("cannot save: optimizer.v.input.bias holds a negative value at element 0"), "\(error)")
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["model.safetensors"])
    }

    func testOnlyRegularFilesOfASaneSizeAreRead() throws {
        let fifo = folder + "/pipe.safetensors"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        for path in [fifo, "/dev/null"] {
            XCTAssertThrowsError(try Safetensors(contentsOf: path)) { XCTAssertEqual("\($0)", "\(path): not a regular file") }
            XCTAssertThrowsError(try Checkpoint.load(path)) { XCTAssertEqual("\($0)", "\(path): not a regular file") }
        }
        // A sparse file: stat gives its size without a byte being read or stored.
        let large = folder + "/large.safetensors"
        XCTAssertTrue(FileManager.default.createFile(atPath: large, contents: nil))
        XCTAssertEqual(truncate(large, off_t(Safetensors.maxFileSize + 1)), 0)
        let before = peakResidentBytes()
        XCTAssertThrowsError(try Checkpoint.load(large)) { error in
            XCTAssertTrue("\(error)".contains("larger than the largest checkpoint (3321225480 bytes"), "\(error)")
        }
        XCTAssertLessThan(peakResidentBytes() - before, 64 << 20)
        // A symlink to a checkpoint is followed.
        try FileManager.default.createSymbolicLink(atPath: folder + "/link.safetensors", withDestinationPath: fixturePath("small.safetensors"))
        XCTAssertEqual(try Checkpoint.load(folder + "/link.safetensors").parameters.parameterCount, 708)
    }
}

final class LocalCheckpointTests: XCTestCase {
    func testLocalModelsRoundTripAndUnknownKindsAreNamed() throws {
        let folder = makeTemporaryFolder(self)
        let loaded = try Checkpoint.load(fixturePath("local-causal.safetensors"))
        XCTAssertEqual(loaded.config.local, LocalConfig(features: .notes, channels: 6, hidden: 5, hop: 4, causal: true, low: 60, high: 62))
        XCTAssertEqual(loaded.parameters.parameterCount, loaded.config.parameterCount)
        try loaded.save(to: folder + "/again.safetensors")
        let again = try Checkpoint.load(folder + "/again.safetensors")
        XCTAssertEqual(again.config, loaded.config)
        XCTAssertEqual(again.parameters.values.array, loaded.parameters.values.array)
        // A features kind this version does not implement is refused by name.
        var file = try Safetensors(contentsOf: fixturePath("local-mel.safetensors"))
        file.metadata["config"] = file.metadata["config"]!.replacingOccurrences(of: "\"mel\"", with: "\"phonemes\"")
        XCTAssertThrowsError(try Checkpoint.load(file, path: "x.safetensors")) { error in
            XCTAssertTrue("\(error)".contains("local features \"phonemes\" are not known"), "\(error)")
        }
        // Bad local settings are named too.
        var bad = try Safetensors(contentsOf: fixturePath("local-mel.safetensors"))
        bad.metadata["config"] = bad.metadata["config"]!.replacingOccurrences(of: "\"n_fft\": 16", with: "\"n_fft\": 15")
            .replacingOccurrences(of: "\"n_fft\":16", with: "\"n_fft\":15")
        XCTAssertThrowsError(try Checkpoint.load(bad, path: "x.safetensors")) { error in
            XCTAssertTrue("\(error)".contains("n_fft must be even"), "\(error)")
        }
    }
}
