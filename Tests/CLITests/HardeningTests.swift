import AudioIO
import FileIO
import Foundation
import TestSupport
import WaveNet
import XCTest

/// No input, option or fault may destroy a file, trap or exhaust memory: each rule through the binary.
final class HardeningTests: XCTestCase {
    let tiny = ["--residual-channels", "4", "--dilation-channels", "4", "--skip-channels", "8", "--quantization-channels", "32",
                "--stacks", "1", "--depth", "3", "--segment", "200", "--batch", "1", "--threads", "1"]

    func makeData(_ root: String) throws -> String {
        let data = root + "/data"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try AudioFile.write(sine(frequency: 440, sampleRate: 16000, seconds: 0.5), sampleRate: 16000, to: data + "/tone.wav")
        try AudioFile.write(sine(frequency: 660, sampleRate: 16000, seconds: 0.5), sampleRate: 16000, to: data + "/tone2.wav")
        return data
    }

    func digest(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    func testOutputsNeverReplaceInputsOrDevices() throws {
        let root = makeTemporaryFolder(self)
        let model = try makeCheckpoint(root)
        let before = try digest(model)
        // Refused as a kind of file generate does not write, before any file is opened ...
        let refused = try runWavenet(["generate", "--checkpoint", model, "--out", model, "--samples", "10"])
        XCTAssertEqual(refused.status, 64, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("cannot write this kind of file"), refused.stderr)
        // ... and as the input itself under a name it would write.
        let disguised = root + "/model.wav"
        try FileManager.default.copyItem(atPath: model, toPath: disguised)
        assertRefusal(try runWavenet(["generate", "--checkpoint", disguised, "--out", disguised, "--samples", "10"]),
                      path: disguised, problem: "is also the --checkpoint input")
        XCTAssertEqual(try digest(disguised), before)
        let prime = root + "/prime.wav"
        try AudioFile.write(sine(frequency: 300, sampleRate: 8000, seconds: 0.1), sampleRate: 8000, to: prime)
        let primeBytes = try digest(prime)
        assertRefusal(try runWavenet(["generate", "--checkpoint", model, "--prime", prime, "--out", root + "/./prime.wav", "--samples", "10"]),
                      path: root + "/./prime.wav", problem: "is also the --prime input")
        XCTAssertEqual(try digest(model), before)
        XCTAssertEqual(try digest(prime), primeBytes)

        // --overwrite replaces checkpoints only, never training audio.
        let data = try makeData(root)
        let audio = try digest(data + "/tone.wav")
        assertRefusal(try runWavenet(["train", data, "--checkpoint", data + "/tone.wav", "--overwrite", "--steps", "1"] + tiny),
                      path: data + "/tone.wav", problem: "is not a wavenet checkpoint")
        XCTAssertEqual(try digest(data + "/tone.wav"), audio)

        // A device node (or FIFO) at an output path stays what it is.
        let fifo = root + "/fifo.wav"
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        assertRefusal(try runWavenet(["generate", "--checkpoint", model, "--out", fifo, "--samples", "10"]),
                      path: fifo, problem: "is not a regular file")
        assertRefusal(try runWavenet(["train", data, "--checkpoint", root + "/t.safetensors", "--log", fifo, "--steps", "1"] + tiny),
                      path: fifo, problem: "is not a regular file")
        XCTAssertFalse(FileIdentity(fifo)!.isRegular, "the FIFO was replaced")
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/t.safetensors"))
    }

    func testLogAppendsAndIsNeverTheCheckpoint() throws {
        let root = makeTemporaryFolder(self)
        let data = try makeData(root)
        let checkpoint = root + "/m.safetensors", log = root + "/m.jsonl"
        func lines() throws -> Int { try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").count }
        XCTAssertEqual(try runWavenet(["train", data, "--checkpoint", checkpoint, "--steps", "2", "--log", log] + tiny).status, 0)
        XCTAssertEqual(try lines(), 2)
        XCTAssertEqual(try runWavenet(["train", data, "--checkpoint", checkpoint, "--overwrite", "--steps", "2", "--log", log] + tiny).status, 0)
        XCTAssertEqual(try lines(), 4, "a new run appends too")
        XCTAssertEqual(try runWavenet(["train", data, "--checkpoint", checkpoint, "--resume", "--steps", "1", "--log", log]).status, 0)
        XCTAssertEqual(try lines(), 6, "a resume line, then the step")
        let saved = try digest(checkpoint)
        let same = try runWavenet(["train", data, "--checkpoint", checkpoint, "--resume", "--steps", "1", "--log", root + "/./m.safetensors"])
        XCTAssertEqual(same.status, 64, same.stderr)
        XCTAssertEqual(try digest(checkpoint), saved)
        assertRefusal(try runWavenet(["train", data, "--checkpoint", checkpoint, "--resume", "--steps", "1", "--log", data + "/tone.wav"]),
                      path: data + "/tone.wav", problem: "is also a training file")
    }

    func testResumeHoldsStoredSettingsToTheFlagRanges() throws {
        let root = makeTemporaryFolder(self)
        let data = try makeData(root)
        let checkpoint = root + "/m.safetensors"
        XCTAssertEqual(try runWavenet(["train", data, "--checkpoint", checkpoint, "--steps", "1"] + tiny).status, 0)
        let good = try Checkpoint.load(checkpoint)
        for (key, value, message) in [("gradient_clip", -1.0, "--gradient-clip must be"), ("learning_rate", 1e9, "--learning-rate must be"),
                                      ("batch", 1e12, "--batch must be")] {
            var settings = try JSONSerialization.jsonObject(with: Data(good.trainingJSON.utf8)) as! [String: Any]
            settings[key] = value
            let json = String(decoding: try JSONSerialization.data(withJSONObject: settings), as: UTF8.self)
            let path = root + "/\(key).safetensors"
            try Checkpoint(parameters: good.parameters, step: good.step, trainingJSON: json, optimizer: good.optimizer).save(to: path)
            let bytes = try digest(path)
            assertRefusal(try runWavenet(["train", data, "--checkpoint", path, "--resume", "--steps", "1"]), path: path, problem: message)
            XCTAssertEqual(try digest(path), bytes)
        }
        // Metadata that does not decode at all resumes with the defaults, and says so; {} silently.
        let wrongType = good.trainingJSON.replacingOccurrences(of: "\"batch\":1", with: "\"batch\":\"one\"")
        XCTAssertNotEqual(wrongType, good.trainingJSON)
        for (json, problem) in [(wrongType, "its batch has the wrong type"), ("[1, 2]", "it is not a JSON object"),
                                ("{\"batch\": 4}", "it has no "), ("{}", nil)] {
            let path = root + "/undecodable.safetensors"
            try Checkpoint(parameters: good.parameters, step: good.step, trainingJSON: json, optimizer: good.optimizer).save(to: path)
            let run = try runWavenet(["train", data, "--checkpoint", path, "--resume", "--steps", "1", "--segment", "200", "--batch", "1"])
            XCTAssertEqual(run.status, 0, run.stderr)
            let warning = "warning: \(path): its train metadata does not decode"
            if let problem {
                XCTAssertTrue(run.stderr.contains("\(warning) (\(problem)"), run.stderr)
            } else {
                XCTAssertFalse(run.stderr.contains(warning), run.stderr)
            }
            XCTAssertEqual(try Checkpoint.load(path).step, good.step + 1)
        }
    }

    func testASecondTrainingOfTheSameCheckpointIsRefused() throws {
        let root = makeTemporaryFolder(self)
        let data = try makeData(root)
        let checkpoint = root + "/m.safetensors"
        do {
            let held = try FileLock(for: checkpoint)  // as a running training holds it
            assertRefusal(try runWavenet(["train", data, "--checkpoint", checkpoint, "--steps", "1"] + tiny),
                          path: checkpoint, problem: "another wavenet run is training this checkpoint")
            XCTAssertFalse(FileManager.default.fileExists(atPath: checkpoint))
            withExtendedLifetime(held) {}
        }
        XCTAssertEqual(try runWavenet(["train", data, "--checkpoint", checkpoint, "--steps", "1"] + tiny).status, 0, "free once released")
    }

    func testStaleTemporariesOfDeadProcessesAreRemoved() throws {
        let root = makeTemporaryFolder(self)
        let data = try makeData(root)
        let stale = root + "/.m.tmp-999999-123.safetensors", live = root + "/.m.tmp-\(getpid())-5.safetensors"
        for path in [stale, live] { XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("x".utf8))) }
        XCTAssertEqual(try runWavenet(["train", data, "--checkpoint", root + "/m.safetensors", "--steps", "1"] + tiny).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: stale))
        XCTAssertTrue(FileManager.default.fileExists(atPath: live), "a running process's temporary stays")
    }

    func testInterruptedGenerateWritesWhatItHasAndExits130() throws {
        let root = makeTemporaryFolder(self)
        let model = try makeCheckpoint(root)
        let out = root + "/long.wav"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: wavenetBinary)
        process.arguments = ["generate", "--checkpoint", model, "--out", out, "--seconds", "3000"]
        let err = Pipe()
        process.standardError = err
        try process.run()
        Thread.sleep(forTimeInterval: 1)
        process.interrupt()
        let asked = Date()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertLessThan(Date().timeIntervalSince(asked), 1.5)
        XCTAssertEqual(process.terminationStatus, 130, stderr)
        XCTAssertTrue(stderr.contains("Error: stopped by a signal after"), stderr)
        XCTAssertTrue(stderr.contains("\(out) (partial output)"), stderr)
        let written = try AudioFile.info(out).frames
        XCTAssertGreaterThan(written, 0)
        XCTAssertLessThan(written, 3000 * 8000)
    }

    func testEveryNumericOptionHasARange() throws {
        let root = makeTemporaryFolder(self)
        let model = try makeCheckpoint(root)
        let out = root + "/x.wav"
        let cases: [([String], String)] = [
            (["generate", "--checkpoint", model, "--out", out, "--seconds", "1e15"], "--seconds must be"),
            (["generate", "--checkpoint", model, "--out", out, "--seconds", "0.00001"], "--seconds must be"),
            (["generate", "--checkpoint", model, "--out", out, "--samples", "9223372036854775807"], "--samples must be"),
            (["generate", "--checkpoint", model, "--out", out, "--streams", "5000"], "--streams must be"),
            (["generate", "--checkpoint", model, "--out", out, "--threads", "0"], "--threads must be"),
            (["generate", "--checkpoint", model, "--out", out, "--temperature", "nan"], "--temperature must be"),
            (["generate", "--checkpoint", model, "--out", out, "--play", "--prebuffer", "nan"], "--prebuffer must be"),
            (["generate", "--checkpoint", model, "--out", out, "--prebuffer", "1"], "--prebuffer goes with --play"),
            (["play", "--checkpoint", model, "--prebuffer", "1e9"], "--prebuffer must be"),
            (["play", "--checkpoint", model, "--threads", "1000"], "--threads must be"),
            (["train", root, "--checkpoint", root + "/t.safetensors", "--gradient-clip", "inf"], "--gradient-clip must be"),
            (["train", root, "--checkpoint", root + "/t.safetensors", "--segment", "9223372036854775807"], "--segment must be"),
            (["train", root, "--checkpoint", root + "/t.safetensors", "--batch", "0"], "--batch must be"),
            (["train", root, "--checkpoint", root + "/t.safetensors", "--stacks", "9223372036854775807"], "--stacks must be"),
            (["train", root, "--checkpoint", root + "/t.safetensors", "--learning-rate", "1e9"], "--learning-rate must be"),
            (["train", root, "--checkpoint", root + "/t.safetensors", "--validation-fraction", "1"], "--validation-fraction must be"),
            (["eval", "--checkpoint", model, "--threads", "300", out], "--threads must be"),
            (["bench", "generate", "--streams", "9223372036854775807"], "--streams must be"),
            (["bench", "train", "--steps", "0"], "--steps must be"),
            (["bench", "generate", "--kernel", "baseline", "--precision", "half"], "--precision half needs --kernel fused"),
            (["bench", "generate", "--isa", "sse9"], "--isa"),
            (["generate", "--checkpoint", model, "--out", out, "--precision", "double"], "--precision"),
        ]
        for (arguments, message) in cases {
            let result = try runWavenet(arguments)
            XCTAssertEqual(result.status, 64, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/t.safetensors"))
        // Within range but beyond the machine: refused with the estimate, before allocating.
        let big = try runWavenet(["generate", "--checkpoint", model, "--out", out, "--streams", "4096", "--seconds", "86400"])
        XCTAssertEqual(big.status, 1, big.stderr)
        XCTAssertTrue(big.stderr.contains("GB, more than the"), big.stderr)
    }

    func testSmallerCases() throws {
        let root = makeTemporaryFolder(self)
        let model = try makeCheckpoint(root)
        // A one-sample file has nothing to score: an error, not "0 samples".
        try AudioFile.write([0.1], sampleRate: 8000, to: root + "/one.wav")
        assertRefusal(try runWavenet(["eval", "--checkpoint", model, root + "/one.wav"]), path: root + "/one.wav", problem: "nothing to evaluate")
        // A closed pipe as the device is an error, not a death by SIGPIPE.
        let pipe = try runWavenet(["play", "--checkpoint", model, "--seconds", "2", "--device", "file:'|true',raw"])
        XCTAssertFalse(pipe.crashed, pipe.stderr)
        XCTAssertEqual(pipe.status, 1, pipe.stderr)
        // A class whose name holds a comma can be chosen.
        let config = ModelConfig(sampleRate: 8000, quantizationChannels: 16, residualChannels: 4, dilationChannels: 4, skipChannels: 4,
                                 dilations: [1, 2], condChannels: 2, classNames: ["a,b", "c"])
        let p = try Parameters(config: config)
        p.initialize(seed: 1)
        try Checkpoint(parameters: p).save(to: root + "/comma.safetensors")
        let comma = try runWavenet(["generate", "--checkpoint", root + "/comma.safetensors", "--out", root + "/c.wav", "--samples", "10", "--class", "a,b"])
        XCTAssertEqual(comma.status, 0, comma.stderr)
        XCTAssertTrue(comma.stderr.contains("(class a,b)"), comma.stderr)
        let both = try runWavenet(["generate", "--checkpoint", root + "/comma.safetensors", "--out", root + "/d.wav", "--samples", "10",
                                   "--class", "c,c", "--streams", "2"])
        XCTAssertEqual(both.status, 0, both.stderr)
    }
}
