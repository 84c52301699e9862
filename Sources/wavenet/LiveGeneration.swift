import AudioIO
import FileIO
import Foundation
import WaveNet

/// Generation heard while it runs: this thread generates into a ring, a playback thread
/// writes the ring to ALSA.
struct LiveGeneration {
    let setup: GenerationSetup
    let device: String
    let formats: [SampleFormat]
    /// Seconds of audio to buffer before playing; nil to work it out from the measured speed.
    let prebufferSeconds: Double?

    /// Generates and plays `total` samples (nil: until stopped). With `keep`, returns the
    /// generated classes (the same as without playback); without, memory stays constant.
    /// Stopped by a signal, it throws `Interrupted` after the playback thread has ended.
    func run(total: Int?, keep: Bool) throws -> [Int32] {
        let rate = setup.sampleRate
        let output = try PCMOutput(device: device, sampleRate: rate, channels: 1, formats: formats)
        if output.sampleRate != rate {
            printStatus("\(device) plays at \(output.sampleRate) Hz, not \(rate) Hz; resampling")
        }
        installStopHandlers()
        // The first block also measures the speed for the prebuffer: 25 ms of audio.
        var blocks = BlockSize(sampleRate: rate, first: rate / 40)
        var classes: [Int32] = []
        if keep, let total { classes.reserveCapacity(total) }
        var produced = 0
        // Time a first block to know whether generation keeps up with playback.
        let started = monotonicSeconds()
        let first = setup.generator.generate(min(blocks.next, total ?? .max))[0]
        produced += first.count
        if keep { classes += first }
        let firstSeconds = max(monotonicSeconds() - started, 1e-9)
        blocks.measured(samples: first.count, seconds: firstSeconds)
        let speed = Double(first.count) / Double(rate) / firstSeconds
        // An endless stream that generation cannot keep up with underruns sooner or later: buffer 30 s.
        let totalSeconds = total.map { Double($0) / Double(rate) } ?? (speed >= 1.2 ? 1 : 30 / (1 - 0.9 * speed))
        let prebuffer = prebufferSeconds ?? LivePlayback.prebufferSeconds(totalSeconds: totalSeconds, speed: speed)
        if prebufferSeconds == nil && speed < 1.2 {
            printStatus(String(format: "generation runs at %.2fx real time; buffering %.1f s before playing so that it does not stop", speed, prebuffer))
        }
        let prebufferSamples = Int(prebuffer * Double(rate))
        let ring = SampleRing(capacity: max(prebufferSamples + 2 * rate, 4 * rate))
        let playback = LivePlayback(output: output, ring: ring, sourceRate: rate, prebuffer: prebufferSamples)
        playback.start()
        ring.write(setup.primeSamples)
        ring.write(setup.muLaw.decode(first))
        let progress = ProgressLine(interval: 10)
        let of = total.map { String(format: " of %.1f", Double($0) / Double(rate)) } ?? ""
        while produced < (total ?? .max) && stopRequested == 0 && !ring.isCancelled {
            let blockStart = monotonicSeconds()
            let next = setup.generator.generate(min(blocks.next, (total ?? .max) - produced))[0]
            blocks.measured(samples: next.count, seconds: monotonicSeconds() - blockStart)
            produced += next.count
            if keep { classes += next }
            ring.write(setup.muLaw.decode(next))
            let elapsed = monotonicSeconds() - started
            progress.update(String(format: "%.1f%@ s generated, %.1f s played, %.2fx real time", Double(produced) / Double(rate), of,
                                   Double(playback.played) / Double(rate), Double(produced) / Double(rate) / elapsed), now: monotonicSeconds())
        }
        if stopRequested != 0 { ring.cancel() } else { ring.finish() }
        try playback.wait()
        progress.finish()
        if output.underruns > 0 { printStatus("\(device): \(output.underruns) underrun(s) during playback") }
        if stopRequested != 0 && !keep {
            throw Interrupted(description: String(format: "stopped by a signal after playing %.1f s", Double(playback.played) / Double(rate)))
        }
        return classes
    }
}
