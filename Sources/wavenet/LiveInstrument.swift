import AudioIO
import Features
import FileIO
import Foundation
import WaveNet

/// `play --midi-in SOURCE`: a notes model played live. A reader thread takes bytes from the
/// source as they come and stamps each with its arrival time; this thread turns them into
/// events and frames (`LiveRoll`), feeds each frame to the generator once it is complete, and
/// generates what those frames allow into the playback ring. So generation runs one frame behind
/// the keys and paces itself by the clock, whatever the device does (ALSA's file PCM never
/// blocks): latency from a note-on byte to its first sample reaching ALSA is at most one hop
/// (the frame it falls in must complete) plus the time to generate it, plus ALSA's buffer of two
/// hop-long periods.
struct LiveInstrument {
    let setup: LiveSetup
    let source: MIDISource
    let device: String
    let formats: [SampleFormat]
    /// Seconds played on after the source closes, the keys released, so that the sound decays.
    let tail: Double
    let log: AppendFile?

    struct LiveSetup {
        let generator: Generator
        let local: LocalConfig
        let sampleRate: Int
        let muLaw: MuLaw
    }

    /// Bytes from the reader thread with the time they arrived.
    final class Inbox: @unchecked Sendable {  // every field under `lock`
        let lock = NSLock()
        var bytes: [(byte: UInt8, seconds: Double)] = []
        var closed = false

        func take() -> (bytes: [(byte: UInt8, seconds: Double)], closed: Bool) {
            lock.withLock {
                defer { bytes.removeAll(keepingCapacity: true) }
                return (bytes, closed)
            }
        }
    }

    func run() throws {
        let rate = setup.sampleRate, hop = setup.local.hop
        let hopSeconds = Double(hop) / Double(rate)
        let output = try PCMOutput(device: device, sampleRate: rate, channels: 1, formats: formats, periodSeconds: hopSeconds, periods: 2)
        if output.sampleRate != rate { printStatus("\(device) plays at \(output.sampleRate) Hz, not \(rate) Hz; resampling") }
        printStatus(String(format: "playing %@ live from %@: latency at most %.1f ms (a %.1f ms frame, then ALSA's %d-frame buffer at %d Hz); Ctrl-C stops",
                           device, source.name, 1000 * hopSeconds + 1000 * Double(output.bufferFrames) / Double(output.sampleRate),
                           1000 * hopSeconds, output.bufferFrames, output.sampleRate))
        installStopHandlers()
        let ring = SampleRing(capacity: 4 * rate)
        let playback = LivePlayback(output: output, ring: ring, sourceRate: rate, prebuffer: 0)
        let inbox = Inbox()
        let started = monotonicSeconds()
        let reader = Thread { [source] in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256, alignment: 1)
            defer { buffer.deallocate() }
            while let n = source.read(into: buffer) {
                let now = monotonicSeconds() - started
                inbox.lock.withLock { for i in 0..<n { inbox.bytes.append((buffer[i], now)) } }
            }
            inbox.lock.withLock { inbox.closed = true }
        }
        reader.start()
        playback.start()

        var stream = MIDIStream()
        var roll = LiveRoll(LocalFeatures.pianoRoll(setup.local, sampleRate: rate))
        var endFrame: Int?
        let generator = setup.generator
        func feed(_ frames: [[Float]]) { for frame in frames { generator.appendFrame(frame) } }
        while stopRequested == 0 && !ring.isCancelled {
            let now = monotonicSeconds() - started
            let (bytes, closed) = inbox.take()
            for (byte, seconds) in bytes {
                guard let event = stream.push(byte) else { continue }
                let position = roll.position(seconds: seconds)
                feed(roll.apply(event, at: position))
                try log?.write(Data((Self.logLine(event, position: position, hop: hop) + "\n").utf8))
            }
            feed(roll.advance(to: roll.position(seconds: now)))
            if closed && endFrame == nil {
                if let failure = source.failure {
                    ring.cancel()
                    try playback.wait()
                    throw DeviceError("MIDI source \(source.name)", failure)
                }
                feed(roll.releaseAll(at: roll.position(seconds: now)))
                endFrame = roll.frame + Int((tail / hopSeconds).rounded(.up))
                printStatus("\(source.name) closed; playing on for \(tail) s")
            }
            let available = generator.liveSamplesAvailable
            if available > 0 {
                ring.write(setup.muLaw.decode(generator.generate(available)[0]))
            } else if let endFrame, roll.frame >= endFrame {
                break
            } else {
                usleep(500)  // the next frame completes within a hop
            }
        }
        if stopRequested != 0 { ring.cancel() } else { ring.finish() }
        try playback.wait()
        source.close()
        if output.underruns > 0 { printStatus("\(device): \(output.underruns) underrun(s) during playback") }
        if stopRequested != 0 {
            throw Interrupted(description: String(format: "stopped by a signal after playing %.1f s", Double(playback.played) / Double(rate)))
        }
    }

    /// One JSON line per MIDI event: when it arrived (in frames since play started), the frame
    /// whose features it changed and that frame's first output sample, where it took effect.
    static func logLine(_ event: MIDIFile.Event, position: Double, hop: Int) -> String {
        let frame = Int((position + 1e-9).rounded(.down))
        let what: String
        switch event {
        case .noteOn(let channel, let key, let velocity): what = "\"event\":\"note_on\",\"channel\":\(channel),\"key\":\(key),\"velocity\":\(velocity)"
        case .noteOff(let channel, let key): what = "\"event\":\"note_off\",\"channel\":\(channel),\"key\":\(key)"
        case .controller(let channel, let number, let value): what = "\"event\":\"controller\",\"channel\":\(channel),\"number\":\(number),\"value\":\(value)"
        default: what = "\"event\":\"other\""
        }
        return String(format: "{%@,\"arrival_frame\":%.4f,\"frame\":%d,\"sample\":%d}", what, position, frame, frame * hop)
    }
}
