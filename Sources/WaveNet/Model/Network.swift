/// Forward and backward passes of the WaveNet over one class sequence.
///
/// Activations are time-major (`[time, channels]`, channels contiguous) with `pad` zero rows
/// before time 0 in every residual-stream buffer, so the dilated tap `h[t - d]` is the same
/// matrix shifted by `d` rows: no copy, and the zeros before the start come for free.
///
/// Only what the scored outputs need is computed: layer i runs on times
/// `[n - T - Σ_{j>i} d_j, n)` (clamped at 0), and the skip sum and head on the last T times.
/// With `n = T + receptiveField - 1` the first of the T outputs sees real context only.
public final class SequenceWorkspace: @unchecked Sendable {  // one lane (thread) at a time
    public let config: ModelConfig
    /// Longest sequence and most scored outputs this workspace holds.
    public let capacity: Int, targetCapacity: Int
    let pad: Int
    let (Q, R, D, S, L, G): (Int, Int, Int, Int, Int, Int)
    /// h[i], i = 0...L-1: input of layer i, [pad + capacity, R] each.
    let residual: FloatBuffer
    /// Per layer [capacity, 2D]: tanh | sigmoid of the gate pre-activations.
    let gateActivations: FloatBuffer
    /// [capacity, L*D]: every layer's gate output side by side, so the skip sum is one product.
    let gates: FloatBuffer
    let gateGradients: FloatBuffer
    let preactivationGradient: FloatBuffer
    /// [pad + capacity, R]: one buffer for every layer's dh, since h[i+1] = h[i] + ... passes
    /// dh[i+1] on unchanged to dh[i]; each layer only adds its own terms (see `backward`).
    let residualGradient: FloatBuffer
    /// [T, S]: relu(skip sum); [T, S]: relu(output.1); [T, Q]: logits, then their gradient.
    let skipSum: FloatBuffer, hidden: FloatBuffer, logits: FloatBuffer
    let hiddenGradient: FloatBuffer
    /// Per layer [2D]: dilated bias plus the class's conditioning term.
    let layerBias: FloatBuffer
    let biasGradient: FloatBuffer
    let skipBiasGradient: FloatBuffer
    /// Local conditioning, per sequence: frames the workspace holds (frameCapacity), the frame
    /// network's [frames, C] activations a and b, each layer's projection [L][frames, 2D], and
    /// the gradients db [frames, C], da [frames, C] and dproj [frames, 2D].
    let frameCapacity: Int
    let localA: FloatBuffer, localB: FloatBuffer, localProjection: FloatBuffer
    let localBGradient: FloatBuffer, localAGradient: FloatBuffer, projectionGradient: FloatBuffer
    var local: LocalFrames? = nil
    /// Start time of each layer for the current sequence.
    var starts: [Int] = []
    var length = 0, targetCount = 0, classID: Int? = nil

    public init(config: ModelConfig, capacity: Int, targetCapacity: Int) {
        precondition(targetCapacity >= 1 && targetCapacity <= capacity, "workspace needs 1 <= targets <= length")
        self.config = config
        self.capacity = capacity
        self.targetCapacity = targetCapacity
        pad = config.dilations.max() ?? 1
        (Q, R, D, S, L, G) = (config.quantizationChannels, config.residualChannels, config.dilationChannels,
                              config.skipChannels, config.layerCount, config.condChannels ?? 0)
        residual = FloatBuffer(count: L * (pad + capacity) * R)
        gateActivations = FloatBuffer(count: L * capacity * 2 * D)
        gates = FloatBuffer(count: capacity * L * D)
        gateGradients = FloatBuffer(count: capacity * L * D)
        preactivationGradient = FloatBuffer(count: capacity * 2 * D)
        residualGradient = FloatBuffer(count: (pad + capacity) * R)
        skipSum = FloatBuffer(count: targetCapacity * S)
        hidden = FloatBuffer(count: targetCapacity * S)
        logits = FloatBuffer(count: targetCapacity * Q)
        hiddenGradient = FloatBuffer(count: targetCapacity * S)
        layerBias = FloatBuffer(count: L * 2 * D)
        biasGradient = FloatBuffer(count: 2 * D)
        skipBiasGradient = FloatBuffer(count: S)
        let C = config.local?.hidden ?? 0
        frameCapacity = config.local.map { capacity / $0.hop + LocalConfig.framesBefore + LocalConfig.framesAfter + 2 } ?? 0
        localA = FloatBuffer(count: frameCapacity * C)
        localB = FloatBuffer(count: frameCapacity * C)
        localProjection = FloatBuffer(count: L * frameCapacity * 2 * D)
        localBGradient = FloatBuffer(count: frameCapacity * C)
        localAGradient = FloatBuffer(count: frameCapacity * C)
        projectionGradient = FloatBuffer(count: frameCapacity * 2 * D)
    }

    /// The frame of input position t (0-based in the sequence) within the passed frames.
    @inline(__always) func frame(_ local: LocalFrames, _ t: Int) -> Int {
        (local.start + t + 1) / config.local!.hop - local.firstFrame
    }

    /// Bytes a workspace of this size allocates (in Double, so that absurd sizes cannot overflow).
    public static func estimatedBytes(config: ModelConfig, capacity: Int, targetCapacity: Int) -> Double {
        let (Q, R, D, S, L) = (Double(config.quantizationChannels), Double(config.residualChannels), Double(config.dilationChannels),
                               Double(config.skipChannels), Double(config.layerCount))
        let n = Double(capacity), T = Double(targetCapacity), pad = Double(config.dilations.max() ?? 1)
        let floats = (L + 1) * (pad + n) * R + L * n * 2 * D + 2 * n * L * D + n * 2 * D + T * (3 * S + Q) + L * 2 * D + 2 * D + S
        return 4 * floats
    }

    /// Row t of h[i] (t may be negative down to -pad: zeros).
    @inline(__always) func h(_ i: Int, _ t: Int) -> UnsafeMutablePointer<Float> {
        residual[(i * (pad + capacity) + pad + t) * R]
    }

    @inline(__always) func act(_ i: Int, _ t: Int) -> UnsafeMutablePointer<Float> {
        gateActivations[(i * capacity + t) * 2 * D]
    }

    /// Logits of the scored outputs after `forward` (before `backward`): [T, Q].
    public func logitsCopy() -> [Float] { Array(UnsafeBufferPointer(start: logits.base, count: targetCount * Q)) }
}

/// The feature frames a locally conditioned sequence reads (MODEL_SPEC.md, "Local conditioning").
/// Position p of the file reads frame (p + 1) / hop; the frames passed must hold every frame the
/// sequence reads plus, for values equal to the whole file's, `LocalConfig.framesBefore` frames
/// before and `framesAfter` after (fewer only at the file's edges, never zeros made up).
public struct LocalFrames {
    /// [count, F], time-major: file frames firstFrame ..< firstFrame + count.
    public var values: UnsafePointer<Float>
    public var count: Int
    /// The file position of the sequence's first input.
    public var start: Int
    /// The file frame of values' first row.
    public var firstFrame: Int

    public init(values: UnsafePointer<Float>, count: Int, start: Int, firstFrame: Int) {
        (self.values, self.count, self.start, self.firstFrame) = (values, count, start, firstFrame)
    }
}

/// The model: parameters plus the passes that use them.
public enum Network {
    /// Runs the model on `input` (n classes) and scores the last T outputs.
    ///
    /// - input: [n] classes; times before 0 are zero vectors.
    /// - targets: [T] the class each of the last T outputs should predict, or nil for logits only.
    /// - lossScale: multiplies the stored logit gradient (1 / total targets of the batch).
    /// - Returns: the summed cross-entropy in nats over the T targets (0 without targets).
    @discardableResult
    public static func forward(_ p: Parameters, _ w: SequenceWorkspace, input: UnsafeBufferPointer<Int32>,
                               outputs T: Int, targets: UnsafeBufferPointer<Int32>? = nil,
                               classID: Int? = nil, local: LocalFrames? = nil, lossScale: Float = 1) -> Double {
        let n = input.count
        precondition(n <= w.capacity && T <= w.targetCapacity && T >= 1 && T <= n, "sequence does not fit the workspace")
        precondition(targets == nil || targets!.count == T, "need one target per scored output")
        precondition((classID != nil) == p.config.isConditioned, "a conditioned model needs a class, others none")
        let (Q, R, D, S, L) = (w.Q, w.R, w.D, w.S, w.L)
        let LD = L * D
        let layout = p.layout
        w.length = n
        w.targetCount = T
        w.classID = classID
        w.local = local
        precondition((local != nil) == (p.config.local != nil), "a locally conditioned model needs frames, others none")
        if let local, let config = p.config.local, let f = layout.frameNetwork {
            precondition(local.count <= w.frameCapacity && w.frame(local, 0) >= 0 && w.frame(local, n - 1) < local.count,
                         "the frames passed do not cover the sequence")
            // Frame network, then each layer's projection once per frame.   u: [frames, F] -> b: [frames, C] -> [frames, 2D]
            FrameNetwork.forward(frames: local.count, channels: config.channels, hidden: config.hidden, causal: config.causal,
                                 local.values, conv1Weight: p[f.conv1Weight], conv1Bias: p[f.conv1Bias],
                                 conv2Weight: p[f.conv2Weight], conv2Bias: p[f.conv2Bias], a: w.localA.base, b: w.localB.base)
            for i in 0..<L {
                Matmul.nt(local.count, 2 * D, config.hidden, w.localB.base, config.hidden, p[layout.layers[i].localWeight!], config.hidden,
                          w.localProjection[i * w.frameCapacity * 2 * D], 2 * D, beta: 0)
            }
        }

        // Start time of every layer: what the layers above and the T outputs need.
        var starts = [Int](repeating: 0, count: L)
        var need = n - T
        for i in stride(from: L - 1, through: 0, by: -1) {
            starts[i] = max(0, need)
            need -= p.config.dilations[i]
        }
        w.starts = starts
        let inputStart = max(0, starts[0] - p.config.dilations[0])

        // Input layer as two column lookups: h0[t] = T0[c[t-1]] + T1[c[t]] + b.   c: [n] -> h0: [n, R]
        let table = p[layout.inputTable], bias = p[layout.inputBias]
        for t in inputStart..<n {
            let row = w.h(0, t)
            let present = table + (Q + Int(input[t])) * R
            if t > 0 {
                let past = table + Int(input[t - 1]) * R
                for r in 0..<R { row[r] = past[r] + present[r] + bias[r] }
            } else {
                for r in 0..<R { row[r] = present[r] + bias[r] }
            }
        }

        for i in 0..<L {
            let layer = layout.layers[i]
            let d = p.config.dilations[i], s = starts[i], M = n - s
            let layerBias = w.layerBias[i * 2 * D]
            gateBias(p, layer: i, classID: classID, into: layerBias)
            // Dilated causal convolution: z[t] = W0 h[t-d] + W1 h[t].   h: [M, R] -> z: [M, 2D]
            let W0 = p[layer.dilatedWeight], W1 = W0 + 2 * D * R
            let z = w.act(i, s)
            Matmul.nt(M, 2 * D, R, w.h(i, s - d), R, W0, R, z, 2 * D, beta: 0)
            Matmul.nt(M, 2 * D, R, w.h(i, s), R, W1, R, z, 2 * D, beta: 1)
            // Local conditioning: z[t] += projection of the frame t reads.   [frames, 2D] -> [M, 2D]
            if let local {
                let projection = w.localProjection[i * w.frameCapacity * 2 * D]
                for t in s..<n {
                    let row = w.act(i, t), add = projection + w.frame(local, t) * 2 * D
                    for o in 0..<2 * D { row[o] += add[o] }
                }
            }
            // Gate: g = tanh(z_a + b_a) * sigmoid(z_b + b_b).   z: [M, 2D] -> g: [M, D] (column block i of gates)
            for t in s..<n { Gate.forward(D, w.act(i, t), bias: layerBias, w.gates[t * LD + i * D]) }
            // Residual: h[i+1] = h[i] + Wr g + br.   g: [M, D] -> [M, R]   (the last layer's is never used)
            if i + 1 < L {
                let br = p[layer.residualBias]
                for t in s..<n {
                    let from = w.h(i, t), to = w.h(i + 1, t)
                    for r in 0..<R { to[r] = from[r] + br[r] }
                }
                Matmul.nt(M, R, D, w.gates[s * LD + i * D], LD, p[layer.residualWeight], D, w.h(i + 1, s), R, beta: 1)
            }
        }

        // Skip sum over all layers as one product: s = G Ws^T + Σ bs.   gates: [T, L*D] -> [T, S]
        let first = n - T
        let skip = w.skipSum.base
        for t in 0..<T {
            let row = skip + t * S
            row.update(from: p[layout.layers[0].skipBias], count: S)
            for i in 1..<L {
                let b = p[layout.layers[i].skipBias]
                for c in 0..<S { row[c] += b[c] }
            }
        }
        Matmul.nt(T, S, LD, w.gates[first * LD], LD, p[layout.skipWeight], LD, skip, S, beta: 1)
        // Head: logits = W2 relu(W1 relu(s) + b1) + b2.   [T, S] -> [T, S] -> [T, Q]
        ReLU.forward(skip, T * S)
        fillRows(w.hidden.base, T, S, p[layout.output1Bias])
        Matmul.nt(T, S, S, skip, S, p[layout.output1Weight], S, w.hidden.base, S, beta: 1)
        ReLU.forward(w.hidden.base, T * S)
        fillRows(w.logits.base, T, Q, p[layout.output2Bias])
        Matmul.nt(T, Q, S, w.hidden.base, S, p[layout.output2Weight], S, w.logits.base, Q, beta: 1)

        guard let targets else { return 0 }
        // Softmax cross-entropy; the logits become their gradient.   [T, Q] -> loss
        var loss: Double = 0
        for t in 0..<T {
            loss += SoftmaxCrossEntropy.forwardBackward(Q, w.logits[t * Q], target: Int(targets[t]), scale: lossScale)
        }
        return loss
    }

    /// Accumulates (+=) the gradient of the last `forward` (which had targets) into `grads`,
    /// in reverse order of the forward pass.
    public static func backward(_ p: Parameters, _ w: SequenceWorkspace, input: UnsafeBufferPointer<Int32>,
                                grads: FloatBuffer) {
        let (Q, R, D, S, L, G) = (w.Q, w.R, w.D, w.S, w.L, w.G)
        let LD = L * D
        let layout = p.layout
        let n = w.length, T = w.targetCount, first = n - T
        precondition(input.count == n, "backward needs the forward's input")
        let g = { (offset: Int) in grads[offset] }
        let dLogits = w.logits.base, hidden = w.hidden.base, skip = w.skipSum.base, dHidden = w.hiddenGradient.base

        // output.2: [T, S] -> [T, Q]
        Matmul.tn(Q, S, T, dLogits, Q, hidden, S, g(layout.output2Weight), S, beta: 1)
        addColumnSums(T, Q, dLogits, Q, into: g(layout.output2Bias))
        Matmul.nn(T, S, Q, dLogits, Q, p[layout.output2Weight], S, dHidden, S, beta: 0)
        ReLU.backward(hidden, dHidden, T * S)
        // output.1: [T, S] -> [T, S]; the gradient of relu(skip) goes into `hidden`, no longer needed.
        Matmul.tn(S, S, T, dHidden, S, skip, S, g(layout.output1Weight), S, beta: 1)
        addColumnSums(T, S, dHidden, S, into: g(layout.output1Bias))
        Matmul.nn(T, S, S, dHidden, S, p[layout.output1Weight], S, hidden, S, beta: 0)
        ReLU.backward(skip, hidden, T * S)
        let dSkip = hidden

        // Skip sum: gates [T, L*D] -> [T, S]. Every layer's skip bias gets the same column sums.
        Matmul.tn(S, LD, T, dSkip, S, w.gates[first * LD], LD, g(layout.skipWeight), LD, beta: 1)
        let columnSums = w.skipBiasGradient.base
        columnSums.update(repeating: 0, count: S)
        addColumnSums(T, S, dSkip, S, into: columnSums)
        for i in 0..<L {
            let b = g(layout.layers[i].skipBias)
            for c in 0..<S { b[c] += columnSums[c] }
        }
        let dGates = w.gateGradients.base
        if first > 0 { dGates.update(repeating: 0, count: first * LD) }
        Matmul.nn(T, LD, S, dSkip, S, p[layout.skipWeight], LD, dGates + first * LD, LD, beta: 0)

        w.residualGradient.zero()
        if w.local != nil { w.localBGradient.zero() }
        let dz = w.preactivationGradient.base
        for i in stride(from: L - 1, through: 0, by: -1) {
            let layer = layout.layers[i]
            let d = p.config.dilations[i], s = w.starts[i], M = n - s
            // dh holds dL/dh[i+1] here (the identity path of h[i+1] = h[i] + ...); this layer adds its terms.
            let dh = w.residualGradient[(w.pad + s) * R]
            // Residual 1x1: dg += dh Wr, dWr += dh^T g, dbr += Σ dh.   [M, R] -> [M, D]
            if i + 1 < L {
                Matmul.nn(M, D, R, dh, R, p[layer.residualWeight], D, dGates + s * LD + i * D, LD, beta: 1)
                Matmul.tn(R, D, M, dh, R, w.gates[s * LD + i * D], LD, g(layer.residualWeight), D, beta: 1)
                addColumnSums(M, R, dh, R, into: g(layer.residualBias))
            }
            // Gate.   dg: [M, D] -> dz: [M, 2D]
            for t in s..<n { Gate.backward(D, w.act(i, t), dGates + t * LD + i * D, dz + t * 2 * D) }
            let dBias = w.biasGradient.base
            dBias.update(repeating: 0, count: 2 * D)
            addColumnSums(M, 2 * D, dz + s * 2 * D, 2 * D, into: dBias)
            let gBias = g(layer.dilatedBias)
            for o in 0..<2 * D { gBias[o] += dBias[o] }
            if let local = w.local, let localWeight = layer.localWeight, let C = p.config.local?.hidden {
                // z[t] += Wl b[frame(t)]: dproj[f] = Σ dz[t] over the frame's positions, dWl += dproj^T b, db += dproj Wl.
                let dProjection = w.projectionGradient.base
                dProjection.update(repeating: 0, count: local.count * 2 * D)
                for t in s..<n {
                    let row = dProjection + w.frame(local, t) * 2 * D, from = dz + t * 2 * D
                    for o in 0..<2 * D { row[o] += from[o] }
                }
                Matmul.tn(2 * D, C, local.count, dProjection, 2 * D, w.localB.base, C, g(localWeight), C, beta: 1)
                Matmul.nn(local.count, C, 2 * D, dProjection, 2 * D, p[localWeight], C, w.localBGradient.base, C, beta: 1)
            }
            if let classID = w.classID, let condWeight = layer.condWeight, let embed = layout.condEmbed {
                // z += Wc e: dWc += dz_sum e^T, de += Wc^T dz_sum.   [2D] -> [2D, G], [G]
                let e = p[embed + classID * G], gW = g(condWeight), gE = g(embed + classID * G)
                for o in 0..<2 * D {
                    for k in 0..<G {
                        gW[o * G + k] += dBias[o] * e[k]
                        gE[k] += dBias[o] * p[condWeight][o * G + k]
                    }
                }
            }
            // Dilated convolution: weights from both taps, then dh[t] += dz W1, dh[t-d] += dz W0.   [M, 2D] -> [M, R]
            let W0 = p[layer.dilatedWeight], W1 = W0 + 2 * D * R
            let gW0 = g(layer.dilatedWeight), gW1 = gW0 + 2 * D * R
            Matmul.tn(2 * D, R, M, dz + s * 2 * D, 2 * D, w.h(i, s - d), R, gW0, R, beta: 1)
            Matmul.tn(2 * D, R, M, dz + s * 2 * D, 2 * D, w.h(i, s), R, gW1, R, beta: 1)
            Matmul.nn(M, R, 2 * D, dz + s * 2 * D, 2 * D, W1, R, dh, R, beta: 1)
            Matmul.nn(M, R, 2 * D, dz + s * 2 * D, 2 * D, W0, R, w.residualGradient[(w.pad + s - d) * R], R, beta: 1)
        }

        if let local = w.local, let config = p.config.local, let f = layout.frameNetwork {
            FrameNetwork.backward(frames: local.count, channels: config.channels, hidden: config.hidden, causal: config.causal,
                                  local.values, conv1Weight: p[f.conv1Weight], conv2Weight: p[f.conv2Weight],
                                  a: w.localA.base, b: w.localB.base, db: w.localBGradient.base, scratch: w.localAGradient.base,
                                  dConv1Weight: g(f.conv1Weight), dConv1Bias: g(f.conv1Bias),
                                  dConv2Weight: g(f.conv2Weight), dConv2Bias: g(f.conv2Bias))
        }

        // Input lookups: scatter dh0[t] into the two columns that produced it.
        let inputStart = max(0, w.starts[0] - p.config.dilations[0])
        let gTable = g(layout.inputTable), gBias = g(layout.inputBias)
        for t in inputStart..<n {
            let dh = w.residualGradient[(w.pad + t) * R]
            let present = gTable + (Q + Int(input[t])) * R
            for r in 0..<R {
                present[r] += dh[r]
                gBias[r] += dh[r]
            }
            if t > 0 {
                let past = gTable + Int(input[t - 1]) * R
                for r in 0..<R { past[r] += dh[r] }
            }
        }
    }

    /// Per-sequence bias of layer i's gate: the dilated bias plus the class term Wc e[class].
    ///   e: [G] -> bias: [2D]
    static func gateBias(_ p: Parameters, layer i: Int, classID: Int?, into bias: UnsafeMutablePointer<Float>) {
        let layer = p.layout.layers[i], D = p.config.dilationChannels, G = p.config.condChannels ?? 0
        bias.update(from: p[layer.dilatedBias], count: 2 * D)
        guard let classID, let condWeight = layer.condWeight, let embed = p.layout.condEmbed else { return }
        let e = p[embed + classID * G], W = p[condWeight]
        for o in 0..<2 * D {
            var sum: Float = 0
            for g in 0..<G { sum += W[o * G + g] * e[g] }
            bias[o] += sum
        }
    }

    @inline(__always)
    static func fillRows(_ x: UnsafeMutablePointer<Float>, _ rows: Int, _ C: Int, _ row: UnsafePointer<Float>) {
        for t in 0..<rows { (x + t * C).update(from: row, count: C) }
    }
}
