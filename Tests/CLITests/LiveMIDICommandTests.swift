import AudioIO
import Foundation
import TestSupport
import WaveNet
import XCTest

/// `play --midi-in`: MIDI bytes written into a FIFO while play runs into ALSA's file PCM.
final class LiveMIDICommandTests: XCTestCase {
    func trainTinyNotesModel(_ root: String) throws -> String {
        let data = root + "/data"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let notes: [(key: Int, on: Int, off: Int, velocity: Int)] = [(60, 10, 60, 100), (67, 70, 110, 80)]
        for name in ["a", "b"] {
            try NotesCommandTests.midi(notes).write(to: URL(fileURLWithPath: data + "/\(name).mid"))
            try AudioFile.write(NotesCommandTests.render(notes, seconds: 0.6), sampleRate: 16000, to: data + "/\(name).wav")
        }
        let model = root + "/live.safetensors"
        let train = try runWavenet(["train", data, "--checkpoint", model, "--local", "notes", "--low", "48", "--high", "84", "--steps", "2",
                                    "--validation-fraction", "0"] + NotesCommandTests.tiny)
        XCTAssertEqual(train.status, 0, train.stderr)
        return model
    }

    /// Runs `play --midi-in FIFO` into ALSA's file PCM (float samples), writes `script`'s bytes
    /// after its pauses, closes the FIFO and waits for play to end. Returns stderr, the logged
    /// events and the samples played.
    func playLive(model: String, root: String, script: [(pause: Double, bytes: [UInt8])], tail: String = "0.2")
        throws -> (stderr: String, events: [[String: Any]], samples: [Float]) {
        let fifo = root + "/keys", raw = root + "/out.raw", log = root + "/events.jsonl"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: wavenetBinary)
        process.arguments = ["play", "--checkpoint", model, "--midi-in", fifo, "--device", "file:'\(raw)',raw", "--sample-format", "float",
                             "--midi-log", log, "--tail", tail]
        let err = Pipe()
        process.standardError = err
        try process.run()
        // The player opens the FIFO at once; this open waits for it.
        let writer = open(fifo, O_WRONLY)
        XCTAssertGreaterThanOrEqual(writer, 0)
        for (pause, bytes) in script {
            Thread.sleep(forTimeInterval: pause)
            _ = bytes.withUnsafeBytes { write(writer, $0.baseAddress, $0.count) }
        }
        close(writer)                         // the source closes: play ends after --tail
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertFalse(process.isRunning, "play did not end after its source closed")
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(process.terminationStatus, 0, stderr)
        let events = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        return (stderr, events, try rawSamples(raw, as: Float.self))
    }

    func testNotesWrittenIntoAFIFOArePlayedAndLogged() throws {
        let root = makeTemporaryFolder(self)
        let model = try trainTinyNotesModel(root)
        let (stderr, events, samples) = try playLive(model: model, root: root, script: [
            (0.3, [0x90, 60, 100, 0xF8]),     // note-on, then a clock byte
            (0.3, [0xFE, 60, 0]),             // active sensing, then running status: velocity 0, a note-off
            (0.1, []),
        ])
        XCTAssertTrue(stderr.contains("latency at most 30.0 ms (a 10.0 ms frame"), stderr)
        XCTAssertTrue(stderr.contains("closed; playing on for 0.2 s"), stderr)

        // Each event took effect in the frame it arrived in, at that frame's first sample:
        // latency in frames, from arrival to the end of its frame, is under one frame.
        XCTAssertEqual(events.map { $0["event"] as! String }, ["note_on", "note_off"])
        XCTAssertEqual(events.map { $0["key"] as! Int }, [60, 60])
        for e in events {
            let arrival = e["arrival_frame"] as! Double, frame = e["frame"] as! Int
            XCTAssertEqual(frame, Int(arrival.rounded(.down)))
            XCTAssertLessThan(Double(frame + 1) - arrival, 1.0 + 1e-9)
            XCTAssertEqual(e["sample"] as! Int, frame * 160)
        }
        let on = events[0]["arrival_frame"] as! Double, off = events[1]["arrival_frame"] as! Double
        XCTAssertEqual(off - on, 30, accuracy: 10, "0.3 s apart, 10 ms frames")
        // Generation paced by the clock: about as many samples as the session lasted, through the tail.
        let played = samples.count
        XCTAssertGreaterThanOrEqual(played, (events[1]["sample"] as! Int) + 3000, "the tail after the source closed")
        XCTAssertLessThan(played, 16000 * 5, "not run ahead of the clock")
    }

    func testTheShippedInstrumentPlaysTheKeyItIsSent() throws {
        // Silence before the note-on; after the frame it took effect in, the played key (A4, its
        // fundamental and octave) far above the same band a tritone away.
        let root = makeTemporaryFolder(self)
        let model = packageRoot + "/Checkpoints/piano-notes.safetensors"
        let (_, events, samples) = try playLive(model: model, root: root, script: [(0.5, [0x90, 69, 100]), (0.7, [0x80, 69, 64])],
                                                tail: "0.3")
        XCTAssertEqual(events.map { $0["event"] as! String }, ["note_on", "note_off"])
        let on = events[0]["sample"] as! Int
        XCTAssertGreaterThan(on, 4000)
        XCTAssertGreaterThan(samples.count, on + 8000)
        func rms(_ range: Range<Int>) -> Double { (samples[range].reduce(0.0) { $0 + Double($1 * $1) } / Double(range.count)).squareRoot() }
        let before = rms(on - 4000..<on), after = rms(on + 800..<on + 8000)
        XCTAssertLessThan(before, 0.03, "not silent before the note-on")
        XCTAssertGreaterThan(after, 5 * before, "no note after the note-on")
        let note = Array(samples[on + 800..<on + 8000])
        func band(_ f: Double) -> Double { power(of: note, at: f, sampleRate: 16000) + power(of: note, at: 2 * f, sampleRate: 16000) }
        XCTAssertGreaterThan(band(440), 10 * band(440 * pow(2, 0.5)), "A4 is not the loudest of A4 and D#5")
    }

    func testLiveInputRefusals() throws {
        let root = makeTemporaryFolder(self)
        let model = try trainTinyNotesModel(root)
        let mel = packageRoot + "/Tests/WaveNetTests/Fixtures/local-mel.safetensors"
        let device = "file:'\(root)/x.raw',raw"
        try Data([0x90, 60, 100]).write(to: URL(fileURLWithPath: root + "/song.bytes"))
        assertRefusal(try runWavenet(["play", "--checkpoint", model, "--midi-in", root + "/song.bytes", "--device", device]),
                      path: root + "/song.bytes", problem: "is a regular file")
        assertRefusal(try runWavenet(["play", "--checkpoint", model, "--midi-in", root + "/none", "--device", device]),
                      path: root + "/none", problem: "no such file")
        let alsa = try runWavenet(["play", "--checkpoint", model, "--midi-in", "hw:7,0,0", "--device", device])
        XCTAssertEqual(alsa.status, 1, alsa.stderr)
        XCTAssertTrue(alsa.stderr.contains("ALSA raw MIDI device hw:7,0,0: cannot open for input"), alsa.stderr)
        XCTAssertEqual(alsa.stderr.split(separator: "\n").count, 1, alsa.stderr)
        XCTAssertEqual(mkfifo(root + "/keys", 0o600), 0)
        assertRefusal(try runWavenet(["play", "--checkpoint", mel, "--midi-in", root + "/keys", "--device", device]),
                      path: mel, problem: "plays live only as a notes model")
        for arguments in [["--midi-log", root + "/l.jsonl"], ["--midi-in", root + "/keys", "--seconds", "1"],
                          ["--midi-in", root + "/keys", "--from", root + "/a.mid"], ["--midi-in", ""]] {
            XCTAssertEqual(try runWavenet(["play", "--checkpoint", model, "--device", device] + arguments).status, 64, "\(arguments)")
        }
        XCTAssertEqual(try runWavenet(["play", "--list-midi"]).status, 0)
    }
}
