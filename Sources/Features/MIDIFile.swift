import Foundation

/// A Standard MIDI File, format 0 or 1, parsed from its bytes: every track's events at absolute
/// ticks. Only what the notes features read is kept (notes, sustain pedal, tempo); the rest is
/// checked for well-formedness and skipped.
///
/// Our own parser, not Debian's libsmf 1.3: that one aborts the process on a truncated track or
/// a track length past the end of the file (an `assert` in smf_load.c), and bad input here must
/// get a one-line error instead. Every length read from the file is checked against the bytes
/// that remain before it is used.
public struct MIDIFile: Equatable, Sendable {
    public enum Event: Equatable, Sendable {
        /// A note-on with velocity 0 arrives as `noteOff`.
        case noteOn(channel: Int, key: Int, velocity: Int)
        case noteOff(channel: Int, key: Int)
        case controller(channel: Int, number: Int, value: Int)
        /// Microseconds per quarter note, from this tick on, in every track.
        case tempo(Int)
        /// Anything else (program changes, other meta events, SysEx): it still ends the song's span.
        case other
    }

    public struct TimedEvent: Equatable, Sendable {
        public var tick: Int
        public var event: Event
    }

    public enum Division: Equatable, Sendable {
        case ticksPerQuarter(Int)
        /// SMPTE time: frames per second and ticks per frame; tempo events do not apply.
        case smpte(framesPerSecond: Int, ticksPerFrame: Int)
    }

    public var format: Int
    public var division: Division
    public var tracks: [[TimedEvent]]

    /// The largest file read (a MIDI file of an hour of dense piano is well under a megabyte).
    public static let byteLimit = 64 << 20
    /// The longest song accepted, in ticks (far beyond 24 hours at any sane tempo).
    static let tickLimit = 1 << 40

    public static func parse(_ data: Data) throws -> MIDIFile {
        let bytes = [UInt8](data)
        var reader = Reader(bytes: bytes)
        func fail(_ problem: String) -> FeatureError { .invalid("not a valid MIDI file: \(problem)") }
        guard bytes.count >= 4, bytes[0..<4].elementsEqual(Array("MThd".utf8)) else {
            throw fail(bytes.count < 4 ? "too short (\(bytes.count) bytes)" : "no MThd header (wrong magic)")
        }
        guard bytes.count >= 14 else { throw fail("truncated header (\(bytes.count) bytes)") }
        reader.position = 4
        let headerLength = try reader.uint32(or: fail("truncated header"))
        guard headerLength >= 6, headerLength <= bytes.count - 8 else { throw fail("header length \(headerLength) does not fit the file") }
        let format = try reader.uint16(or: fail("truncated header"))
        let trackCount = try reader.uint16(or: fail("truncated header"))
        let rawDivision = try reader.uint16(or: fail("truncated header"))
        reader.position = 8 + headerLength
        guard format == 0 || format == 1 else {
            throw fail(format == 2 ? "format 2 (independent sequences) is not supported" : "unknown format \(format)")
        }
        guard trackCount >= 1 else { throw fail("the header declares no tracks") }
        if format == 0 && trackCount != 1 { throw fail("format 0 with \(trackCount) tracks") }
        let division: Division
        if rawDivision & 0x8000 != 0 {
            let fps = 256 - (rawDivision >> 8), perFrame = rawDivision & 0xFF
            guard [24, 25, 29, 30].contains(fps), perFrame > 0 else { throw fail("SMPTE division \(fps) fps x \(perFrame) is not valid") }
            division = .smpte(framesPerSecond: fps, ticksPerFrame: perFrame)
        } else {
            guard rawDivision > 0 else { throw fail("division of 0 ticks per quarter note") }
            division = .ticksPerQuarter(rawDivision)
        }
        var tracks: [[TimedEvent]] = []
        while tracks.count < trackCount {
            guard reader.remaining >= 8 else {
                throw fail("truncated: \(tracks.count) of \(trackCount) tracks present")
            }
            let id = reader.bytes[reader.position..<reader.position + 4]
            reader.position += 4
            let length = try reader.uint32(or: fail("truncated chunk header"))
            guard length <= reader.remaining else {
                throw fail("track \(tracks.count + 1) is truncated (\(length) bytes declared, \(reader.remaining) left)")
            }
            let end = reader.position + length
            if id.elementsEqual(Array("MTrk".utf8)) {
                tracks.append(try parseTrack(bytes, from: reader.position, to: end, number: tracks.count + 1, fail: fail))
            }  // other chunk kinds are skipped, as the standard asks
            reader.position = end
        }
        return MIDIFile(format: format, division: division, tracks: tracks)
    }

    static func parseTrack(_ bytes: [UInt8], from start: Int, to end: Int, number: Int,
                           fail: (String) -> FeatureError) throws -> [TimedEvent] {
        var reader = Reader(bytes: bytes, position: start, end: end)
        var events: [TimedEvent] = []
        var tick = 0
        var running: UInt8?
        func failHere(_ problem: String) -> FeatureError { fail("track \(number), byte \(reader.position): \(problem)") }
        while reader.position < end {
            tick += try reader.variableLength(or: failHere("truncated delta time"), tooLong: failHere("delta time longer than 4 bytes"))
            guard tick <= tickLimit else { throw failHere("the song is absurdly long (\(tick) ticks)") }
            guard var status = reader.peek() else { throw failHere("truncated event") }
            if status < 0x80 {
                guard let previous = running else { throw failHere("running status with no status before it") }
                status = previous
            } else {
                reader.position += 1
            }
            switch status {
            case 0xFF:
                running = nil
                guard let type = reader.next() else { throw failHere("truncated meta event") }
                let length = try reader.variableLength(or: failHere("truncated meta event"), tooLong: failHere("meta length longer than 4 bytes"))
                guard length <= reader.remaining else { throw failHere("meta event of \(length) bytes past the end of the track") }
                let body = reader.position
                reader.position += length
                switch type {
                case 0x51:
                    guard length == 3 else { throw failHere("tempo event of \(length) bytes, not 3") }
                    let tempo = Int(bytes[body]) << 16 | Int(bytes[body + 1]) << 8 | Int(bytes[body + 2])
                    guard tempo > 0 else { throw failHere("tempo of 0 microseconds per quarter note") }
                    events.append(TimedEvent(tick: tick, event: .tempo(tempo)))
                case 0x2F:
                    events.append(TimedEvent(tick: tick, event: .other))
                    return events  // end of track: the rest of the chunk is ignored
                default:
                    events.append(TimedEvent(tick: tick, event: .other))
                }
            case 0xF0, 0xF7:
                running = nil
                let length = try reader.variableLength(or: failHere("truncated SysEx"), tooLong: failHere("SysEx length longer than 4 bytes"))
                guard length <= reader.remaining else { throw failHere("SysEx of \(length) bytes past the end of the track") }
                reader.position += length
                events.append(TimedEvent(tick: tick, event: .other))
            case 0x80...0xEF:
                running = status
                let channel = Int(status & 0x0F), kind = status >> 4
                let count = kind == 0xC || kind == 0xD ? 1 : 2
                var data = [Int](repeating: 0, count: 2)
                for i in 0..<count {
                    guard let byte = reader.next() else { throw failHere("truncated channel message") }
                    guard byte < 0x80 else { throw failHere(String(format: "data byte 0x%02X has its top bit set", byte)) }
                    data[i] = Int(byte)
                }
                switch kind {
                case 0x9 where data[1] > 0: events.append(TimedEvent(tick: tick, event: .noteOn(channel: channel, key: data[0], velocity: data[1])))
                case 0x8, 0x9: events.append(TimedEvent(tick: tick, event: .noteOff(channel: channel, key: data[0])))
                case 0xB: events.append(TimedEvent(tick: tick, event: .controller(channel: channel, number: data[0], value: data[1])))
                default: events.append(TimedEvent(tick: tick, event: .other))
                }
            default:
                throw failHere(String(format: "status byte 0x%02X does not belong in a MIDI file", status))
            }
        }
        return events  // a track without an end-of-track event is accepted, as most readers do
    }

    /// Bounds-checked big-endian reads; every failure is the caller's error.
    struct Reader {
        let bytes: [UInt8]
        var position = 0
        var end: Int

        init(bytes: [UInt8], position: Int = 0, end: Int? = nil) {
            self.bytes = bytes
            self.position = position
            self.end = end ?? bytes.count
        }

        var remaining: Int { end - position }

        func peek() -> UInt8? { position < end ? bytes[position] : nil }

        mutating func next() -> UInt8? {
            guard position < end else { return nil }
            position += 1
            return bytes[position - 1]
        }

        mutating func uint16(or error: FeatureError) throws -> Int {
            guard remaining >= 2 else { throw error }
            defer { position += 2 }
            return Int(bytes[position]) << 8 | Int(bytes[position + 1])
        }

        mutating func uint32(or error: FeatureError) throws -> Int {
            guard remaining >= 4 else { throw error }
            defer { position += 4 }
            return (0..<4).reduce(0) { $0 << 8 | Int(bytes[position + $1]) }
        }

        /// A variable-length quantity: at most 4 bytes, 7 bits each.
        mutating func variableLength(or truncated: FeatureError, tooLong: FeatureError) throws -> Int {
            var value = 0
            for _ in 0..<4 {
                guard let byte = next() else { throw truncated }
                value = value << 7 | Int(byte & 0x7F)
                if byte < 0x80 { return value }
            }
            throw tooLong
        }
    }
}
