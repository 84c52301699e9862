import AudioIO
import Features
import Foundation
import TestSupport
import WaveNet
import XCTest

/// `train --local mel` and `eval` of a mel model through the binary.
final class VocoderCommandTests: XCTestCase {
    let tiny = ["--residual-channels", "6", "--dilation-channels", "6", "--skip-channels", "8", "--quantization-channels", "32",
                "--stacks", "1", "--depth", "4", "--segment", "600", "--batch", "2", "--threads", "1", "--local-hidden", "5"]

    func testTrainResumeAndEvalAMelModel() throws {
        let root = makeTemporaryFolder(self)
        let data = root + "/data"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        for (i, f) in [220.0, 330, 495].enumerated() {
            try AudioFile.write(sine(frequency: f, sampleRate: 16000, seconds: 0.6), sampleRate: 16000, to: data + "/tone\(i).wav")
        }
        try AudioFile.write([Float](repeating: 0.3, count: 300), sampleRate: 16000, to: data + "/short.wav")
        let checkpoint = root + "/v.safetensors"
        let train = try runWavenet(["train", data, "--checkpoint", checkpoint, "--local", "mel", "--mels", "20", "--steps", "2",
                                    "--silence-threshold", "off", "--validation-fraction", "0.34"] + tiny)
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stderr.contains("short.wav: 300 samples, shorter than n_fft/2 + 1 = 401"), train.stderr)
        let model = try Checkpoint.load(checkpoint)
        XCTAssertEqual(model.config.local, LocalConfig(features: .mel, channels: 20, hidden: 5, hop: 200, causal: false,
                                                       nFFT: 800, win: 800, fmin: 0, fmax: 8000))
        XCTAssertEqual(model.step, 2)
        // The frame input statistics Adam trains conv1 by are those of the training files' features.
        let settings = try XCTUnwrap(TrainingSettings.decode(model.trainingJSON))
        let stats = try XCTUnwrap(settings.standardization)
        var frames: [[Float]] = []  // [frames][F] over the training files
        for (i, file) in settings.trainingFiles.enumerated() {
            let npy = root + "/features\(i).npy"
            XCTAssertEqual(try runWavenet(["features", file, "--checkpoint", checkpoint, "--out", npy]).status, 0)
            let array = try Npy.parse(Data(contentsOf: URL(fileURLWithPath: npy)))
            frames += (0..<array.shape[1]).map { t in (0..<20).map { f in Float(array.values[f * array.shape[1] + t]) } }
        }
        for f in 0..<20 {
            let column = frames.map { Double($0[f]) }, mean = column.reduce(0, +) / Double(column.count)
            let deviation = (column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(column.count)).squareRoot()
            XCTAssertEqual(Double(stats.mean[f]), mean, accuracy: 1e-4, "mel \(f)")
            XCTAssertEqual(Double(stats.deviation[f]), max(deviation, 1e-3), accuracy: 1e-4, "mel \(f)")
        }
        let shown = try runWavenet(["info", checkpoint])
        XCTAssertTrue(shown.stdout.contains(String(format: "conv1 trained on standardized features (training frames' means %.2f...",
                                                   stats.mean.min()!)), shown.stdout)
        let resumed = try runWavenet(["train", data, "--checkpoint", checkpoint, "--resume", "--steps", "1"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try Checkpoint.load(checkpoint).step, 3)
        XCTAssertEqual(TrainingSettings.decode(try Checkpoint.load(checkpoint).trainingJSON)?.standardization, stats)
        // Statistics that do not fit the model: the checkpoint is named and left as it was.
        var wrong = settings
        wrong.frameInputMean = Array(stats.mean.prefix(3))
        let bad = root + "/bad.safetensors"
        try Checkpoint(parameters: model.parameters, step: model.step, trainingJSON: wrong.json, optimizer: model.optimizer).save(to: bad)
        let before = try Data(contentsOf: URL(fileURLWithPath: bad))
        assertRefusal(try runWavenet(["train", data, "--checkpoint", bad, "--resume", "--steps", "1"]),
                      path: bad, problem: "stored frame input statistics have 3 channels where the model reads 20")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: bad)), before)
        // Training's validation figure is eval's figure on the held-out file (silence trimming was off).
        let held = try XCTUnwrap(TrainingSettings.decode(try Checkpoint.load(checkpoint).trainingJSON))
        let eval = try runWavenet(["eval", "--checkpoint", checkpoint, "--json"] + held.validationFiles)
        XCTAssertEqual(eval.status, 0, eval.stderr)
        let figures = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(figures["bits_per_sample"] as! Double, try XCTUnwrap(held.lastValidationBitsPerSample), accuracy: 1e-9)
    }

    func testResynthesisFeaturesAndNpyInput() throws {
        let root = makeTemporaryFolder(self)
        let model = packageRoot + "/Tests/WaveNetTests/Fixtures/local-mel.safetensors"  // 6 mels, hop 4, n_fft 16
        let a = root + "/a.wav", b = root + "/b.wav"
        try AudioFile.write(sine(frequency: 300, sampleRate: 16000, seconds: 0.05), sampleRate: 16000, to: a)
        try AudioFile.write(sine(frequency: 500, sampleRate: 22050, seconds: 0.03), sampleRate: 22050, to: b)
        // Resynthesis: exactly the input's length at the model's rate; several --from, one file each.
        let two = try runWavenet(["generate", "--checkpoint", model, "--from", a, "--from", b, "--out", root + "/r.wav"])
        XCTAssertEqual(two.status, 0, two.stderr)
        XCTAssertEqual(try AudioFile.info(root + "/r-1.wav").frames, 800)
        XCTAssertEqual(try AudioFile.info(root + "/r-2.wav").frames, try AudioFile.readMono(b, sampleRate: 16000).samples.count)
        // features writes [F, frames]; generating from it gives (frames - 1) * hop samples.
        let npy = root + "/a.npy"
        XCTAssertEqual(try runWavenet(["features", a, "--checkpoint", model, "--out", npy]).status, 0)
        let array = try Npy.parse(Data(contentsOf: URL(fileURLWithPath: npy)))
        XCTAssertEqual(array.shape, [6, 201])
        let fromNpy = try runWavenet(["generate", "--checkpoint", model, "--from", npy, "--out", root + "/n.wav", "--seed", "3"])
        XCTAssertEqual(fromNpy.status, 0, fromNpy.stderr)
        XCTAssertEqual(try AudioFile.info(root + "/n.wav").frames, 800)
        // The same features from the audio and from the .npy give the same samples (same seed).
        XCTAssertEqual(try runWavenet(["generate", "--checkpoint", model, "--from", a, "--out", root + "/m.wav", "--seed", "3"]).status, 0)
        XCTAssertEqual(try AudioFile.readMono(root + "/m.wav").samples, try AudioFile.readMono(root + "/n.wav").samples)
        // Refusals.
        let wrong = root + "/wrong.npy"
        try Npy.serialize([Float](repeating: 0, count: 80 * 5), shape: [80, 5]).write(to: URL(fileURLWithPath: wrong))
        assertRefusal(try runWavenet(["generate", "--checkpoint", model, "--from", wrong, "--out", root + "/w.wav"]),
                      path: wrong, problem: "5 or 80 channels, but the model reads 6")
        assertRefusal(try runWavenet(["generate", "--checkpoint", model, "--out", root + "/w.wav", "--samples", "10"]),
                      path: model, problem: "give them with --from")
        let plain = try makeCheckpoint(root)
        assertRefusal(try runWavenet(["generate", "--checkpoint", plain, "--from", a, "--out", root + "/w.wav"]),
                      path: plain, problem: "--from does not apply")
        XCTAssertEqual(try runWavenet(["generate", "--checkpoint", model, "--from", a, "--seconds", "1", "--out", root + "/w.wav"]).status, 64)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/w.wav"))
    }

    func testLocalFlagsAreCheckedBeforeAnyFileIsRead() throws {
        let root = makeTemporaryFolder(self)
        for (arguments, message) in [(["--hop", "100"], "go with --local"), (["--local", "notes", "--mels", "40"], "go with --local mel, not notes"),
                                     (["--local", "mel", "--low", "30"], "go with --local notes, not mel"),
                                     (["--local", "notes", "--low", "80", "--high", "70"], "--low 80 is above --high 70"),
                                     (["--local", "notes", "--high", "128"], "--high must be 0...127"),
                                     (["--local", "notes", "--silence-threshold=-40"], "does not go with --local notes"),
                                     (["--local", "mel", "--win", "900"], "--win must be 1...n_fft"), (["--local", "mel", "--n-fft", "801"], "--n-fft must be even"),
                                     (["--local", "mel", "--fmax", "9000"], "--fmax"), (["--local", "mel", "--local-hidden", "0"], "--local-hidden must be")] {
            let result = try runWavenet(["train", root, "--checkpoint", root + "/x.safetensors"] + arguments)
            XCTAssertEqual(result.status, 64, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }
}
