import Features
import Foundation
import XCTest

/// The `notes` features of MODEL_SPEC.md from MIDI files, against `scripts/make_midi_fixture.py`
/// (mido's parser and tempo handling, the roll rules written from the spec in Python).
final class MIDITests: XCTestCase {
    let fixtures = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/midi").path

    func load(_ name: String) throws -> MIDINotes {
        try MIDINotes(try MIDIFile.parse(try Data(contentsOf: URL(fileURLWithPath: "\(fixtures)/\(name).mid"))))
    }

    func testPianoRollsEqualTheIndependentReference() throws {
        for name in ["format0", "format1"] {
            let notes = try load(name)
            let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(fixtures)/\(name).json"))) as! [String: Any]
            XCTAssertEqual(notes.end, summary["end"] as! Double, accuracy: 1e-9, name)
            XCTAssertEqual(notes.drumNotes, summary["drum_notes"] as! Int, name)
            XCTAssertEqual(notes.notes.count, summary["notes"] as! Int, name)
            for (suffix, low, high) in [("", 21, 108), ("-narrow", 60, 72)] {
                let key = suffix.replacingOccurrences(of: "-", with: "_")
                let piano = PianoRoll(sampleRate: 16000, hop: 160, low: low, high: high)
                let frames = piano.frameCount(notes)
                XCTAssertEqual(frames, summary["frames" + key] as! Int, "\(name)\(suffix)")
                let roll = piano.roll(notes, frames: frames)
                XCTAssertEqual(roll.inRange, summary["in_range" + key] as! Int, "\(name)\(suffix)")
                XCTAssertEqual(roll.outOfRange, summary["out_of_range" + key] as! Int, "\(name)\(suffix)")
                let reference = try Npy.parse(try Data(contentsOf: URL(fileURLWithPath: "\(fixtures)/\(name)\(suffix).npy")))
                XCTAssertEqual(reference.shape, [frames, piano.channels])
                var mismatches: [String] = []
                for f in 0..<frames {
                    for c in 0..<piano.channels where abs(roll.values[f * piano.channels + c] - reference.values[f * piano.channels + c]) > 1e-7 {
                        mismatches.append("frame \(f) channel \(c): \(roll.values[f * piano.channels + c]) vs \(reference.values[f * piano.channels + c])")
                    }
                }
                XCTAssertEqual(mismatches.prefix(5), [], "\(name)\(suffix): \(mismatches.count) values differ")
            }
        }
    }

    /// What the fixtures are built to show, read off the Swift notes directly.
    func testSustainOverlapsAndBoundaries() throws {
        let zero = try load("format0")
        // The re-struck 60 overlaps the first: both end at the one velocity-0 note-on.
        let sixty = zero.notes.filter { $0.key == 60 }
        XCTAssertEqual(sixty.count, 2)
        XCTAssertEqual(sixty[0].off, sixty[1].off)
        // The note-on at tick 200 = 1.25 s lands in frame 125 exactly.
        let piano = PianoRoll(sampleRate: 16000, hop: 160, low: 21, high: 108)
        let roll = piano.roll(zero, frames: piano.frameCount(zero))
        XCTAssertEqual(roll.values[125 * 176 + 88 + 0], 1, "onset of key 21 in frame 125")
        XCTAssertEqual(roll.values[124 * 176 + 0], 0, "nothing of key 21 before it")
        XCTAssertEqual(roll.values[125 * 176 + 0], 1.0 / 127, accuracy: 1e-9)

        let one = try load("format1")
        // Key 48 is released under the pedal (tick 300) and rings to the pedal-up (tick 900).
        let c3 = one.notes.first { $0.key == 48 }!
        let pedalUp = (700 * 0.5 + 200 * 0.25) / 480  // 700 ticks at 120 bpm, then 200 at 240 bpm
        XCTAssertEqual(c3.off, pedalUp, accuracy: 1e-12)
        // Channel 2 has no pedal: its note ends at its note-off; the re-strike at the same tick starts anew.
        let c5 = one.notes.filter { $0.key == 72 }
        XCTAssertEqual(c5.map(\.velocity), [30, 99])
        XCTAssertEqual(c5[0].off, c5[1].on)
        XCTAssertEqual(one.drumNotes, 1)
        XCTAssertFalse(one.notes.contains { $0.channel == 9 })
        // Paired with audio, the frame count comes from the audio.
        XCTAssertEqual(piano.frameCount(samples: 16000), 101)
        XCTAssertEqual(piano.roll(one, frames: 10).values.count, 10 * 176)
    }

    // MARK: - Malformed files

    /// A Standard MIDI File from raw track bodies.
    func smf(format: Int = 1, division: Int = 96, tracks: [[UInt8]], declaredTracks: Int? = nil) -> [UInt8] {
        func be(_ v: Int, _ n: Int) -> [UInt8] { (0..<n).reversed().map { UInt8((v >> (8 * $0)) & 0xFF) } }
        var bytes = Array("MThd".utf8) + be(6, 4) + be(format, 2) + be(declaredTracks ?? tracks.count, 2) + be(division, 2)
        for t in tracks { bytes += Array("MTrk".utf8) + be(t.count, 4) + t }
        return bytes
    }

    let endOfTrack: [UInt8] = [0x00, 0xFF, 0x2F, 0x00]
    let note: [UInt8] = [0x00, 0x90, 60, 100, 0x60, 60, 0]  // note-on, then running status velocity 0

    func assertInvalid(_ bytes: [UInt8], _ problem: String, file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try MIDINotes(try MIDIFile.parse(Data(bytes)))
            XCTFail("accepted; expected \"\(problem)\"", file: file, line: line)
        } catch let error as FeatureError {
            XCTAssertTrue(error.description.contains(problem), "\(error.description) does not say \"\(problem)\"", file: file, line: line)
            XCTAssertFalse(error.description.contains("\n"), "one line", file: file, line: line)
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
        }
    }

    func testAValidMinimalFileParses() throws {
        let notes = try MIDINotes(try MIDIFile.parse(Data(smf(tracks: [note + endOfTrack]))))
        XCTAssertEqual(notes.notes.map(\.key), [60])
        XCTAssertEqual(notes.notes[0].off, 0.5, accuracy: 1e-12)  // 96 ticks at 120 bpm
    }

    /// SMPTE time: 25 frames per second, 40 ticks per frame, 1000 ticks a second; tempo events do not apply.
    func testSMPTEDivision() throws {
        let tempo: [UInt8] = [0x00, 0xFF, 0x51, 0x03, 0x0F, 0x42, 0x40]  // 1 s per quarter note: ignored
        let file = smf(division: 0xE728, tracks: [tempo + [0x83, 0x74, 0x90, 60, 100, 0x83, 0x74, 60, 0] + endOfTrack])
        let notes = try MIDINotes(try MIDIFile.parse(Data(file)))
        XCTAssertEqual(notes.notes.map(\.on), [0.5])
        XCTAssertEqual(notes.notes.map(\.off), [1.0])
    }

    func testEachMalformedCaseIsOneLine() {
        let good = smf(tracks: [note + endOfTrack])
        assertInvalid([], "too short")
        assertInvalid(Array("RIFF".utf8) + [UInt8](repeating: 0, count: 20), "wrong magic")
        assertInvalid(Array(good.prefix(10)), "truncated header")
        assertInvalid(Array(good.dropLast(3)), "track 1 is truncated")
        assertInvalid(smf(tracks: [note + endOfTrack], declaredTracks: 2), "1 of 2 tracks present")
        var huge = good
        huge[18...21] = [0x7F, 0xFF, 0xFF, 0xFF]  // the track's length
        assertInvalid(huge, "track 1 is truncated")
        assertInvalid(smf(format: 2, tracks: [note + endOfTrack]), "format 2")
        assertInvalid(smf(format: 0, tracks: [note + endOfTrack, endOfTrack]), "format 0 with 2 tracks")
        assertInvalid(smf(division: 0, tracks: [note + endOfTrack]), "division of 0")
        assertInvalid(smf(tracks: [[0x00, 60, 100] + endOfTrack]), "running status with no status")
        assertInvalid(smf(tracks: [[0x00, 0x90, 60, 0xC0] + endOfTrack]), "data byte 0xC0")
        assertInvalid(smf(tracks: [[0x00, 0x90, 60]]), "truncated channel message")
        assertInvalid(smf(tracks: [[0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0x90, 60, 1] + endOfTrack]), "delta time longer than 4 bytes")
        assertInvalid(smf(tracks: [[0x00, 0xFF, 0x51, 0x02, 0x07, 0xA1] + note + endOfTrack]), "tempo event of 2 bytes")
        assertInvalid(smf(tracks: [[0x00, 0xFF, 0x51, 0x03, 0, 0, 0] + note + endOfTrack]), "tempo of 0")
        assertInvalid(smf(tracks: [[0x00, 0xFF, 0x01, 0x7F, 0x41] + endOfTrack]), "meta event of 127 bytes past the end")
        assertInvalid(smf(tracks: [[0x00, 0xF0, 0x06, 0x01] + endOfTrack]), "SysEx of 6 bytes past the end")
        assertInvalid(smf(tracks: [[0x00, 0xF4] + endOfTrack]), "status byte 0xF4")
        // The slowest tempo and a long delta: far more than a day.
        assertInvalid(smf(division: 1, tracks: [[0x00, 0xFF, 0x51, 0x03, 0xFF, 0xFF, 0xFF] + [0x00, 0x90, 60, 100, 0x8F, 0xFF, 0xFF, 0x7F, 60, 0] + endOfTrack]),
                      "more than 24 hours")
        assertInvalid(smf(tracks: [endOfTrack]), "has no notes")
        assertInvalid(smf(tracks: [[0x00, 0x99, 36, 100, 0x10, 36, 0] + endOfTrack]), "only drum notes")
    }

    /// Truncating a valid file at every byte and flipping every byte never traps: each read is
    /// bounds-checked (the fuzz target mutates MIDI files further).
    func testEveryPrefixAndEveryFlippedByteIsHandled() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(fixtures)/format1.mid")))
        var accepted = 0
        for n in 0..<bytes.count {
            if (try? MIDINotes(try MIDIFile.parse(Data(bytes.prefix(n))))) != nil { accepted += 1 }
        }
        for i in 0..<bytes.count {
            for flip: UInt8 in [0x80, 0xFF, 0x01] {
                var mutated = bytes
                mutated[i] ^= flip
                _ = try? MIDINotes(try MIDIFile.parse(Data(mutated)))
            }
        }
        XCTAssertLessThan(accepted, bytes.count, "most prefixes are truncated files")
    }
}
