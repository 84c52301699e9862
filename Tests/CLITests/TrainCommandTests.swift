import AudioIO
import Foundation
import TestSupport
import WaveNet
import XCTest

final class TrainCommandTests: XCTestCase {
    let tiny = ["--residual-channels", "8", "--dilation-channels", "8", "--skip-channels", "16",
                "--quantization-channels", "64", "--stacks", "1", "--depth", "5", "--segment", "500", "--batch", "2"]

    /// A folder of short tones: two WAVs at 16 kHz and one FLAC at 22.05 kHz (resampled on load).
    func makeCorpus() throws -> String {
        let folder = makeTemporaryFolder(self) + "/data"
        try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
        func tone(_ f: Double, _ rate: Int, _ seconds: Double) -> [Float] {
            (0..<Int(Double(rate) * seconds)).map { Float(0.4 * sin(2 * Double.pi * f * Double($0) / Double(rate))) }
        }
        try AudioFile.write(tone(220, 16000, 1.0), sampleRate: 16000, to: folder + "/a.wav")
        try AudioFile.write(tone(330, 16000, 0.8), sampleRate: 16000, to: folder + "/sub/b.wav")
        try AudioFile.write(tone(440, 22050, 0.7), sampleRate: 22050, to: folder + "/c.wav")
        return folder
    }

    func testTrainThenInfoAndEval() throws {
        let data = try makeCorpus()
        let checkpoint = data + "/../model.safetensors"
        let log = data + "/../log.jsonl"
        let train = try runWavenet(["train", data, "--checkpoint", checkpoint, "--steps", "6", "--validate-every", "3",
                                    "--log", log, "--seed", "3"] + tiny)
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stderr.contains("training on 2 files"), train.stderr)
        XCTAssertTrue(train.stderr.contains("saved"), train.stderr)
        let entries = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        XCTAssertEqual(entries.map { $0["step"] as? Int }, [1, 2, 3, 4, 5, 6])
        for entry in entries {
            let nats = entry["loss_nats"] as! Double
            XCTAssertEqual(entry["bits_per_sample"] as! Double, nats / Foundation.log(2.0), accuracy: 1e-9)
            XCTAssertGreaterThan(entry["samples_per_second"] as! Double, 0)
        }
        XCTAssertNotNil(entries[2]["validation_bits_per_sample"])
        XCTAssertNil(entries[1]["validation_bits_per_sample"])

        let info = try runWavenet(["info", checkpoint, "--json"])
        XCTAssertEqual(info.status, 0, info.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(object["step"] as? Int, 6)
        XCTAssertEqual(object["receptive_field_samples"] as? Int, 33)
        XCTAssertEqual((object["receptive_field_ms"] as? Double) ?? 0, 33 / 16.0, accuracy: 1e-9)
        let config = object["config"] as! [String: Any]
        XCTAssertEqual(config["dilations"] as? [Int], [1, 2, 4, 8, 16])
        XCTAssertEqual(config["quantization_channels"] as? Int, 64)
        let model = try Checkpoint.load(checkpoint)
        XCTAssertEqual(object["parameters"] as? Int, model.parameters.parameterCount)
        let settings = TrainingSettings.decode(model.trainingJSON)!
        XCTAssertEqual(settings.batch, 2)
        XCTAssertEqual(settings.segment, 500)
        XCTAssertEqual(settings.validationFiles.count, 1)
        let text = try runWavenet(["info", checkpoint])
        XCTAssertTrue(text.stdout.contains("receptive field:  33 samples (2.1 ms)"), text.stdout)

        let eval = try runWavenet(["eval", "--checkpoint", checkpoint, data + "/a.wav", data + "/sub", "--json"])
        XCTAssertEqual(eval.status, 0, eval.stderr)
        let figures = (try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as! [String: Any]).compactMapValues { $0 as? Double }
        XCTAssertEqual(figures["samples"], 16000 - 1 + 12800 - 1)
        XCTAssertEqual(figures["bits_per_sample"]!, figures["nats_per_sample"]! / Foundation.log(2.0), accuracy: 1e-9)
        XCTAssertGreaterThan(figures["bits_per_sample"]!, 0.5)
        XCTAssertLessThan(figures["bits_per_sample"]!, 6.01)  // at most log2(64) plus what 6 steps cannot undo
        // The validation figure in the checkpoint is eval's figure on the held-out file.
        let heldOut = try runWavenet(["eval", "--checkpoint", checkpoint, settings.validationFiles[0], "--json"])
        let heldOutFigures = (try JSONSerialization.jsonObject(with: Data(heldOut.stdout.utf8)) as! [String: Any]).compactMapValues { $0 as? Double }
        XCTAssertEqual(heldOutFigures["bits_per_sample"]!, settings.lastValidationBitsPerSample!, accuracy: 1e-9)
    }

    func testResumeMatchesOneRun() throws {
        let data = try makeCorpus()
        let a = data + "/../a.safetensors", b = data + "/../b.safetensors"
        XCTAssertEqual(try runWavenet(["train", data, "--checkpoint", a, "--steps", "3"] + tiny).status, 0)
        let resumed = try runWavenet(["train", data, "--checkpoint", a, "--steps", "2", "--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("from step 3"), resumed.stderr)
        XCTAssertEqual(try runWavenet(["train", data, "--checkpoint", b, "--steps", "5"] + tiny).status, 0)
        let (ma, mb) = (try Checkpoint.load(a), try Checkpoint.load(b))
        XCTAssertEqual(ma.step, 5)
        XCTAssertEqual(ma.parameters.values.array, mb.parameters.values.array)
    }

    func testTrainingErrors() throws {
        let data = try makeCorpus()
        let root = data + "/.."
        let checkpoint = root + "/m.safetensors"
        XCTAssertEqual(try runWavenet(["train", data, "--checkpoint", checkpoint, "--steps", "1"] + tiny).status, 0)
        // An existing checkpoint is not overwritten by accident.
        assertRefusal(try runWavenet(["train", data, "--checkpoint", checkpoint, "--steps", "1"] + tiny), path: checkpoint, problem: "already exists")
        // Resume with a different architecture.
        assertRefusal(try runWavenet(["train", data, "--checkpoint", checkpoint, "--resume", "--residual-channels", "12"]),
                      path: checkpoint, problem: "architecture differs")
        assertRefusal(try runWavenet(["train", data, "--checkpoint", root + "/none.safetensors", "--resume"]),
                      path: root + "/none.safetensors", problem: "no such file")
        // Empty folder, silent folder, segment longer than the audio, absurd sample rate.
        let empty = root + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        assertRefusal(try runWavenet(["train", empty, "--checkpoint", root + "/e.safetensors"] + tiny), path: empty, problem: "folder is empty")
        let silent = root + "/silent"
        try FileManager.default.createDirectory(atPath: silent, withIntermediateDirectories: true)
        try AudioFile.write([Float](repeating: 0, count: 16000), sampleRate: 16000, to: silent + "/quiet.wav")
        assertRefusal(try runWavenet(["train", silent, "--checkpoint", root + "/s.safetensors"] + tiny), path: silent, problem: "all audio is silent")
        let long = try runWavenet(["train", data, "--checkpoint", root + "/l.safetensors", "--segment", "20000", "--stacks", "1", "--depth", "3"])
        assertRefusal(long, path: data, problem: "longest training file has 16000")
        let rate = try runWavenet(["train", data, "--checkpoint", root + "/r.safetensors", "--sample-rate", "0"])
        XCTAssertEqual(rate.status, 64)
        XCTAssertTrue(rate.stderr.contains("sample rate 0 Hz is outside"), rate.stderr)
        for path in ["e", "s", "l", "r"] { XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/\(path).safetensors")) }
    }

    func testSIGTERMSavesAndExits() throws {
        let data = try makeCorpus()
        let checkpoint = data + "/../sig.safetensors"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: wavenetBinary)
        process.arguments = ["train", data, "--checkpoint", checkpoint, "--steps", "1000000", "--save-every", "1000000"] + tiny
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: 2)
        process.terminate()  // SIGTERM
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .exit)
        XCTAssertEqual(process.terminationStatus, 0, stderr)
        XCTAssertTrue(stderr.contains("stopping at step"), stderr)
        let saved = try Checkpoint.load(checkpoint)
        XCTAssertGreaterThan(saved.step, 0)
        XCTAssertTrue(stderr.contains("saved \(checkpoint) at step \(saved.step)"), stderr)
    }
}
