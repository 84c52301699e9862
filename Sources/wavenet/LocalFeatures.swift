import AudioIO
import Features
import FileIO
import Foundation
import WaveNet

/// The feature frames a locally conditioned model reads from a file (`--from`, `features`, and a
/// notes model's training pairs), in one place: mel models read audio or a `.npy`, notes models a
/// MIDI file or a `.npy`. Frames are [frames, F] time-major, as the model reads them.
enum LocalFeatures {
    static func isMIDI(_ path: String) -> Bool {
        ["mid", "midi", "smf"].contains((path as NSString).pathExtension.lowercased())
    }

    static func isNpy(_ path: String) -> Bool { (path as NSString).pathExtension.lowercased() == "npy" }

    /// The frames of `path` and the samples they give: a `.npy` (frames - 1) * hop; audio its own
    /// length (resynthesis); a MIDI file its length plus `tail` seconds of zero frames, so that
    /// the last notes ring out (0 gives exactly the spec's frames).
    static func read(_ path: String, local: LocalConfig, sampleRate: Int, tail: Double = 0) throws -> (frames: [Float], samples: Int) {
        do {
            if isNpy(path) {
                let array = try FeatureFrames(Npy.parse(RegularFile.read(path, limit: 1 << 30)), channels: local.channels)
                return (CorpusLoader.timeMajor(array.values, channels: local.channels), (array.frames - 1) * local.hop)
            }
            switch local.features {
            case .mel:
                if isMIDI(path) {
                    throw FeatureError.invalid("a MIDI file gives notes features, but this model reads mel features: give audio or a .npy of mels")
                }
                let audio = try AudioFile.readMono(path, sampleRate: sampleRate)
                audio.warnings.forEach(printStatus)
                let mel = try CorpusLoader.melSpectrogram(local, sampleRate: sampleRate)
                return (CorpusLoader.timeMajor(try mel.features(audio.samples), channels: local.channels), audio.samples.count)
            case .notes:
                guard isMIDI(path) else {
                    throw FeatureError.invalid("this model reads notes features (a piano roll): give a MIDI file (.mid) or a .npy, not audio")
                }
                let piano = pianoRoll(local, sampleRate: sampleRate)
                let notes = try midiNotes(path)
                let tailFrames = Int((tail * Double(sampleRate) / Double(local.hop)).rounded(.up))
                let frames = piano.frameCount(notes) + tailFrames
                let roll = try checkedRoll(piano, notes, frames: frames, path: path)
                return (roll.values, (frames - 1) * local.hop)
            }
        } catch let error as FeatureError {
            throw FileError(path, error.description)
        }
    }

    static func pianoRoll(_ local: LocalConfig, sampleRate: Int) -> PianoRoll {
        PianoRoll(sampleRate: sampleRate, hop: local.hop, low: local.low ?? 21, high: local.high ?? 108)
    }

    /// The notes of a MIDI file (a regular file, read within MIDIFile.byteLimit).
    static func midiNotes(_ path: String) throws -> MIDINotes {
        do {
            return try MIDINotes(MIDIFile.parse(RegularFile.read(path, limit: MIDIFile.byteLimit)))
        } catch let error as FeatureError {
            throw FileError(path, error.description)
        }
    }

    /// The roll, with warnings for the notes left out; an error when none is left.
    static func checkedRoll(_ piano: PianoRoll, _ notes: MIDINotes, frames: Int, path: String) throws -> PianoRoll.Roll {
        let roll = piano.roll(notes, frames: frames)
        if notes.drumNotes > 0 { printStatus("warning: \(path): \(notes.drumNotes) drum notes (channel 10) left out") }
        guard roll.inRange > 0 else {
            throw FileError(path, "no notes in the model's keys \(piano.low)...\(piano.high) (all \(roll.outOfRange) lie outside)")
        }
        if roll.outOfRange > 0 { printStatus("warning: \(path): \(roll.outOfRange) notes outside keys \(piano.low)...\(piano.high) left out") }
        return roll
    }

    /// The MIDI file paired with an audio file: the same name stem in the same folder.
    static func pairedMIDI(for audio: String) -> String? {
        let stem = (audio as NSString).deletingPathExtension
        return ["mid", "midi", "MID", "MIDI"].map { stem + "." + $0 }.first { FileManager.default.fileExists(atPath: $0) }
    }
}
