import CKernels

/// The streams one thread advances: queues and per-step buffers, allocated once.
final class GeneratorLane: @unchecked Sendable {  // used by one thread at a time
    let w: GeneratorWeights
    let kernel: GenerationKernel
    let firstStream: Int, count: Int
    let classIDs: [Int]?
    /// Per layer [d][K][R]; `positions[i]` is the slot of the oldest entry.
    let queues: [FloatBuffer]
    let positions: UnsafeMutablePointer<Int32>
    /// [K][R+S]: the layer input h, then the skip sum (the fused kernel's layout, used by both).
    let state: FloatBuffer
    /// [K][2R], [K][2D], [K][D+1], [K][R+S], [K][S], [K][S], [K][Q]
    let stacked: FloatBuffer, z: FloatBuffer, g: FloatBuffer, rs: FloatBuffer
    let head: FloatBuffer, hidden: FloatBuffer, logits: FloatBuffer
    /// Per stream [L][2D]: the dilated bias plus the stream's class term. A local model instead
    /// folds these into `localProjection`, so each frame's row holds every term of z but the products.
    let layerBias: FloatBuffer
    let skipBiasSum: FloatBuffer
    let zeroBias: FloatBuffer
    /// Local conditioning: every layer's projection of every frame plus the layer's bias,
    /// computed once at the start: [K][frameCapacity][L][2D]; `frameCounts[k]` frames are valid for stream k.
    let localProjection: FloatBuffer
    let frameCapacity: Int, frameCounts: [Int]
    /// Live conditioning (one stream): `localProjection` is a ring of `frameCapacity` frames,
    /// filled by `appendLive` as frames complete; `liveFrames` have come so far.
    let live: Bool
    var liveFrames = 0
    /// The last 5 raw frames, [5][F], oldest first: what a causal frame network needs for one output;
    /// `liveA`, `liveB` its two layers' outputs for them, [5][C], allocated once.
    var liveHistory: [Float] = []
    let liveA: FloatBuffer, liveB: FloatBuffer
    /// Local conditioning: per stream [L][2D], each layer's projection of a frame that sees only
    /// silent frames (`LocalConfig.silentFrame`), bias included; read during the lead-in.
    let silentProjection: FloatBuffer
    /// Per stream, the [L][2D] gate terms of the current step; the fused kernel's arguments.
    let gateBias: UnsafeMutablePointer<UnsafePointer<Float>?>
    let queueBases: UnsafeMutablePointer<UnsafeMutablePointer<Float>?>
    let dilations: UnsafeMutablePointer<Int32>
    let stepArguments: UnsafeMutablePointer<wavenet_step>
    /// Inputs consumed so far; the input at position t is conditioned on frame (t + 1) / hop.
    var inputPosition = 0
    var previous: [Int32], hasPrevious = false
    var rngs: [SplitMix64]

    /// - liveRing: for a live stream (frames == nil on a local model), the frames its ring holds.
    init(_ w: GeneratorWeights, kernel: GenerationKernel, firstStream: Int, count K: Int, classIDs: [Int]?, frames: [[Float]]?, seed: UInt64,
         liveRing: Int = 0) {
        self.w = w
        self.kernel = kernel
        self.firstStream = firstStream
        self.count = K
        self.classIDs = classIDs
        let (Q, R, D, S, L) = (w.Q, w.R, w.D, w.S, w.L)
        let dilationList = w.config.dilations
        queues = dilationList.map { FloatBuffer(count: $0 * K * R) }
        positions = .allocate(capacity: L)
        positions.initialize(repeating: 0, count: L)
        state = FloatBuffer(count: K * (R + S))
        stacked = FloatBuffer(count: K * 2 * R)
        z = FloatBuffer(count: K * 2 * D)
        g = FloatBuffer(count: K * (D + 1))
        rs = FloatBuffer(count: K * (R + S))
        head = FloatBuffer(count: K * S)
        hidden = FloatBuffer(count: K * S)
        logits = FloatBuffer(count: K * Q)
        layerBias = FloatBuffer(count: K * L * 2 * D)
        skipBiasSum = FloatBuffer(count: S)
        zeroBias = FloatBuffer(count: 2 * D)
        let p = w.parameters, layout = p.layout
        for k in 0..<K {
            for i in 0..<L { Network.gateBias(p, layer: i, classID: classIDs?[k], into: layerBias[(k * L + i) * 2 * D]) }
        }
        for i in 0..<L { for s in 0..<S { skipBiasSum.base[s] += p[layout.layers[i].skipBias][s] } }
        let local = w.config.local
        live = liveRing > 0
        frameCounts = frames.map { $0.map { $0.count / local!.channels } } ?? []
        frameCapacity = live ? liveRing : frameCounts.max() ?? 0
        liveA = FloatBuffer(count: live ? 5 * local!.hidden : 0)
        liveB = FloatBuffer(count: live ? 5 * local!.hidden : 0)
        localProjection = FloatBuffer(count: K * frameCapacity * L * 2 * D)
        if let local, let frames, let f = layout.frameNetwork {
            // The frame network over each stream's whole file, then each layer's projection of each frame.
            let C = local.hidden
            let a = FloatBuffer(count: frameCapacity * C), b = FloatBuffer(count: frameCapacity * C)
            for k in 0..<K {
                let n = frameCounts[k]
                frames[k].withUnsafeBufferPointer { u in
                    FrameNetwork.forward(frames: n, channels: local.channels, hidden: C, causal: local.causal, u.baseAddress!,
                                         conv1Weight: p[f.conv1Weight], conv1Bias: p[f.conv1Bias],
                                         conv2Weight: p[f.conv2Weight], conv2Bias: p[f.conv2Bias], a: a.base, b: b.base)
                }
                Self.project(b.base, frames: n, p, bias: layerBias[k * L * 2 * D], into: localProjection[k * frameCapacity * L * 2 * D])
            }
        }
        silentProjection = FloatBuffer(count: local == nil ? 0 : K * L * 2 * D)
        if let local, let f = layout.frameNetwork {
            // Five silent frames: the middle output of a centred network and the last of a causal one see only them.
            let C = local.hidden
            let silent = [Float]((0..<5).map { _ in local.silentFrame }.joined())
            let a = FloatBuffer(count: 5 * C), b = FloatBuffer(count: 5 * C)
            silent.withUnsafeBufferPointer { u in
                FrameNetwork.forward(frames: 5, channels: local.channels, hidden: C, causal: local.causal, u.baseAddress!,
                                     conv1Weight: p[f.conv1Weight], conv1Bias: p[f.conv1Bias],
                                     conv2Weight: p[f.conv2Weight], conv2Bias: p[f.conv2Bias], a: a.base, b: b.base)
            }
            let seen = b[(local.causal ? 4 : 2) * C]
            for k in 0..<K { Self.project(seen, frames: 1, p, bias: layerBias[k * L * 2 * D], into: silentProjection[k * L * 2 * D]) }
        }
        gateBias = .allocate(capacity: K)
        for k in 0..<K { gateBias[k] = UnsafePointer(local == nil ? layerBias[k * L * 2 * D] : localProjection[k * frameCapacity * L * 2 * D]) }
        queueBases = .allocate(capacity: L)
        for i in 0..<L { queueBases[i] = queues[i].base }
        dilations = .allocate(capacity: L)
        for i in 0..<L { dilations[i] = Int32(dilationList[i]) }
        stepArguments = .allocate(capacity: 1)
        stepArguments.initialize(to: wavenet_step(
            streams: Int32(K), R: Int32(R), D: Int32(D), S: Int32(S), Q: Int32(Q), layers: Int32(L),
            dilations: dilations, weights: w.packed.base, weights_half: w.packedHalf, queues: queueBases, positions: positions, gate_bias: gateBias,
            state: state.base, z: z.base, g: g.base, head: head.base, hidden: hidden.base, logits: logits.base))
        previous = [Int32](repeating: 0, count: K)
        rngs = (0..<K).map { SplitMix64.derived(seed: seed, index: UInt64(firstStream + $0)) }
    }

    deinit {
        positions.deallocate()
        gateBias.deallocate()
        queueBases.deallocate()
        dilations.deallocate()
        stepArguments.deallocate()
    }

    /// One step for all K streams: consume inputs[k], leave the next sample's logits in `logits`.
    /// A `silent` step is one of the lead-in, before position 0: it reads the silent frame's
    /// projection and does not count as an input position.
    func step(inputs: UnsafePointer<Int32>, silent: Bool = false) {
        let (Q, R, D, S, L, K) = (w.Q, w.R, w.D, w.S, w.L, count)
        let p = w.parameters, layout = p.layout
        let table = p[layout.inputTable], inputBias = p[layout.inputBias]
        // Input layer: h = T1[c_t] + T0[c_{t-1}] + b, and the skip sum starts at its bias.   [K] -> [K, R+S]
        for k in 0..<K {
            let row = state[k * (R + S)], present = table + (Q + Int(inputs[k])) * R
            for r in 0..<R { row[r] = present[r] + inputBias[r] }
            if hasPrevious {
                let past = table + Int(previous[k]) * R
                for r in 0..<R { row[r] += past[r] }
            }
            (row + R).update(from: skipBiasSum.base, count: S)
            previous[k] = inputs[k]
        }
        hasPrevious = true
        if w.config.local != nil && silent {
            for k in 0..<K { gateBias[k] = UnsafePointer(silentProjection[k * L * 2 * D]) }
        } else if let local = w.config.local {
            // Each layer's projection of this sample's frame (bias included); a stream whose
            // features end before the others' repeats its last frame (its extra samples are dropped).
            let frame = (inputPosition + 1) / local.hop
            if live {
                precondition(frame < liveFrames, "live generation ran ahead of its frames")
                gateBias[0] = UnsafePointer(localProjection[(frame % frameCapacity) * L * 2 * D])
            } else {
                for k in 0..<K {
                    gateBias[k] = UnsafePointer(localProjection[(k * frameCapacity + min(frame, frameCounts[k] - 1)) * L * 2 * D])
                }
            }
        }
        if !silent { inputPosition += 1 }
        switch kernel {
        case .fused: wavenet_fused_step(stepArguments)
        case .baseline: baselineStep()
        }
    }

    /// Appends the next live frame [F]: the causal frame network's output for it (from it and the
    /// 4 frames before, as the whole sequence would give), then each layer's projection plus bias
    /// into the ring.
    func appendLive(_ u: [Float]) {
        let p = w.parameters, layout = p.layout, local = w.config.local!, f = layout.frameNetwork!
        let (F, C, D, L) = (local.channels, local.hidden, w.D, w.L)
        precondition(live && u.count == F && local.causal)
        liveHistory += u
        if liveHistory.count > 5 * F { liveHistory.removeFirst(liveHistory.count - 5 * F) }
        let n = liveHistory.count / F
        // Fewer than 5 frames: the sequence's start, whose padding the network applies itself.
        liveHistory.withUnsafeBufferPointer { history in
            FrameNetwork.forward(frames: n, channels: F, hidden: C, causal: true, history.baseAddress!,
                                 conv1Weight: p[f.conv1Weight], conv1Bias: p[f.conv1Bias],
                                 conv2Weight: p[f.conv2Weight], conv2Bias: p[f.conv2Bias], a: liveA.base, b: liveB.base)
        }
        Self.project(liveB[(n - 1) * C], frames: 1, p, bias: layerBias.base, into: localProjection[(liveFrames % frameCapacity) * L * 2 * D])
        liveFrames += 1
    }

    /// Each layer's projection of n frame-network outputs plus that layer's gate bias, the rows
    /// z starts from.   b [n][C], bias [L][2D] -> rows [n][L][2D]
    static func project(_ b: UnsafePointer<Float>, frames n: Int, _ p: Parameters, bias: UnsafePointer<Float>,
                        into rows: UnsafeMutablePointer<Float>) {
        let (L, D, C) = (p.config.layerCount, p.config.dilationChannels, p.config.local!.hidden)
        for i in 0..<L {
            let first = rows + i * 2 * D, layerBias = bias + i * 2 * D
            Matmul.nt(n, 2 * D, C, b, C, p[p.layout.layers[i].localWeight!], C, first, L * 2 * D, beta: 0)
            for frame in 0..<n {
                let row = first + frame * L * 2 * D
                for o in 0..<2 * D { row[o] += layerBias[o] }
            }
        }
    }

    /// Today's kernel before the fused one, kept for comparison (`bench generate --kernel baseline`):
    /// one small product per call, the SIMD one-row kernel at one stream and sgemm at several.
    func baselineStep() {
        let (Q, R, D, S, K) = (w.Q, w.R, w.D, w.S, count)
        for i in 0..<w.L {
            // Dilated convolution on [h[t-d] | h[t]], then the oldest queue slot takes h[t].   [K, 2R] -> [K, 2D]
            let slot = queues[i][Int(positions[i]) * K * R]
            for k in 0..<K {
                (stacked.base + k * 2 * R).update(from: slot + k * R, count: R)
                (stacked.base + k * 2 * R + R).update(from: state[k * (R + S)], count: R)
                (slot + k * R).update(from: state[k * (R + S)], count: R)
                z[k * 2 * D].update(from: gateBias[k]! + i * 2 * D, count: 2 * D)
            }
            positions[i] += 1
            if positions[i] == Int32(w.config.dilations[i]) { positions[i] = 0 }
            SmallMatmul.multiply(K, 2 * R, 2 * D, stacked.base, 2 * R, w.dilated(i), z.base, 2 * D, accumulate: true)
            // Gate, then residual and skip in one product (the packed rows' last, the bias, is added below).   [K, 2D] -> [K, D] -> [K, R+S]
            for k in 0..<K { Gate.forward(D, z[k * 2 * D], bias: zeroBias.base, g[k * D]) }
            SmallMatmul.multiply(K, D, R + S, g.base, D, w.residualSkip(i), rs.base, R + S, accumulate: false)
            let br = w.residualSkip(i) + D * (R + S)
            for k in 0..<K {
                let sk = state[k * (R + S)], rk = rs[k * (R + S)]
                for r in 0..<R { sk[r] += rk[r] + br[r] }
                for s in R..<R + S { sk[s] += rk[s] }
            }
        }
        // Head.   [K, S] -> [K, S] -> [K, Q]
        for k in 0..<K { (head.base + k * S).update(from: state[k * (R + S) + R], count: S) }
        ReLU.forward(head.base, K * S)
        for k in 0..<K { (hidden.base + k * S).update(from: w.packed[w.output1BiasOffset], count: S) }
        SmallMatmul.multiply(K, S, S, head.base, S, w.packed[w.output1Offset], hidden.base, S, accumulate: true)
        ReLU.forward(hidden.base, K * S)
        for k in 0..<K { (logits.base + k * Q).update(from: w.packed[w.output2BiasOffset], count: Q) }
        SmallMatmul.multiply(K, S, Q, hidden.base, S, w.packed[w.output2Offset], logits.base, Q, accumulate: true)
    }

    func step(inputs: [Int32]) { inputs.withUnsafeBufferPointer { step(inputs: $0.baseAddress!) } }

    /// Generates `n` samples per stream into `output[k * stride + t]`.
    func generate(_ n: Int, into output: UnsafeMutablePointer<Int32>, stride: Int, temperature: Float) {
        let Q = w.Q
        if !hasPrevious {
            // The very first input is the class of silence, mu-law of 0.0, after a lead-in of
            // receptive field - 1 more: every training window has a full receptive field of real
            // audio before it, and the zero history of a cold start, which the model never saw,
            // sometimes set off a burst of noise that went on (the instrument, before its first note).
            let silence = [Int32](repeating: MuLaw(classes: Q).silence, count: count)
            for _ in 0..<Self.leadIn(w.config) { step(inputs: silence, silent: true) }
            step(inputs: silence)
        }
        var next = [Int32](repeating: 0, count: count)
        next.withUnsafeMutableBufferPointer { next in
            for t in 0..<n {
                for k in 0..<count {
                    next[k] = Sampling.sample(logits[k * Q], Q, temperature: temperature, rng: &rngs[k])
                    output[k * stride + t] = next[k]
                }
                step(inputs: UnsafePointer(next.baseAddress!))
            }
        }
    }

    /// Silent steps before position 0.
    static func leadIn(_ config: ModelConfig) -> Int { config.receptiveField - 1 }

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
        positions.update(repeating: 0, count: L)
        hasPrevious = true
    }

    func queueContents(layer i: Int, stream k: Int) -> [Float] {
        let d = w.config.dilations[i], R = w.R, K = count
        return (0..<d).flatMap { s in
            let slot = (Int(positions[i]) + s) % d
            return Array(UnsafeBufferPointer(start: queues[i][(slot * K + k) * R], count: R))
        }
    }

    func logitsRows() -> [[Float]] {
        (0..<count).map { Array(UnsafeBufferPointer(start: logits[$0 * w.Q], count: w.Q)) }
    }
}
