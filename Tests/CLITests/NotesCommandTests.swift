import AudioIO
import Features
import Foundation
import TestSupport
import WaveNet
import XCTest

/// `train --local notes`, `generate --from song.mid`, `features` and `eval` of a notes model
/// through the binary.
final class NotesCommandTests: XCTestCase {
    static let tiny = ["--residual-channels", "6", "--dilation-channels", "6", "--skip-channels", "8", "--quantization-channels", "32",
                "--stacks", "1", "--depth", "4", "--segment", "600", "--batch", "2", "--threads", "1", "--local-hidden", "5"]

    /// A format-0 MIDI file at 120 bpm and 100 ticks per quarter note (5 ms a tick):
    /// notes as (key, on tick, off tick, velocity), note-offs as velocity-0 note-ons.
    static func midi(_ notes: [(key: Int, on: Int, off: Int, velocity: Int)]) -> Data {
        var events: [(tick: Int, bytes: [UInt8])] = []
        for n in notes {
            events.append((n.on, [0x90, UInt8(n.key), UInt8(n.velocity)]))
            events.append((n.off, [0x90, UInt8(n.key), 0]))
        }
        events.sort { $0.tick < $1.tick }
        var track: [UInt8] = [], tick = 0
        for e in events {
            var delta = e.tick - tick, encoded: [UInt8] = [UInt8(delta & 0x7F)]
            delta >>= 7
            while delta > 0 { encoded.insert(UInt8(0x80 | (delta & 0x7F)), at: 0); delta >>= 7 }
            track += encoded + e.bytes
            tick = e.tick
        }
        track += [0x00, 0xFF, 0x2F, 0x00]
        func be(_ v: Int, _ n: Int) -> [UInt8] { (0..<n).reversed().map { UInt8((v >> (8 * $0)) & 0xFF) } }
        return Data(Array("MThd".utf8) + be(6, 4) + be(0, 2) + be(1, 2) + be(100, 2) + Array("MTrk".utf8) + be(track.count, 4) + track)
    }

    /// Audio of a MIDI's notes: a sine at each key's pitch while it is held.
    static func render(_ notes: [(key: Int, on: Int, off: Int, velocity: Int)], seconds: Double) -> [Float] {
        var x = [Float](repeating: 0, count: Int(seconds * 16000))
        for n in notes {
            let f = 440 * pow(2, Double(n.key - 69) / 12)
            for i in n.on * 80..<min(n.off * 80, x.count) { x[i] += 0.3 * Float(sin(2 * Double.pi * f * Double(i) / 16000)) }
        }
        return x
    }

    func testTrainGenerateFeaturesAndEvalANotesModel() throws {
        let root = makeTemporaryFolder(self)
        let data = root + "/data"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let pieces: [[(key: Int, on: Int, off: Int, velocity: Int)]] = [
            [(60, 10, 60, 100), (64, 40, 100, 80)],
            [(67, 0, 50, 90), (72, 60, 110, 70), (10, 20, 30, 50)],  // key 10 lies outside 48...84
            [(55, 5, 115, 60)],
        ]
        for (i, notes) in pieces.enumerated() {
            try Self.midi(notes).write(to: URL(fileURLWithPath: data + "/piece\(i).mid"))
            try AudioFile.write(Self.render(notes, seconds: 0.6), sampleRate: 16000, to: data + "/piece\(i).wav")
        }
        try AudioFile.write(sine(frequency: 300, sampleRate: 16000, seconds: 0.5), sampleRate: 16000, to: data + "/lonely.wav")
        let checkpoint = root + "/p.safetensors"
        let train = try runWavenet(["train", data, "--checkpoint", checkpoint, "--local", "notes", "--low", "48", "--high", "84",
                                    "--steps", "2", "--validation-fraction", "0.34"] + Self.tiny)
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stderr.contains("skipping \(data)/lonely.wav: no MIDI file of the same name"), train.stderr)
        XCTAssertTrue(train.stderr.contains("piece1.mid: 1 notes outside keys 48...84 left out"), train.stderr)
        XCTAssertFalse(train.stderr.contains("piece0.mid: "), "the MIDI files themselves are not skipped audio: \(train.stderr)")
        let model = try Checkpoint.load(checkpoint)
        XCTAssertEqual(model.config.local, LocalConfig(features: .notes, channels: 74, hidden: 5, hop: 160, causal: true, low: 48, high: 84))
        let held = try XCTUnwrap(TrainingSettings.decode(model.trainingJSON))
        XCTAssertNil(held.silenceThresholdDB, "a notes model's audio is not trimmed")
        XCTAssertEqual(held.trainingFiles.count + held.validationFiles.count, 3)

        // Eval reads each audio file's MIDI; its figure is training's validation figure.
        let eval = try runWavenet(["eval", "--checkpoint", checkpoint, "--json"] + held.validationFiles)
        XCTAssertEqual(eval.status, 0, eval.stderr)
        let figures = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(figures["bits_per_sample"] as! Double, try XCTUnwrap(held.lastValidationBitsPerSample), accuracy: 1e-9)

        // features: exactly the spec's frames (1 + ceil(end * sr / hop)), no tail; [F, frames].
        let npy = root + "/p0.npy"
        let features = try runWavenet(["features", data + "/piece0.mid", "--checkpoint", checkpoint, "--out", npy])
        XCTAssertEqual(features.status, 0, features.stderr)
        let array = try Npy.parse(Data(contentsOf: URL(fileURLWithPath: npy)))
        XCTAssertEqual(array.shape, [74, 1 + 50])  // the last event at 0.5 s = 50 frames of 10 ms
        let frames = 51
        XCTAssertEqual(array.values[(60 - 48) * frames + 5], 100.0 / 127, accuracy: 1e-6, "key 60 held in frame 5 (from 50 ms)")
        XCTAssertEqual(array.values[(37 + 60 - 48) * frames + 5], 1, "its onset")
        XCTAssertEqual(array.values[(60 - 48) * frames + 4], 0, "not before")
        XCTAssertEqual(array.values[(60 - 48) * frames + 29], 100.0 / 127, accuracy: 1e-6, "held to 300 ms")
        XCTAssertEqual(array.values[(60 - 48) * frames + 30], 0, "and no longer")

        // generate --from song.mid: its length plus --tail (default 1 s) of zero frames.
        let out = root + "/song.wav"
        let render = try runWavenet(["generate", "--checkpoint", checkpoint, "--from", data + "/piece0.mid", "--out", out])
        XCTAssertEqual(render.status, 0, render.stderr)
        XCTAssertEqual(try AudioFile.info(out).frames, (51 + 100 - 1) * 160)
        let short = try runWavenet(["generate", "--checkpoint", checkpoint, "--from", data + "/piece0.mid", "--tail", "0", "--out", root + "/t0.wav"])
        XCTAssertEqual(short.status, 0, short.stderr)
        XCTAssertEqual(try AudioFile.info(root + "/t0.wav").frames, 50 * 160)
        // The .npy that features wrote renders the same frames.
        XCTAssertEqual(try runWavenet(["generate", "--checkpoint", checkpoint, "--from", npy, "--out", root + "/n.wav", "--seed", "4"]).status, 0)
        XCTAssertEqual(try runWavenet(["generate", "--checkpoint", checkpoint, "--from", data + "/piece0.mid", "--tail", "0",
                                       "--out", root + "/m.wav", "--seed", "4"]).status, 0)
        XCTAssertEqual(try AudioFile.readMono(root + "/n.wav").samples, try AudioFile.readMono(root + "/m.wav").samples)
    }

    func testEachKindOfModelRefusesTheOtherKindsInput() throws {
        let root = makeTemporaryFolder(self)
        let mel = packageRoot + "/Tests/WaveNetTests/Fixtures/local-mel.safetensors"
        let notes = packageRoot + "/Tests/WaveNetTests/Fixtures/local-causal.safetensors"  // notes, keys 60...62
        let song = root + "/song.mid", wav = root + "/a.wav"
        try Self.midi([(61, 0, 40, 90)]).write(to: URL(fileURLWithPath: song))
        try AudioFile.write(sine(frequency: 300, sampleRate: 16000, seconds: 0.05), sampleRate: 16000, to: wav)
        assertRefusal(try runWavenet(["generate", "--checkpoint", mel, "--from", song, "--out", root + "/x.wav"]),
                      path: song, problem: "this model reads mel features")
        assertRefusal(try runWavenet(["generate", "--checkpoint", notes, "--from", wav, "--out", root + "/x.wav", "--class", "a"]),
                      path: wav, problem: "this model reads notes features")
        let outside = root + "/outside.mid"
        try Self.midi([(20, 0, 40, 90), (100, 10, 20, 90)]).write(to: URL(fileURLWithPath: outside))
        assertRefusal(try runWavenet(["generate", "--checkpoint", notes, "--from", outside, "--out", root + "/x.wav", "--class", "a"]),
                      path: outside, problem: "no notes in the model's keys 60...62 (all 2 lie outside)")
        let broken = root + "/broken.mid"
        try Self.midi([(61, 0, 40, 90)]).prefix(30).write(to: URL(fileURLWithPath: broken))
        assertRefusal(try runWavenet(["generate", "--checkpoint", notes, "--from", broken, "--out", root + "/x.wav", "--class", "a"]),
                      path: broken, problem: "not a valid MIDI file: track 1 is truncated")
        assertRefusal(try runWavenet(["features", song, "--checkpoint", mel, "--out", root + "/x.npy"]),
                      path: song, problem: "this model reads mel features")
        XCTAssertEqual(try runWavenet(["generate", "--checkpoint", mel, "--from", wav, "--tail", "2", "--out", root + "/x.wav"]).status, 64)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/x.wav"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/x.npy"))
        // A folder whose audio has no MIDI at all.
        let data = root + "/data"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try AudioFile.write(sine(frequency: 300, sampleRate: 16000, seconds: 0.5), sampleRate: 16000, to: data + "/a.wav")
        assertRefusal(try runWavenet(["train", data, "--checkpoint", root + "/n.safetensors", "--local", "notes", "--steps", "1"] + Self.tiny),
                      path: data, problem: "no audio file has a MIDI file of the same name")
    }
}
