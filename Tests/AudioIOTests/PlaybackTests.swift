import AudioIO
import FileIO
import Foundation
import TestSupport
import XCTest

/// Real ALSA calls into ALSA's `file` PCM, which writes every frame it is given to a file.
final class PlaybackTests: XCTestCase {
    func testFramesReachTheDeviceExactly() throws {
        let folder = makeTemporaryFolder(self)
        let signal = sine(frequency: 440, sampleRate: 16000, seconds: 0.3, amplitude: 0.7) + [1.5, -1.5]
        for format in SampleFormat.allCases {
            let raw = folder + "/\(format).raw"
            let output = try PCMOutput(device: "file:'\(raw)',raw", sampleRate: 16000, channels: 1, formats: [format])
            XCTAssertEqual(output.format, format)
            XCTAssertEqual(output.sampleRate, 16000)
            XCTAssertGreaterThan(output.periodFrames, 0)
            XCTAssertGreaterThanOrEqual(output.bufferFrames, output.periodFrames)
            try output.write(Array(signal[0..<1000]))
            try output.write(Array(signal[1000...]))
            output.drain()
            if format == .float {
                XCTAssertEqual(try rawSamples(raw, as: Float.self), signal)
            } else {
                XCTAssertEqual(try rawSamples(raw, as: Int16.self), signal.map(PCMOutput.s16))
                XCTAssertEqual(PCMOutput.s16(1.5), 32767)
                XCTAssertEqual(PCMOutput.s16(-1.5), -32767)
                XCTAssertEqual(PCMOutput.s16(0.5), 16384)
            }
            XCTAssertEqual(output.underruns, 0)
        }
    }

    func testSlowProducerLosesAndRepeatsNothing() throws {
        let folder = makeTemporaryFolder(self)
        let raw = folder + "/slow.raw"
        let output = try PCMOutput(device: "file:'\(raw)',raw", sampleRate: 8000, channels: 1, formats: [.float])
        let ring = SampleRing(capacity: 700)
        let playback = LivePlayback(output: output, ring: ring, sourceRate: 8000, prebuffer: 300)
        playback.start()
        // Blocks of odd sizes with pauses: the consumer waits on an empty ring many times.
        var produced: [Float] = []
        for block in 0..<40 {
            let samples = (0..<(37 + 13 * (block % 5))).map { Float(produced.count + $0) / 10000 }
            produced += samples
            XCTAssertTrue(ring.write(samples))
            if block % 3 == 0 { Thread.sleep(forTimeInterval: 0.01) }
        }
        ring.finish()
        try playback.wait()
        XCTAssertEqual(playback.played, produced.count)
        XCTAssertEqual(try rawSamples(raw, as: Float.self), produced)
    }

    func testCancelStopsPromptly() throws {
        let folder = makeTemporaryFolder(self)
        let output = try PCMOutput(device: "file:'\(folder)/c.raw',raw", sampleRate: 8000, channels: 1)
        let ring = SampleRing(capacity: 100)
        let playback = LivePlayback(output: output, ring: ring, sourceRate: 8000, prebuffer: 1_000_000)
        playback.start()
        XCTAssertTrue(ring.write([Float](repeating: 0.1, count: 50)))
        playback.cancel()
        try playback.wait()
        XCTAssertFalse(ring.write([0.2]), "a cancelled ring takes nothing more")
    }

    func testResamplingWhenTheDeviceRunsAtAnotherRate() throws {
        // The playback thread resamples block by block; the stream keeps its length and pitch.
        let folder = makeTemporaryFolder(self)
        let raw = folder + "/r.raw"
        let output = try PCMOutput(device: "file:'\(raw)',raw", sampleRate: 16000, channels: 1, formats: [.float])
        let ring = SampleRing(capacity: 4000)
        let playback = LivePlayback(output: output, ring: ring, sourceRate: 8000, prebuffer: 0)
        playback.start()
        let tone = sine(frequency: 500, sampleRate: 8000, seconds: 1)
        for start in stride(from: 0, to: tone.count, by: 733) { ring.write(Array(tone[start..<min(start + 733, tone.count)])) }
        ring.finish()
        try playback.wait()
        let played = try rawSamples(raw, as: Float.self)
        XCTAssertEqual(Double(played.count), 16000, accuracy: 4)
        let middle = Array(played[2000..<14000])
        XCTAssertGreaterThan(power(of: middle, at: 500, sampleRate: 16000), 0.05)
        XCTAssertLessThan(power(of: middle, at: 1000, sampleRate: 16000), 1e-4)
    }

    func testPrebufferKeepsASlowProducerAhead() {
        XCTAssertEqual(LivePlayback.prebufferSeconds(totalSeconds: 10, speed: 3), 0.25)
        XCTAssertEqual(LivePlayback.prebufferSeconds(totalSeconds: 0.1, speed: 3), 0.1)
        XCTAssertEqual(LivePlayback.prebufferSeconds(totalSeconds: 10, speed: 0), 10)
        // At every moment of playback the producer must be ahead: P + speed * t >= t until it is done.
        for speed in [0.1, 0.3, 0.5, 0.8, 0.99, 1.1] {
            let total = 20.0
            let p = LivePlayback.prebufferSeconds(totalSeconds: total, speed: speed)
            let producerDone = (total - p) / speed  // playback seconds until everything is produced
            for t in stride(from: 0.0, through: min(producerDone, total), by: 0.05) {
                XCTAssertGreaterThanOrEqual(p + speed * t, t, "speed \(speed) at \(t) s")
            }
        }
    }

    func testMissingDeviceIsAClearError() {
        XCTAssertThrowsError(try PCMOutput(device: "hw:7,0", sampleRate: 16000, channels: 1)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("ALSA device hw:7,0: cannot open for playback"), text)
            XCTAssertTrue(text.contains("--device"), text)
        }
    }

    func testDeviceListIsReadable() {
        let names = PCMOutput.devices().map(\.name)
        XCTAssertTrue(names.contains("null"), "\(names)")
    }
}
