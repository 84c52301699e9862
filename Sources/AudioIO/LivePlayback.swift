import Foundation

/// A playback thread: waits for a prebuffer, then moves samples from a ring to an ALSA device
/// one period at a time, resampling when the device runs at another rate. It writes exactly the
/// samples the ring delivers, in order: a slow producer makes the device underrun (recovered and
/// counted), never a lost or repeated sample.
public final class LivePlayback: @unchecked Sendable {
    public let output: PCMOutput
    public let ring: SampleRing
    let sourceRate: Int
    private let prebuffer: Int
    private let done = DispatchSemaphore(value: 0)
    /// Guards `failure` and `playedCount`, which the playback thread writes and others read.
    private let lock = NSLock()
    private var failure: Error?
    private var playedCount = 0

    /// Samples handed to the device so far (before any resampling).
    public var played: Int { lock.withLock { playedCount } }

    /// - prebuffer: samples to wait for before the first write (or the end of the stream).
    public init(output: PCMOutput, ring: SampleRing, sourceRate: Int, prebuffer: Int) {
        self.output = output
        self.ring = ring
        self.sourceRate = sourceRate
        self.prebuffer = prebuffer
    }

    /// Seconds of audio to hold back before playing a stream of `totalSeconds` produced at `speed`
    /// times real time. Playing from t = 0 after a prebuffer P needs P + speed·t >= t until the
    /// producer finishes, which holds when P >= total·(1 - speed); a margin covers jitter. A fast
    /// producer gets a quarter second, so sound starts at once.
    public static func prebufferSeconds(totalSeconds: Double, speed: Double) -> Double {
        speed >= 1.2 ? min(totalSeconds, 0.25) : min(totalSeconds, totalSeconds * (1 - 0.9 * speed) + 0.25)
    }

    public func start() {
        let thread = Thread { [self] in
            do {
                try run()
            } catch {
                lock.withLock { failure = error }
                ring.cancel()
            }
            done.signal()
        }
        thread.name = "wavenet playback"
        thread.start()
    }

    private func run() throws {
        let resampler = output.sampleRate == sourceRate ? nil
            : try StreamingResampler(from: sourceRate, to: output.sampleRate, channels: output.channels)
        ring.waitUntilBuffered(prebuffer)
        let chunk = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(output.periodFrames, 64) * output.channels)
        defer { chunk.deallocate() }
        while true {
            let n = ring.read(into: chunk)
            if n == 0 { break }
            let block = UnsafeBufferPointer(rebasing: chunk[0..<n])
            if let resampler {
                try output.write(try resampler.process(block))
            } else {
                try output.write(block)
            }
            lock.withLock { playedCount += n }
        }
        if ring.isCancelled {
            output.stop()
        } else {
            if let resampler { try output.write(try resampler.process(UnsafeBufferPointer(start: nil, count: 0), end: true)) }
            output.drain()
        }
    }

    /// Stops promptly: the ring is cancelled and the device dropped.
    public func cancel() { ring.cancel() }

    /// Waits for the thread; rethrows what stopped it.
    public func wait() throws {
        done.wait()
        if let failure = lock.withLock({ failure }) { throw failure }
    }
}
