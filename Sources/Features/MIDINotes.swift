/// The notes of a MIDI file in seconds (MODEL_SPEC.md, "`notes` features"): every track merged,
/// a note sounding from its note-on to its note-off and on while the sustain pedal holds it, times
/// from the tempo map (tempo events in any track apply to all). Drums (channel 10) are left out.
public struct MIDINotes: Equatable, Sendable {
    public struct Note: Equatable, Sendable {
        public var channel: Int, key: Int, velocity: Int
        /// Seconds from the start of the song.
        public var on: Double, off: Double
    }

    /// Sorted by onset, then key.
    public var notes: [Note]
    /// The time of the last event of any kind.
    public var end: Double
    /// Notes on channel 10 (index 9), which the features leave out.
    public var drumNotes: Int

    /// The longest song accepted, in seconds.
    public static let secondsLimit = 86_400.0

    public init(_ file: MIDIFile) throws {
        let timed = Self.timedEvents(file)
        let end = timed.last?.seconds ?? 0
        guard end <= Self.secondsLimit else {
            throw FeatureError.invalid("not a valid MIDI file: it lasts \(Int(end)) s, more than 24 hours (absurd tempo or length)")
        }

        var open: [Int: [(on: Double, velocity: Int)]] = [:]  // channel * 128 + key
        var pedalDown = [Bool](repeating: false, count: 16)
        var sustained: [[Note]] = Array(repeating: [], count: 16)  // released while the pedal was down
        var done: [Note] = []
        var drums = 0
        for (now, event) in timed {
            switch event {
            case .noteOn(let channel, let key, let velocity):
                if channel == 9 { drums += 1; continue }
                open[channel * 128 + key, default: []].append((now, velocity))
            case .noteOff(let channel, let key):
                // Ends every open note of its channel and key.
                guard let notes = open.removeValue(forKey: channel * 128 + key) else { continue }
                for n in notes {
                    let note = Note(channel: channel, key: key, velocity: n.velocity, on: n.on, off: now)
                    if pedalDown[channel] { sustained[channel].append(note) } else { done.append(note) }
                }
            case .controller(let channel, 64, let value):
                let down = value >= 64
                if pedalDown[channel] && !down {
                    done += sustained[channel].map { var n = $0; n.off = now; return n }
                    sustained[channel] = []
                }
                pedalDown[channel] = down
            default:
                break
            }
        }
        // What is still sounding at the end stops there.
        for (id, notes) in open { for n in notes { done.append(Note(channel: id / 128, key: id % 128, velocity: n.velocity, on: n.on, off: end)) } }
        for channel in 0..<16 { done += sustained[channel].map { var n = $0; n.off = end; return n } }
        guard !done.isEmpty else {
            throw FeatureError.invalid(drums > 0 ? "has only drum notes (channel 10), which the notes features leave out" : "has no notes")
        }
        notes = done.sorted { ($0.on, $0.key, $0.off) < ($1.on, $1.key, $1.off) }
        drumNotes = drums
        self.end = end
    }

    /// Every track's events merged in time order, in seconds: ties keep track order, then file
    /// order (a stable sort), so a note-off and a note-on of one key at one tick stay in order.
    public static func timedEvents(_ file: MIDIFile) -> [(seconds: Double, event: MIDIFile.Event)] {
        var merged: [(tick: Int, event: MIDIFile.Event)] = []
        for track in file.tracks { for e in track { merged.append((e.tick, e.event)) } }
        merged = merged.enumerated().sorted { ($0.element.tick, $0.offset) < ($1.element.tick, $1.offset) }.map(\.element)
        let clock = TempoMap(division: file.division, tempi: merged.compactMap { if case .tempo(let t) = $0.event { ($0.tick, t) } else { nil } })
        return merged.map { (clock.seconds($0.tick), $0.event) }
    }

    /// Ticks to seconds: exact integer products of ticks and microseconds per quarter note up to
    /// each tempo change, one division at the end.
    struct TempoMap {
        let division: MIDIFile.Division
        /// (tick, tempo) in tick order, starting with 120 bpm at tick 0.
        var segments: [(tick: Int, tempo: Int, microsecondTicks: Double)] = []

        init(division: MIDIFile.Division, tempi: [(Int, Int)]) {
            self.division = division
            var current = (tick: 0, tempo: 500_000, microsecondTicks: 0.0)
            segments = [current]
            for (tick, tempo) in tempi {
                // microsecondTicks: Σ ticks × tempo before this segment (µs × ticks per quarter).
                let accumulated = current.microsecondTicks + Double(tick - current.tick) * Double(current.tempo)
                current = (tick, tempo, accumulated)
                if segments.last!.tick == tick { segments[segments.count - 1] = current } else { segments.append(current) }
            }
        }

        func seconds(_ tick: Int) -> Double {
            switch division {
            case .smpte(let fps, let perFrame):
                let rate = fps == 29 ? 30_000.0 / 1001 : Double(fps)
                return Double(tick) / (rate * Double(perFrame))
            case .ticksPerQuarter(let ppq):
                // The last segment starting at or before `tick` (binary search).
                var lo = 0, hi = segments.count - 1
                while lo < hi {
                    let mid = (lo + hi + 1) / 2
                    if segments[mid].tick <= tick { lo = mid } else { hi = mid - 1 }
                }
                let s = segments[lo]
                return (s.microsecondTicks + Double(tick - s.tick) * Double(s.tempo)) / (Double(ppq) * 1e6)
            }
        }
    }
}
