import AudioIO
import Features
import Foundation
import XCTest

/// The instrument's training audio and its MIDI agree to within 1 ms (DECISIONS: note-ons within
/// 1 ms of the audio's onsets), checked on isolated notes rendered exactly as the drills are
/// (`scripts/make_drills.py --fixture`): read with our own MIDI reader and libsndfile, so the test
/// checks the committed files, not the script's own arithmetic.
final class AlignmentTests: XCTestCase {
    let folder = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/alignment").path

    /// The first sample at or after `start` whose magnitude reaches 1% of the note's peak over the
    /// next 100 ms, and at least two 16-bit steps (fluid_timing.py's definition of an onset).
    func onset(_ audio: [Float], from start: Int, rate: Int) -> (index: Int, threshold: Float) {
        let window = audio[start..<min(audio.count, start + rate / 10)]
        let threshold = max(0.01 * (window.map(abs).max() ?? 0), 2 / 32768)
        return (window.firstIndex { abs($0) >= threshold } ?? start, threshold)
    }

    func testIsolatedNoteOnsetsAreWithinOneMillisecondOfTheirNoteOns() throws {
        let audio = try AudioFile.readMono(folder + "/isolated-notes.flac")
        let notes = try MIDINotes(try MIDIFile.parse(try Data(contentsOf: URL(fileURLWithPath: folder + "/isolated-notes.mid"))))
        XCTAssertEqual(audio.sampleRate, 16000)
        XCTAssertEqual(notes.notes.count, 7)
        let rate = audio.sampleRate
        var checked = 0
        for note in notes.notes {
            let start = Int((note.on * Double(rate)).rounded())
            // The onset search starts 5 ms early, so an onset before the note-on counts against it too.
            let early = start - rate / 200
            let (index, threshold) = onset(audio.samples, from: early, rate: rate)
            // Only where the room is quiet (a loud note's reverberation can stay above a soft
            // note's onset level): the 20 ms before the search under a tenth of the threshold.
            let before = audio.samples[(early - rate / 50)..<early].map(abs).max() ?? 0
            guard before <= max(threshold / 10, 1 / 32768) else { continue }
            let errorMS = Double(index - start) * 1000 / Double(rate)
            XCTAssertLessThanOrEqual(abs(errorMS), 1.0, "key \(note.key) velocity \(note.velocity) at \(note.on) s: onset \(errorMS) ms from its note-on")
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 4, "too few notes in quiet to check")
    }
}
