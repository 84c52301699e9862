/// The `notes` features (MODEL_SPEC.md): per frame of `hop` samples, for each key `low ... high`,
/// the velocity / 127 of the loudest note holding it, then 1 where a note of that key starts in
/// the frame. Frames are time-major, [frames][2K], as the corpus and the generator read them.
public struct PianoRoll: Sendable {
    public let sampleRate: Int, hop: Int, low: Int, high: Int

    public init(sampleRate: Int, hop: Int, low: Int, high: Int) {
        precondition(sampleRate > 0 && hop > 0 && 0 <= low && low <= high && high <= 127)
        (self.sampleRate, self.hop, self.low, self.high) = (sampleRate, hop, low, high)
    }

    public var keys: Int { high - low + 1 }
    public var channels: Int { 2 * keys }

    /// Times to frame positions in Double, with 1e-9 frames of slack before rounding so that an
    /// onset exactly on a frame boundary lands in that frame however the seconds were summed.
    func position(_ seconds: Double) -> Double { seconds * Double(sampleRate) / Double(hop) }
    func firstFrame(_ on: Double) -> Int { Int((position(on) + 1e-9).rounded(.down)) }
    func lastFrame(on: Double, off: Double) -> Int { max(firstFrame(on), Int((position(off) - 1e-9).rounded(.up)) - 1) }

    /// Frames of a MIDI file alone: 1 + ceil(end * sr / hop).
    public func frameCount(_ notes: MIDINotes) -> Int { 1 + max(0, Int((position(notes.end) - 1e-9).rounded(.up))) }

    /// Frames paired with T samples of audio: 1 + T / hop.
    public func frameCount(samples: Int) -> Int { 1 + samples / hop }

    public struct Roll: Equatable, Sendable {
        /// [frames][channels], time-major.
        public var values: [Float]
        public var frames: Int
        /// Notes whose key lies outside low...high (left out, for the warning).
        public var outOfRange: Int
        /// Notes inside the range (0: nothing for the model to play).
        public var inRange: Int
    }

    public func roll(_ notes: MIDINotes, frames: Int) -> Roll {
        let K = keys, F = channels
        var values = [Float](repeating: 0, count: frames * F)
        var outside = 0, inside = 0
        for note in notes.notes {
            guard (low...high).contains(note.key) else { outside += 1; continue }
            inside += 1
            let k = note.key - low, first = firstFrame(note.on), last = min(lastFrame(on: note.on, off: note.off), frames - 1)
            let level = Float(note.velocity) / 127
            guard first < frames else { continue }  // starts after the audio ends
            for f in first...last { values[f * F + k] = max(values[f * F + k], level) }
            values[first * F + K + k] = 1
        }
        return Roll(values: values, frames: frames, outOfRange: outside, inRange: inside)
    }
}
