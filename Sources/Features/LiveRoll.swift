/// The notes features of a live performance, frame by frame: events arrive with their time (in
/// frames, fractional) and each frame is complete once time has passed its end, so a live
/// instrument plays one hop behind the keys. The frames equal `PianoRoll`'s for the same notes
/// (a key counts in a frame if it was held at the frame's start or struck inside it; its onset
/// channel is 1 in the frame of its note-on; the sustain pedal holds released keys), which the
/// tests check against whole files.
public struct LiveRoll: Sendable {
    public let piano: PianoRoll
    /// The frame being collected; frames before it have been returned.
    public private(set) var frame = 0
    /// Velocities of sounding notes per channel * 128 + key, and released notes the pedal holds.
    var sounding: [Int: [Int]] = [:]
    var sustained: [[(key: Int, velocity: Int)]] = Array(repeating: [], count: 16)
    var pedalDown = [Bool](repeating: false, count: 16)
    /// Held levels at the current frame's start (after the events exactly at it), once an event
    /// inside the frame has come; nil until then.
    var atStart: [Float]?
    var struck: [Float]
    var onsets: [Bool]

    public init(_ piano: PianoRoll) {
        self.piano = piano
        struck = [Float](repeating: 0, count: piano.keys)
        onsets = [Bool](repeating: false, count: piano.keys)
    }

    /// The frame position of a time in seconds.
    public func position(seconds: Double) -> Double { piano.position(seconds) }

    /// Applies `event` at `position` (frames); returns the frames that time completed, each
    /// [2K]. Positions must not decrease.
    public mutating func apply(_ event: MIDIFile.Event, at position: Double) -> [[Float]] {
        let frames = advance(to: position)
        if atStart == nil && position - Double(frame) > 1e-9 { atStart = held() }
        switch event {
        case .noteOn(let channel, let key, let velocity) where channel != 9:
            sounding[channel * 128 + key, default: []].append(velocity)
            if let k = index(key) {
                struck[k] = max(struck[k], Float(velocity) / 127)
                onsets[k] = true
            }
        case .noteOff(let channel, let key) where channel != 9:
            guard let velocities = sounding.removeValue(forKey: channel * 128 + key) else { break }
            if pedalDown[channel] { sustained[channel] += velocities.map { (key, $0) } }
        case .controller(let channel, 64, let value):
            let down = value >= 64
            if pedalDown[channel] && !down { sustained[channel] = [] }
            pedalDown[channel] = down
        default:
            break
        }
        return frames
    }

    /// Releases every key and the pedals at `position`, as the end of a file or of a live source
    /// does; returns the frames completed before it.
    public mutating func releaseAll(at position: Double) -> [[Float]] {
        let frames = advance(to: position)
        if atStart == nil && position - Double(frame) > 1e-9 { atStart = held() }
        sounding = [:]
        sustained = Array(repeating: [], count: 16)
        pedalDown = [Bool](repeating: false, count: 16)
        return frames
    }

    /// Completes every frame that ends at or before `position`.
    public mutating func advance(to position: Double) -> [[Float]] {
        var frames: [[Float]] = []
        while Double(frame + 1) <= position + 1e-9 { frames.append(emit()) }
        return frames
    }

    mutating func emit() -> [Float] {
        let K = piano.keys
        let base = atStart ?? held()
        var out = [Float](repeating: 0, count: 2 * K)
        for k in 0..<K {
            out[k] = max(base[k], struck[k])
            out[K + k] = onsets[k] ? 1 : 0
        }
        struck = [Float](repeating: 0, count: K)
        onsets = [Bool](repeating: false, count: K)
        atStart = nil
        frame += 1
        return out
    }

    func index(_ key: Int) -> Int? { (piano.low...piano.high).contains(key) ? key - piano.low : nil }

    /// The level of every key now: its loudest sounding or sustained note.
    func held() -> [Float] {
        var level = [Float](repeating: 0, count: piano.keys)
        for (id, velocities) in sounding { if let k = index(id % 128) { level[k] = max(level[k], Float(velocities.max()!) / 127) } }
        for notes in sustained { for n in notes { if let k = index(n.key) { level[k] = max(level[k], Float(n.velocity) / 127) } } }
        return level
    }
}
