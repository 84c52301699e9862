/// A live MIDI byte stream (a keyboard through ALSA raw MIDI, a FIFO) turned into events, one
/// byte at a time: running status; real-time bytes (0xF8...0xFF) skipped anywhere, inside
/// running status and SysEx too; SysEx (0xF0 ... 0xF7) and system common messages skipped, both
/// cancelling running status; stray data bytes with no status ignored.
public struct MIDIStream: Sendable {
    var running: UInt8?
    var data: [UInt8] = []
    /// Data bytes still to skip for a system common message.
    var skipping = 0
    var inSysEx = false

    public init() {}

    /// The event `byte` completes, if any.
    public mutating func push(_ byte: UInt8) -> MIDIFile.Event? {
        if byte >= 0xF8 { return nil }  // real time: clock, start, stop, active sensing, reset
        if byte >= 0x80 {
            inSysEx = false
            data = []
            skipping = 0
            switch byte {
            case 0xF0: inSysEx = true; running = nil
            case 0xF7: running = nil
            case 0xF1, 0xF3: skipping = 1; running = nil
            case 0xF2: skipping = 2; running = nil
            case 0xF4...0xF6: running = nil
            default: running = byte
            }
            return nil
        }
        if inSysEx { return nil }
        if skipping > 0 { skipping -= 1; return nil }
        guard let status = running else { return nil }
        data.append(byte)
        let kind = status >> 4, channel = Int(status & 0x0F)
        guard data.count == (kind == 0xC || kind == 0xD ? 1 : 2) else { return nil }
        defer { data = [] }
        switch kind {
        case 0x9 where data[1] > 0: return .noteOn(channel: channel, key: Int(data[0]), velocity: Int(data[1]))
        case 0x8, 0x9: return .noteOff(channel: channel, key: Int(data[0]))
        case 0xB: return .controller(channel: channel, number: Int(data[0]), value: Int(data[1]))
        default: return .other
        }
    }
}
