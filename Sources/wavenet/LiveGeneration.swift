import AudioIO
import FileIO
import Foundation
import WaveNet

/// Generation heard while it runs: this thread generates into a ring, a playback thread
/// writes the ring to ALSA. Returns the generated classes (the same as without playback).
struct LiveGeneration {
    let setup: GenerationSetup
    let device: String
    let formats: [SampleFormat]
    /// Seconds of audio to buffer before playing; nil to work it out from the measured speed.
    let prebufferSeconds: Double?

    func run(total: Int) throws -> [Int32] {
        let rate = setup.sampleRate
        let output = try PCMOutput(device: device, sampleRate: rate, channels: 1, formats: formats)
        if output.sampleRate != rate {
            printStatus("\(device) plays at \(output.sampleRate) Hz, not \(rate) Hz; resampling")
        }
        installStopHandlers()
        let block = max(1, rate / 10)
        var classes: [Int32] = []
        classes.reserveCapacity(total)
        // Time a first block to know whether generation keeps up with playback.
        let started = monotonicSeconds()
        let first = setup.generator.generate(min(block, total))[0]
        classes += first
        let speed = Double(first.count) / Double(rate) / max(monotonicSeconds() - started, 1e-9)
        let prebuffer = prebufferSeconds ?? LivePlayback.prebufferSeconds(totalSeconds: Double(total) / Double(rate), speed: speed)
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
        while classes.count < total && stopRequested == 0 && !ring.isCancelled {
            let next = setup.generator.generate(min(block, total - classes.count))[0]
            classes += next
            ring.write(setup.muLaw.decode(next))
            let elapsed = monotonicSeconds() - started
            progress.update(String(format: "%.1f of %.1f s generated, %.1f s played, %.2fx real time", Double(classes.count) / Double(rate),
                                   Double(total) / Double(rate), Double(playback.played) / Double(rate),
                                   Double(classes.count) / Double(rate) / elapsed), now: monotonicSeconds())
        }
        if stopRequested != 0 { ring.cancel() } else { ring.finish() }
        try playback.wait()
        progress.finish()
        if stopRequested != 0 { printStatus("stopped after \(classes.count) samples") }
        if output.underruns > 0 { printStatus("\(device): \(output.underruns) underrun(s) during playback") }
        return classes
    }
}
