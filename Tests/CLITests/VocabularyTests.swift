import AudioIO
import Foundation
import TestSupport
import WaveNet
import XCTest

/// One name per concept, one exit status per kind of failure, snake_case JSON: pinned here.
final class VocabularyTests: XCTestCase {
    func testExitStatuses() throws {
        let folder = makeTemporaryFolder(self)
        let model = try makeCheckpoint(folder)
        let out = folder + "/x.wav"
        XCTAssertEqual(try runWavenet(["generate", "--checkpoint", model, "--out", out, "--samples", "10"]).status, 0)
        // Usage errors, found before any file is opened: 64, one line, no usage block.
        for arguments in [["generate", "--checkpoint", model, "--out", out, "--temperature", "-1"],
                          ["generate", "--checkpoint", model, "--out", out, "--streams", "0"],
                          ["generate", "--checkpoint", model, "--out", out, "--no-such-flag"],
                          ["generate", "--checkpoint", model, "--out", out, "--sample-format", "s24"],
                          ["eval", "--checkpoint", model, "--class", "a", "--class-id", "0", out],
                          ["train", folder, "--checkpoint", folder + "/t.safetensors", "--sample-rate", "0"]] {
            let result = try runWavenet(arguments)
            XCTAssertEqual(result.status, 64, "\(arguments): \(result.stderr)")
            XCTAssertFalse(result.crashed)
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.hasPrefix("Error: "), result.stderr)
        }
        // Runtime and file errors: 1.
        assertRefusal(try runWavenet(["generate", "--checkpoint", folder + "/none.safetensors", "--out", out]),
                      path: folder + "/none.safetensors", problem: "no such file", status: 1)
        assertRefusal(try runWavenet(["play", "--checkpoint", model, "--seconds", "0.1", "--device", "no-such-device"]),
                      path: "ALSA device no-such-device", problem: "cannot open for playback", status: 1)
        // `wavenet --help` and the README carry the same table.
        let help = try runWavenet(["--help"]).stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let readme = try String(contentsOfFile: packageRoot + "/README.md", encoding: .utf8)
        for (code, meaning) in [(0, "success"), (1, "a runtime or file error"), (64, "a usage error"), (130, "generate or play stopped by Ctrl-C")] {
            XCTAssertTrue(help.contains("\(code) \(meaning)"), help)
            XCTAssertTrue(readme.contains("| \(code) | \(meaning)"), "README lacks exit status \(code)")
        }
    }

    func testOldSpellingsAreHiddenAliases() throws {
        let folder = makeTemporaryFolder(self)
        let model = try makeCheckpoint(folder)
        let generateHelp = try runWavenet(["generate", "--help"]).stdout
        XCTAssertTrue(generateHelp.contains("--streams"))
        XCTAssertTrue(generateHelp.contains("--sample-format"))
        XCTAssertFalse(generateHelp.contains("--count"))
        XCTAssertFalse(generateHelp.contains("--format <"))
        let playHelp = try runWavenet(["play", "--help"]).stdout
        XCTAssertTrue(playHelp.contains("--sample-format"))
        XCTAssertFalse(playHelp.contains("--pcm-format"))

        func generate(_ name: String, _ extra: [String]) throws -> [[Float]] {
            let r = try runWavenet(["generate", "--checkpoint", model, "--out", folder + "/\(name).wav", "--samples", "300", "--seed", "2"] + extra)
            XCTAssertEqual(r.status, 0, r.stderr)
            return try (1...2).map { try AudioFile.readMono(folder + "/\(name)-\($0).wav").samples }
        }
        let new = try generate("new", ["--streams", "2", "--sample-format", "float"])
        XCTAssertEqual(try generate("old", ["--count", "2", "--format", "float"]), new)
        XCTAssertEqual(try AudioFile.info(folder + "/old-1.wav").encoding, "32 bit float")
        XCTAssertEqual(try runWavenet(["generate", "--checkpoint", model, "--out", folder + "/p.wav", "--samples", "10", "--format", "pcm16"]).status, 0)
        XCTAssertEqual(try AudioFile.info(folder + "/p.wav").encoding, "Signed 16 bit PCM")

        let raw = folder + "/p.raw"
        let play = try runWavenet(["play", folder + "/p.wav", "--device", "file:'\(raw)',raw", "--pcm-format", "s16"])
        XCTAssertEqual(play.status, 0, play.stderr)
        XCTAssertEqual(try rawSamples(raw, as: Int16.self).count, 10)
    }

    func testJSONKeysAreSnakeCase() throws {
        let folder = makeTemporaryFolder(self)
        let model = try makeCheckpoint(folder)
        let wav = folder + "/a.wav"
        try AudioFile.write(sine(frequency: 200, sampleRate: 8000, seconds: 0.2), sampleRate: 8000, to: wav)
        func keys(_ arguments: [String]) throws -> Set<String> {
            let result = try runWavenet(arguments)
            XCTAssertEqual(result.status, 0, result.stderr)
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
            return Set(object.keys)
        }
        XCTAssertEqual(try keys(["info", wav, "--json"]),
                       ["path", "format", "encoding", "sample_rate", "channels", "frames", "duration", "peak", "peak_db", "rms", "rms_db", "warnings"])
        XCTAssertEqual(try keys(["info", model, "--json"]),
                       ["path", "config", "parameters", "receptive_field_samples", "receptive_field_ms", "step", "has_optimizer_state"])
        XCTAssertEqual(try keys(["eval", "--checkpoint", model, wav, "--json"]),
                       ["nats_per_sample", "bits_per_sample", "samples", "unigram_bits_per_sample", "silence_threshold_db", "files"])
        let generation = ["samples_per_second", "realtime_factor", "streams", "samples_per_stream", "threads", "kernel", "precision", "isa", "seconds",
                          "flops_per_sample", "gflops", "weight_bytes_per_step",
                          "sgemm_gflops", "weights_gb_per_second", "weight_read_bound_samples_per_second"]
        for kernel in ["naive", "baseline", "fused"] {
            XCTAssertEqual(Set(try keys(["bench", "generate", "--checkpoint", model, "--samples", "100", "--kernel", kernel, "--json"])), Set(generation))
        }
        // Any checkpoint sizes the cache buffer, conditioned or local ones too.
        for fixture in ["conditioned", "local-mel"] {
            let peak = try runWavenet(["bench", "peak", "--threads", "1", "--checkpoint", packageRoot + "/Tests/WaveNetTests/Fixtures/\(fixture).safetensors"])
            XCTAssertEqual(peak.status, 0, peak.stderr)
            XCTAssertFalse(peak.crashed, peak.stderr)
        }
        XCTAssertEqual(Set(try keys(["bench", "peak", "--threads", "1", "--json"])),
                       ["sgemm_gflops", "sgemm_threads", "sgemm_threads_gflops", "buffer_bytes", "buffer_gb_per_second", "memory_gb_per_second", "isa"])
        let config = try JSONSerialization.jsonObject(with: Data(try runWavenet(["info", model, "--json"]).stdout.utf8)) as! [String: Any]
        XCTAssertEqual(Set((config["config"] as! [String: Any]).keys),
                       ["sample_rate", "quantization_channels", "residual_channels", "dilation_channels", "skip_channels", "dilations"])
        for key in try keys(["bench", "train", "--stacks", "1", "--depth", "2", "--segment", "50", "--batch", "1", "--steps", "1", "--json"]) {
            XCTAssertEqual(key, key.lowercased(), "bench train key \(key)")
        }
    }
}

final class LocalModelCommandTests: XCTestCase {
    /// Locally conditioned checkpoints load, describe themselves and evaluate; generation asks for
    /// --from, and what cannot run them yet (bench) says so in one line instead of trapping.
    func testLocalCheckpointsAreDescribedAndRefusedCleanly() throws {
        let folder = makeTemporaryFolder(self)
        let model = packageRoot + "/Tests/WaveNetTests/Fixtures/local-mel.safetensors"
        let info = try runWavenet(["info", model])
        XCTAssertEqual(info.status, 0, info.stderr)
        XCTAssertTrue(info.stdout.contains("local:            mel features, 6 channels, hidden 5, hop 4, centred"), info.stdout)
        let wav = folder + "/a.wav"
        try AudioFile.write(sine(frequency: 200, sampleRate: 16000, seconds: 0.1), sampleRate: 16000, to: wav)
        let eval = try runWavenet(["eval", "--checkpoint", model, wav])
        XCTAssertEqual(eval.status, 0, eval.stderr)
        XCTAssertTrue(eval.stdout.contains("1599 samples  all files"), eval.stdout)
        assertRefusal(try runWavenet(["generate", "--checkpoint", model, "--out", folder + "/x.wav", "--samples", "10"]),
                      path: model, problem: "this model reads mel features; give them with --from")
        let bench = try runWavenet(["bench", "generate", "--checkpoint", model, "--samples", "100", "--json"])
        XCTAssertEqual(bench.status, 0, bench.stderr)
        assertRefusal(try runWavenet(["bench", "generate", "--checkpoint", model, "--samples", "10", "--naive"]),
                      path: model, problem: "the naive path does not take a locally conditioned model")
        assertRefusal(try runWavenet(["generate", "--checkpoint", packageRoot + "/Tests/WaveNetTests/Fixtures/local-causal.safetensors",
                                      "--out", folder + "/x.wav", "--samples", "10", "--class", "a"]),
                      path: packageRoot + "/Tests/WaveNetTests/Fixtures/local-causal.safetensors", problem: "reads notes features")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/x.wav"))
    }
}
