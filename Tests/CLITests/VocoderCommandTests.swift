import AudioIO
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
            try AudioFile.writeWAV(sine(frequency: f, sampleRate: 16000, seconds: 0.6), sampleRate: 16000, to: data + "/tone\(i).wav")
        }
        try AudioFile.writeWAV([Float](repeating: 0.3, count: 300), sampleRate: 16000, to: data + "/short.wav")
        let checkpoint = root + "/v.safetensors"
        let train = try runWavenet(["train", data, "--checkpoint", checkpoint, "--local", "mel", "--mels", "20", "--steps", "2",
                                    "--silence-threshold", "off", "--validation-fraction", "0.34"] + tiny)
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stderr.contains("short.wav: 300 samples, shorter than n_fft/2 + 1 = 401"), train.stderr)
        let model = try Checkpoint.load(checkpoint)
        XCTAssertEqual(model.config.local, LocalConfig(features: .mel, channels: 20, hidden: 5, hop: 200, causal: false,
                                                       nFFT: 800, win: 800, fmin: 0, fmax: 8000))
        XCTAssertEqual(model.step, 2)
        let resumed = try runWavenet(["train", data, "--checkpoint", checkpoint, "--resume", "--steps", "1"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try Checkpoint.load(checkpoint).step, 3)
        // Training's validation figure is eval's figure on the held-out file (silence trimming was off).
        let held = try XCTUnwrap(TrainingSettings.decode(try Checkpoint.load(checkpoint).trainingJSON))
        let eval = try runWavenet(["eval", "--checkpoint", checkpoint, "--json"] + held.validationFiles)
        XCTAssertEqual(eval.status, 0, eval.stderr)
        let figures = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(figures["bits_per_sample"] as! Double, try XCTUnwrap(held.lastValidationBitsPerSample), accuracy: 1e-9)
    }

    func testLocalFlagsAreCheckedBeforeAnyFileIsRead() throws {
        let root = makeTemporaryFolder(self)
        for (arguments, message) in [(["--hop", "100"], "go with --local"), (["--local", "notes"], "--local notes comes with the MIDI instrument"),
                                     (["--local", "mel", "--win", "900"], "--win must be 1...n_fft"), (["--local", "mel", "--n-fft", "801"], "--n-fft must be even"),
                                     (["--local", "mel", "--fmax", "9000"], "--fmax"), (["--local", "mel", "--local-hidden", "0"], "--local-hidden must be")] {
            let result = try runWavenet(["train", root, "--checkpoint", root + "/x.safetensors"] + arguments)
            XCTAssertEqual(result.status, 64, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }
}
