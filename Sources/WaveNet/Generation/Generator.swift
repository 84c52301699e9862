import Dispatch
import Foundation

/// Fast WaveNet generation (Paine et al. 2016): every layer keeps a ring buffer of its last d
/// inputs per stream, so one new sample costs one step per layer, not a pass over the receptive field.
///
/// K streams advance together; with several threads the streams are split into lanes that run
/// independently (streams never interact), each lane with its own buffers. Nothing is allocated
/// per sample.
public final class Generator: @unchecked Sendable {  // lanes share nothing mutable (see generate)
    public let config: ModelConfig
    public let streams: Int
    public var temperature: Float
    let weights: GeneratorWeights
    let lanes: [GeneratorLane]

    /// - classIDs: the conditioning class of each stream (conditioned models only).
    /// - frames: each stream's feature frames, [frames, F] time-major (locally conditioned models
    ///   only); sample t (1-based) of a stream reads frame t / hop, so a stream of `frames` frames
    ///   can generate up to (frames - 1) * hop + hop - 1 samples.
    public init(parameters: Parameters, streams: Int, classIDs: [Int]? = nil, frames: [[Float]]? = nil,
                temperature: Float = 1, seed: UInt64 = 1, threads: Int = 1, kernel: GenerationKernel = .fused,
                precision: WeightPrecision = .float) {
        precondition(streams >= 1, "at least one stream")
        precondition((classIDs != nil) == parameters.config.isConditioned && (classIDs == nil || classIDs!.count == streams),
                     "a conditioned model needs one class per stream, others none")
        precondition((frames != nil) == (parameters.config.local != nil) && (frames == nil || frames!.count == streams),
                     "a locally conditioned model needs frames for every stream, others none")
        config = parameters.config
        self.streams = streams
        self.temperature = temperature
        precondition(precision == .float || kernel == .fused, "half-precision weights need the fused kernel")
        weights = GeneratorWeights(parameters, precision: precision)
        let laneCount = max(1, min(threads, streams))
        var lanes: [GeneratorLane] = []
        var first = 0
        for lane in 0..<laneCount {
            let count = streams / laneCount + (lane < streams % laneCount ? 1 : 0)
            lanes.append(GeneratorLane(weights, kernel: kernel, firstStream: first, count: count,
                                       classIDs: classIDs.map { Array($0[first..<first + count]) },
                                       frames: frames.map { Array($0[first..<first + count]) }, seed: seed))
            first += count
        }
        self.lanes = lanes
    }

    /// A live stream of a causal locally conditioned model (an instrument played from a keyboard):
    /// one stream whose frames arrive one at a time through `appendFrame`, generation running at
    /// most up to the frames that have come.
    public init(liveParameters parameters: Parameters, classID: Int? = nil, temperature: Float = 1, seed: UInt64 = 1,
                precision: WeightPrecision = .float) {
        precondition(parameters.config.local?.causal == true, "live frames need a causal local model")
        precondition((classID != nil) == parameters.config.isConditioned, "a conditioned model needs its class")
        config = parameters.config
        streams = 1
        self.temperature = temperature
        weights = GeneratorWeights(parameters, precision: precision)
        lanes = [GeneratorLane(weights, kernel: .fused, firstStream: 0, count: 1, classIDs: classID.map { [$0] }, frames: nil, seed: seed,
                               liveRing: 256)]
    }

    /// Live: the next frame [F], once it is complete.
    public func appendFrame(_ frame: [Float]) { lanes[0].appendLive(frame) }

    /// Live: samples that can be generated now with the frames that have come (sample n reads
    /// frame n / hop, and each step also reads the next sample's frame).
    public var liveSamplesAvailable: Int {
        let lane = lanes[0], hop = config.local!.hop
        let produced = max(0, lane.inputPosition - 1)
        return max(0, lane.liveFrames * hop - 2 - produced)
    }

    /// Weight bytes one step of one lane reads, from the architecture alone.
    public static func weightBytesPerStep(_ config: ModelConfig, precision: WeightPrecision = .float) -> Int {
        GeneratorWeights.bytesReadPerStep(config, precision: precision)
    }

    /// Floating-point operations of one step of one stream (multiply-adds counted twice).
    public static func flopsPerSample(_ config: ModelConfig) -> Int { GeneratorWeights.flopsPerStep(config) }

    /// Pushes `classes` through every stream's queues (teacher forcing), as if each had been
    /// generated; afterwards generation continues from the last one. Uses one full forward pass
    /// over the last receptive field instead of one step per sample.
    public func prime(_ classes: [Int32]) {
        guard !classes.isEmpty else { return }
        for lane in lanes { lane.prime(classes) }
    }

    /// Generates the next `count` samples of every stream: [streams][count] classes.
    /// Lanes run concurrently, each writing its own streams' rows of one buffer.
    public func generate(_ count: Int) -> [[Int32]] {
        Matmul.setThreads(1)  // lanes are the parallelism; a threaded sgemm inside each would oversubscribe
        let flat = UnsafeMutableBufferPointer<Int32>.allocate(capacity: streams * max(count, 1))
        defer { flat.deallocate() }
        // Each lane writes only its own streams' rows, so sharing the pointer across threads is safe.
        nonisolated(unsafe) let base = flat.baseAddress!
        let temperature = temperature
        if lanes.count == 1 {
            lanes[0].generate(count, into: base, stride: count, temperature: temperature)
        } else {
            DispatchQueue.concurrentPerform(iterations: lanes.count) { i in
                lanes[i].generate(count, into: base + lanes[i].firstStream * count, stride: count, temperature: temperature)
            }
        }
        return (0..<streams).map { Array(UnsafeBufferPointer(start: base + $0 * count, count: count)) }
    }

    /// Teacher forcing: feeds `classes[t]` for every stream at each step and returns the logits
    /// after each step, [steps][streams][Q]. For tests against the full forward pass.
    public func forcedLogits(_ classes: [[Int32]]) -> [[[Float]]] {
        precondition(classes.count == streams, "one class sequence per stream")
        let steps = classes[0].count
        Matmul.setThreads(1)
        var result: [[[Float]]] = []
        for t in 0..<steps {
            var row: [[Float]] = []
            for lane in lanes {
                lane.step(inputs: (0..<lane.count).map { classes[lane.firstStream + $0][t] })
                row += lane.logitsRows()
            }
            result.append(row)
        }
        return result
    }

    /// Each layer's queue for one stream, oldest first: [d_i][R] flattened.
    public func queueContents(layer: Int, stream: Int) -> [Float] {
        let lane = lanes.first { stream >= $0.firstStream && stream < $0.firstStream + $0.count }!
        return lane.queueContents(layer: layer, stream: stream - lane.firstStream)
    }

    /// Logits of the next sample for every stream, [streams][Q].
    public func currentLogits() -> [[Float]] { lanes.flatMap { $0.logitsRows() } }
}

/// How a step is computed (`bench generate --kernel`): the fused per-layer kernel on the CPU's
/// best instruction set (`KernelPath`), or the baseline of separate small products it replaced.
/// The naive reference, a full forward pass per sample, is `NaiveGenerator`.
public enum GenerationKernel: String, CaseIterable, Sendable {
    case baseline, fused
}
