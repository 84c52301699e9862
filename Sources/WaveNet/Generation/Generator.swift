import Dispatch
import Foundation

/// The model's weights rearranged for one-sample-at-a-time products: input-major (`[in][out]`)
/// copies, the two dilated taps stacked, residual and skip weights side by side.
final class GeneratorWeights: @unchecked Sendable {  // read-only after init
    let config: ModelConfig
    let (Q, R, D, S, L, G): (Int, Int, Int, Int, Int, Int)
    /// Per layer [2R][2D]: rows 0..<R the past tap, R..<2R the present tap.
    let dilated: [FloatBuffer]
    /// Per layer [D][R+S]: columns 0..<R residual, R..<R+S skip.
    let residualSkip: [FloatBuffer]
    /// [S][S] and [S][Q].
    let output1: FloatBuffer, output2: FloatBuffer
    let parameters: Parameters

    init(_ p: Parameters) {
        parameters = p
        config = p.config
        let c = p.config
        (Q, R, D, S, L, G) = (c.quantizationChannels, c.residualChannels, c.dilationChannels, c.skipChannels, c.layerCount, c.condChannels ?? 0)
        let (R, D, S, L, Q) = (R, D, S, L, Q)
        let layout = p.layout
        dilated = layout.layers.map { layer in
            let w = FloatBuffer(count: 2 * R * 2 * D)
            for tap in 0..<2 { for o in 0..<2 * D { for r in 0..<R {
                w.base[(tap * R + r) * 2 * D + o] = p[layer.dilatedWeight][(tap * 2 * D + o) * R + r]
            } } }
            return w
        }
        residualSkip = (0..<L).map { i in
            let w = FloatBuffer(count: D * (R + S))
            for d in 0..<D {
                for r in 0..<R { w.base[d * (R + S) + r] = p[layout.layers[i].residualWeight][r * D + d] }
                for s in 0..<S { w.base[d * (R + S) + R + s] = p[layout.skipWeight][s * L * D + i * D + d] }
            }
            return w
        }
        output1 = FloatBuffer(count: S * S)
        output2 = FloatBuffer(count: S * Q)
        for o in 0..<S { for s in 0..<S { output1.base[s * S + o] = p[layout.output1Weight][o * S + s] } }
        for q in 0..<Q { for s in 0..<S { output2.base[s * Q + q] = p[layout.output2Weight][q * S + s] } }
    }
}

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
                temperature: Float = 1, seed: UInt64 = 1, threads: Int = 1) {
        precondition(streams >= 1, "at least one stream")
        precondition((classIDs != nil) == parameters.config.isConditioned && (classIDs == nil || classIDs!.count == streams),
                     "a conditioned model needs one class per stream, others none")
        precondition((frames != nil) == (parameters.config.local != nil) && (frames == nil || frames!.count == streams),
                     "a locally conditioned model needs frames for every stream, others none")
        config = parameters.config
        self.streams = streams
        self.temperature = temperature
        weights = GeneratorWeights(parameters)
        let laneCount = max(1, min(threads, streams))
        var lanes: [GeneratorLane] = []
        var first = 0
        for lane in 0..<laneCount {
            let count = streams / laneCount + (lane < streams % laneCount ? 1 : 0)
            lanes.append(GeneratorLane(weights, firstStream: first, count: count,
                                       classIDs: classIDs.map { Array($0[first..<first + count]) },
                                       frames: frames.map { Array($0[first..<first + count]) }, seed: seed))
            first += count
        }
        self.lanes = lanes
    }

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

/// The streams one thread advances: queues and per-step buffers, allocated once.
final class GeneratorLane: @unchecked Sendable {  // used by one thread at a time
    let w: GeneratorWeights
    let firstStream: Int, count: Int
    let classIDs: [Int]?
    /// Per layer [d][K][R]; `positions[i]` is the slot of the oldest entry.
    let queues: [FloatBuffer]
    var positions: [Int]
    /// [K][R], [K][2R], [K][2D], [K][D], [K][R+S], [K][S], [K][S], [K][Q]
    let h: FloatBuffer, stacked: FloatBuffer, z: FloatBuffer, g: FloatBuffer, rs: FloatBuffer
    let skip: FloatBuffer, hidden: FloatBuffer, logits: FloatBuffer
    /// Per layer [K][2D]: dilated bias plus each stream's class term.
    let layerBias: FloatBuffer
    let skipBiasSum: FloatBuffer
    let zeroBias: FloatBuffer
    /// Local conditioning: every layer's projection of every frame, computed once at the start:
    /// [K][frameCapacity][L][2D]; `frameCounts[k]` frames are valid for stream k.
    let localProjection: FloatBuffer
    let frameCapacity: Int, frameCounts: [Int]
    /// Inputs consumed so far; the input at position t is conditioned on frame (t + 1) / hop.
    var inputPosition = 0
    var previous: [Int32], hasPrevious = false
    var rngs: [SplitMix64]

    init(_ w: GeneratorWeights, firstStream: Int, count K: Int, classIDs: [Int]?, frames: [[Float]]?, seed: UInt64) {
        self.w = w
        self.firstStream = firstStream
        self.count = K
        self.classIDs = classIDs
        let (Q, R, D, S, L) = (w.Q, w.R, w.D, w.S, w.L)
        queues = w.config.dilations.map { FloatBuffer(count: $0 * K * R) }
        positions = [Int](repeating: 0, count: L)
        h = FloatBuffer(count: K * R)
        stacked = FloatBuffer(count: K * 2 * R)
        z = FloatBuffer(count: K * 2 * D)
        g = FloatBuffer(count: K * D)
        rs = FloatBuffer(count: K * (R + S))
        skip = FloatBuffer(count: K * S)
        hidden = FloatBuffer(count: K * S)
        logits = FloatBuffer(count: K * Q)
        layerBias = FloatBuffer(count: L * K * 2 * D)
        skipBiasSum = FloatBuffer(count: S)
        zeroBias = FloatBuffer(count: 2 * D)
        let local = w.config.local
        frameCounts = frames.map { $0.map { $0.count / local!.channels } } ?? []
        frameCapacity = frameCounts.max() ?? 0
        localProjection = FloatBuffer(count: K * frameCapacity * L * 2 * D)
        if let local, let frames, let f = w.parameters.layout.frameNetwork {
            // The frame network over each stream's whole file, then each layer's projection of each frame.
            let p = w.parameters, C = local.hidden
            let a = FloatBuffer(count: frameCapacity * C), b = FloatBuffer(count: frameCapacity * C)
            let projection = FloatBuffer(count: frameCapacity * 2 * D)
            for k in 0..<K {
                let n = frameCounts[k]
                frames[k].withUnsafeBufferPointer { u in
                    FrameNetwork.forward(frames: n, channels: local.channels, hidden: C, causal: local.causal, u.baseAddress!,
                                         conv1Weight: p[f.conv1Weight], conv1Bias: p[f.conv1Bias],
                                         conv2Weight: p[f.conv2Weight], conv2Bias: p[f.conv2Bias], a: a.base, b: b.base)
                }
                for i in 0..<L {
                    Matmul.nt(n, 2 * D, C, b.base, C, p[p.layout.layers[i].localWeight!], C, projection.base, 2 * D, beta: 0)
                    for frame in 0..<n {
                        localProjection[((k * frameCapacity + frame) * L + i) * 2 * D].update(from: projection[frame * 2 * D], count: 2 * D)
                    }
                }
            }
        }
        previous = [Int32](repeating: 0, count: K)
        rngs = (0..<K).map { SplitMix64.derived(seed: seed, index: UInt64(firstStream + $0)) }
        let p = w.parameters, layout = p.layout
        for i in 0..<L {
            for k in 0..<K { Network.gateBias(p, layer: i, classID: classIDs?[k], into: layerBias[(i * K + k) * 2 * D]) }
            for s in 0..<S { skipBiasSum.base[s] += p[layout.layers[i].skipBias][s] }
        }
    }

    /// One step for all K streams: consume inputs[k], leave the next sample's logits in `logits`.
    func step(inputs: UnsafePointer<Int32>) {
        let (Q, R, D, S, K) = (w.Q, w.R, w.D, w.S, count)
        let p = w.parameters, layout = p.layout
        let table = p[layout.inputTable], inputBias = p[layout.inputBias]
        // Input layer: h = T1[c_t] + T0[c_{t-1}] + b.   [K] -> [K, R]
        for k in 0..<K {
            let row = h[k * R], present = table + (Q + Int(inputs[k])) * R
            for r in 0..<R { row[r] = present[r] + inputBias[r] }
            if hasPrevious {
                let past = table + Int(previous[k]) * R
                for r in 0..<R { row[r] += past[r] }
            }
            previous[k] = inputs[k]
        }
        hasPrevious = true
        for k in 0..<K { (skip.base + k * S).update(from: skipBiasSum.base, count: S) }
        let frame = w.config.local.map { (inputPosition + 1) / $0.hop } ?? 0
        inputPosition += 1

        for i in 0..<w.L {
            // Dilated convolution on [h[t-d] | h[t]], then the oldest queue slot takes h[t].   [K, 2R] -> [K, 2D]
            let slot = queues[i][positions[i] * K * R]
            for k in 0..<K {
                (stacked.base + k * 2 * R).update(from: slot + k * R, count: R)
                (stacked.base + k * 2 * R + R).update(from: h.base + k * R, count: R)
            }
            slot.update(from: h.base, count: K * R)
            positions[i] += 1
            if positions[i] == w.config.dilations[i] { positions[i] = 0 }
            z.base.update(from: layerBias[i * K * 2 * D], count: K * 2 * D)
            if w.config.local != nil {
                // The layer's projection of this sample's frame: one add per sample.
                for k in 0..<K {
                    // A stream whose features end before the others' repeats its last frame (its extra samples are dropped).
                    let own = min(frame, frameCounts[k] - 1)
                    let zk = z[k * 2 * D], add = localProjection[((k * frameCapacity + own) * w.L + i) * 2 * D]
                    for o in 0..<2 * D { zk[o] += add[o] }
                }
            }
            SmallMatmul.multiply(K, 2 * R, 2 * D, stacked.base, 2 * R, w.dilated[i].base, z.base, 2 * D, accumulate: true)
            // Gate, then residual and skip in one product.   [K, 2D] -> [K, D] -> [K, R+S]
            for k in 0..<K { Gate.forward(D, z[k * 2 * D], bias: zeroBias.base, g[k * D]) }
            SmallMatmul.multiply(K, D, R + S, g.base, D, w.residualSkip[i].base, rs.base, R + S, accumulate: false)
            let br = p[layout.layers[i].residualBias]
            for k in 0..<K {
                let hk = h[k * R], rk = rs[k * (R + S)], sk = skip[k * S]
                for r in 0..<R { hk[r] += rk[r] + br[r] }
                for s in 0..<S { sk[s] += rk[R + s] }
            }
        }
        // Head.   [K, S] -> [K, S] -> [K, Q]
        ReLU.forward(skip.base, K * S)
        for k in 0..<K { (hidden.base + k * S).update(from: p[layout.output1Bias], count: S) }
        SmallMatmul.multiply(K, S, S, skip.base, S, w.output1.base, hidden.base, S, accumulate: true)
        ReLU.forward(hidden.base, K * S)
        for k in 0..<K { (logits.base + k * Q).update(from: p[layout.output2Bias], count: Q) }
        SmallMatmul.multiply(K, S, Q, hidden.base, S, w.output2.base, logits.base, Q, accumulate: true)
    }

    func step(inputs: [Int32]) { inputs.withUnsafeBufferPointer { step(inputs: $0.baseAddress!) } }

    /// Generates `n` samples per stream into `output[k * stride + t]`.
    func generate(_ n: Int, into output: UnsafeMutablePointer<Int32>, stride: Int, temperature: Float) {
        let Q = w.Q
        if !hasPrevious {
            // The very first input is the class of silence, mu-law of 0.0.
            step(inputs: [Int32](repeating: MuLaw(classes: Q).silence, count: count))
        }
        var next = [Int32](repeating: 0, count: count)
        for t in 0..<n {
            for k in 0..<count {
                next[k] = Sampling.sample(logits[k * Q], Q, temperature: temperature, rng: &rngs[k])
                output[k * stride + t] = next[k]
            }
            step(inputs: next)
        }
    }

    func prime(_ classes: [Int32]) {
        precondition(w.config.local == nil, "priming a locally conditioned model is not supported")
        let (R, L, K) = (w.R, w.L, count)
        let window = Array(classes.suffix(w.config.receptiveField))
        let n = window.count
        let workspace = SequenceWorkspace(config: w.config, capacity: n, targetCapacity: 1)
        for k in 0..<K {
            _ = window.withUnsafeBufferPointer { Network.forward(w.parameters, workspace, input: $0, outputs: 1, classID: self.classIDs?[k]) }
            for i in 0..<L {
                let d = w.config.dilations[i]
                // Slot s holds h_i[n - d + s]; the oldest (s = 0) is read next.
                for s in 0..<d { (queues[i][(s * K + k) * R]).update(from: workspace.h(i, n - d + s), count: R) }
            }
            (logits.base + k * w.Q).update(from: workspace.logits.base, count: w.Q)
            previous[k] = window[n - 1]
        }
        positions = [Int](repeating: 0, count: L)
        hasPrevious = true
    }

    func queueContents(layer i: Int, stream k: Int) -> [Float] {
        let d = w.config.dilations[i], R = w.R, K = count
        return (0..<d).flatMap { s in
            let slot = (positions[i] + s) % d
            return Array(UnsafeBufferPointer(start: queues[i][(slot * K + k) * R], count: R))
        }
    }

    func logitsRows() -> [[Float]] {
        (0..<count).map { Array(UnsafeBufferPointer(start: logits[$0 * w.Q], count: w.Q)) }
    }
}
