import CALSA
import FileIO
import Foundation

/// Where live MIDI bytes come from (`play --midi-in`): a FIFO or character device read as a raw
/// byte stream (a `/dev/snd/midiC*D*` node reads the same), or an ALSA raw MIDI device by name
/// (`hw:1,0,0`), opened with libasound's rawmidi API. Reads block; `read` returns nil once the
/// source has closed (the FIFO's writer went away, the device disappeared).
public final class MIDISource: @unchecked Sendable {  // read from one thread; `close` from another ends the read
    public let name: String
    private var fd: Int32 = -1
    private var rawmidi: OpaquePointer?
    /// Why the source ended, when it was an error rather than a clean close.
    public private(set) var failure: String?

    /// Opens `name`: a path that exists (a FIFO or character device; a regular file is refused,
    /// since a file of MIDI is played with --from), else an ALSA raw MIDI name.
    public init(_ name: String) throws {
        self.name = name
        if let entry = FileIdentity(name) {
            guard entry.isFIFO || entry.isCharacterDevice else {
                throw FileError(name, entry.isRegular ? "is a regular file; a MIDI file plays with --from, --midi-in reads a live stream (a FIFO, a device)"
                                                      : "is neither a FIFO nor a character device")
            }
            // A FIFO's open waits for its writer; that wait belongs to the reading thread, so open
            // without blocking here and clear the flag.
            fd = open(name, O_RDONLY | O_NONBLOCK)
            guard fd >= 0 else { throw FileError(name, "cannot open: \(String(cString: strerror(errno)))") }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        } else if name.hasPrefix("/") || name.hasPrefix(".") {
            throw FileError(name, "no such file (give a FIFO, a /dev/snd/midiC*D* node or an ALSA raw MIDI name such as hw:1,0,0)")
        } else {
            wavenet_alsa_silence_errors()
            var handle: OpaquePointer?
            let status = snd_rawmidi_open(&handle, nil, name, 0)
            guard status >= 0, let handle else {
                throw DeviceError("ALSA raw MIDI device \(name)", "cannot open for input (\(String(cString: snd_strerror(status)))); see play --list-midi")
            }
            rawmidi = handle
        }
    }

    deinit { close() }

    /// Blocks for the next bytes; nil when the source has ended.
    public func read(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        if let rawmidi {
            let n = snd_rawmidi_read(rawmidi, buffer.baseAddress, buffer.count)
            if n > 0 { return n }
            if n < 0 && n != -Int(EAGAIN) && n != -Int(EINTR) { failure = "the device stopped (\(String(cString: snd_strerror(Int32(n)))))" }
            return n == -Int(EAGAIN) || n == -Int(EINTR) ? 0 : nil
        }
        while true {
            let n = Foundation.read(fd, buffer.baseAddress, buffer.count)
            if n > 0 { everHadWriter = true; return n }
            if n == 0 {
                // A FIFO with no writer yet reads 0 as well: wait for one, then read on.
                if isFIFOWithoutWriter { usleep(2_000); continue }
                return nil
            }
            if errno == EINTR || errno == EAGAIN { continue }
            failure = "read failed (\(String(cString: strerror(errno))))"
            return nil
        }
    }

    /// A FIFO nobody has opened for writing yet (as opposed to one whose writer has gone).
    private var everHadWriter = false
    private var isFIFOWithoutWriter: Bool {
        guard !everHadWriter, FileIdentity(name)?.isFIFO == true else { return false }
        return true
    }

    public func close() {
        if fd >= 0 { Foundation.close(fd); fd = -1 }
        if let rawmidi { snd_rawmidi_close(rawmidi); self.rawmidi = nil }
    }

    /// The ALSA raw MIDI input devices: (name, description), e.g. ("hw:1,0,0", "USB Keyboard MIDI 1").
    public static func devices() -> [(name: String, description: String)] {
        wavenet_alsa_silence_errors()
        var found: [(String, String)] = []
        var card: Int32 = -1
        while snd_card_next(&card) >= 0 && card >= 0 {
            var ctl: OpaquePointer?
            guard snd_ctl_open(&ctl, "hw:\(card)", 0) >= 0, let ctl else { continue }
            defer { snd_ctl_close(ctl) }
            var device: Int32 = -1
            while snd_ctl_rawmidi_next_device(ctl, &device) >= 0 && device >= 0 {
                var info: OpaquePointer?
                snd_rawmidi_info_malloc(&info)
                defer { snd_rawmidi_info_free(info) }
                snd_rawmidi_info_set_device(info, UInt32(device))
                snd_rawmidi_info_set_stream(info, SND_RAWMIDI_STREAM_INPUT)
                let count = snd_ctl_rawmidi_info(ctl, info) >= 0 ? snd_rawmidi_info_get_subdevices_count(info) : 0
                for sub in 0..<count {
                    snd_rawmidi_info_set_subdevice(info, sub)
                    guard snd_ctl_rawmidi_info(ctl, info) >= 0 else { continue }
                    found.append(("hw:\(card),\(device),\(sub)", String(cString: snd_rawmidi_info_get_subdevice_name(info))))
                }
            }
        }
        return found
    }
}
