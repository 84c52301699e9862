import Features
import Foundation
import XCTest

/// The live path's two halves without a device: the byte-stream parser, and frames built as
/// events arrive, which must equal the whole-file piano roll.
final class LiveMIDITests: XCTestCase {
    func events(_ bytes: [UInt8]) -> [MIDIFile.Event] {
        var stream = MIDIStream()
        return bytes.compactMap { stream.push($0) }
    }

    func testRunningStatusRealTimeBytesAndSysEx() {
        XCTAssertEqual(events([0x90, 60, 100, 64, 90, 60, 0]),
                       [.noteOn(channel: 0, key: 60, velocity: 100), .noteOn(channel: 0, key: 64, velocity: 90), .noteOff(channel: 0, key: 60)],
                       "running status, velocity 0 as note-off")
        // Clock and active sensing anywhere, even between a status and its data bytes.
        XCTAssertEqual(events([0xF8, 0x91, 0xFE, 62, 0xF8, 70, 0xFA, 63, 0xFC, 71]),
                       [.noteOn(channel: 1, key: 62, velocity: 70), .noteOn(channel: 1, key: 63, velocity: 71)])
        // SysEx is skipped (real-time bytes inside it too) and cancels running status.
        XCTAssertEqual(events([0x90, 60, 100, 0xF0, 0x7E, 0x7F, 0xF8, 0x09, 0xF7, 61, 99, 0x80, 61, 0]),
                       [.noteOn(channel: 0, key: 60, velocity: 100), .noteOff(channel: 0, key: 61)])
        // A status byte ends an unterminated SysEx; system common messages and their data are skipped.
        XCTAssertEqual(events([0xF0, 1, 2, 0x92, 50, 60, 0xF2, 10, 20, 0xF3, 5, 0xF6, 0x82, 50, 0]),
                       [.noteOn(channel: 2, key: 50, velocity: 60), .noteOff(channel: 2, key: 50)])
        // Stray data bytes with no status, program changes (one data byte), the sustain pedal.
        XCTAssertEqual(events([5, 6, 0xC0, 3, 0xB0, 64, 127, 64, 0]),
                       [.other, .controller(channel: 0, number: 64, value: 127), .controller(channel: 0, number: 64, value: 0)])
    }

    /// Feeding a file's events one by one, at their times, gives the file's piano roll, frame
    /// for frame, sustain, overlaps, tempo changes and drums included.
    func testLiveFramesEqualTheFilesPianoRoll() throws {
        let fixtures = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/midi").path
        for name in ["format0", "format1"] {
            let file = try MIDIFile.parse(try Data(contentsOf: URL(fileURLWithPath: "\(fixtures)/\(name).mid")))
            let notes = try MIDINotes(file)
            for (low, high, hop) in [(21, 108, 160), (60, 72, 80), (40, 90, 333)] {
                let piano = PianoRoll(sampleRate: 16000, hop: hop, low: low, high: high)
                let frames = piano.frameCount(notes)
                var live = LiveRoll(piano)
                var produced: [Float] = []
                for (seconds, event) in MIDINotes.timedEvents(file) {
                    for frame in live.apply(event, at: live.position(seconds: seconds)) { produced += frame }
                }
                // The file's end releases what still sounds, as a source that closes does.
                for frame in live.releaseAll(at: live.position(seconds: notes.end)) { produced += frame }
                for frame in live.advance(to: Double(frames)) { produced += frame }
                let reference = piano.roll(notes, frames: frames).values
                XCTAssertEqual(produced.count, reference.count, "\(name) hop \(hop)")
                let differing = zip(produced, reference).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
                XCTAssertEqual(differing.prefix(4).map { "frame \($0 / piano.channels) channel \($0 % piano.channels)" }, [],
                               "\(name) keys \(low)...\(high) hop \(hop): \(differing.count) values differ")
            }
        }
    }
}
