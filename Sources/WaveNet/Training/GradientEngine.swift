import Dispatch

/// A batch of class sequences, each scored on its last `targets[b].count` times.
public struct Batch: Sendable {
    /// [B][n]
    public var inputs: [[Int32]]
    /// [B][T_b]: the class each scored output should predict.
    public var targets: [[Int32]]
    /// [B] class ids, with a conditioned model.
    public var classIDs: [Int]?
    /// [B] feature frames around each sequence, with a locally conditioned model.
    public var frames: [FrameWindow]?

    public init(inputs: [[Int32]], targets: [[Int32]], classIDs: [Int]? = nil, frames: [FrameWindow]? = nil) {
        self.inputs = inputs
        self.targets = targets
        self.classIDs = classIDs
        self.frames = frames
    }

    public var count: Int { inputs.count }
    public var targetCount: Int { targets.reduce(0) { $0 + $1.count } }
}

/// The feature frames one training sequence reads, as `LocalFrames` describes them, owned.
public struct FrameWindow: Sendable {
    /// [count, F], time-major.
    public var values: [Float]
    public var count: Int
    public var start: Int
    public var firstFrame: Int

    public init(values: [Float], count: Int, start: Int, firstFrame: Int) {
        (self.values, self.count, self.start, self.firstFrame) = (values, count, start, firstFrame)
    }

    /// Calls `body` with the frames as `LocalFrames`.
    public func withLocalFrames<R>(_ body: (LocalFrames) throws -> R) rethrows -> R {
        try values.withUnsafeBufferPointer { try body(LocalFrames(values: $0.baseAddress!, count: count, start: start, firstFrame: firstFrame)) }
    }
}

/// Loss and gradient of a batch, with the sequences spread over threads ("lanes").
///
/// Each lane owns a workspace and a gradient buffer and runs whole sequences with
/// single-threaded BLAS; lane gradients are then summed in a fixed order, so results depend
/// only on the inputs and the lane count, never on scheduling.
public final class GradientEngine: @unchecked Sendable {  // each lane touches only its own workspace and gradient
    public let parameters: Parameters
    public let lanes: Int
    let workspaces: [SequenceWorkspace]
    let laneGradients: [FloatBuffer]
    let blasThreads: Int

    /// `threads` CPU threads in all; sequences up to `length` classes with up to `outputs` scored.
    public init(parameters: Parameters, threads: Int, batch: Int, length: Int, outputs: Int) {
        self.parameters = parameters
        lanes = max(1, min(threads, batch))
        blasThreads = max(1, threads / lanes)
        workspaces = (0..<lanes).map { _ in SequenceWorkspace(config: parameters.config, capacity: length, targetCapacity: outputs) }
        laneGradients = (0..<lanes).map { _ in FloatBuffer(count: parameters.layout.count) }
    }

    /// Bytes the engine allocates for these sizes: a workspace and a gradient per lane.
    public static func estimatedBytes(config: ModelConfig, threads: Int, batch: Int, length: Int, outputs: Int) -> Double {
        let lanes = Double(max(1, min(threads, batch)))
        let parameters = Double(ParameterLayout(config).count)
        return lanes * (SequenceWorkspace.estimatedBytes(config: config, capacity: length, targetCapacity: outputs) + 4 * parameters)
    }

    /// The summed gradient after `lossAndGradients`.
    public var gradients: FloatBuffer { laneGradients[0] }

    /// Summed cross-entropy (nats) of each sequence of the last `lossAndGradients` batch.
    public private(set) var lastSequenceLosses: [Double] = []

    /// Mean cross-entropy (nats) over all targets of the batch; fills `gradients` with its gradient.
    /// With `targetTotal`, the batch is one process's share of a larger one with that many targets:
    /// the loss and gradient are its part of the larger batch's mean, so the parts sum to it.
    public func lossAndGradients(_ batch: Batch, targetTotal: Int? = nil) -> Double {
        if lastSequenceLosses.count != batch.count { lastSequenceLosses = [Double](repeating: 0, count: batch.count) }
        let total = targetTotal ?? batch.targetCount
        return run(batch, backward: true, perSequence: &lastSequenceLosses, targetTotal: total) / Double(total)
    }

    /// Mean cross-entropy (nats) over all targets, without gradients.
    public func loss(_ batch: Batch) -> Double {
        run(batch, backward: false) / Double(batch.targetCount)
    }

    /// Summed cross-entropy (nats) of each sequence, without gradients.
    public func sequenceLosses(_ batch: Batch) -> [Double] {
        var perSequence = [Double](repeating: 0, count: batch.count)
        _ = run(batch, backward: false, perSequence: &perSequence)
        return perSequence
    }

    func run(_ batch: Batch, backward: Bool) -> Double {
        var unused: [Double] = []
        return run(batch, backward: backward, perSequence: &unused)
    }

    /// Summed loss over all targets; per-sequence sums go to `perSequence` when it has room. The
    /// gradient is that of the sum divided by `targetTotal` (default: the batch's own targets).
    func run(_ batch: Batch, backward: Bool, perSequence: inout [Double], targetTotal: Int? = nil) -> Double {
        let B = batch.count, total = targetTotal ?? batch.targetCount
        precondition(B > 0 && total > 0, "empty batch")
        let scale = 1 / Float(total)
        var laneLoss = [Double](repeating: 0, count: lanes)
        Matmul.setThreads(blasThreads)
        let keepPerSequence = perSequence.count == B
        laneLoss.withUnsafeMutableBufferPointer { losses in
          perSequence.withUnsafeMutableBufferPointer { sequenceLosses in
            // Lane l writes losses[l] and the entries of its own sequences only.
            nonisolated(unsafe) let (losses, sequenceLosses) = (losses, sequenceLosses)
            DispatchQueue.concurrentPerform(iterations: lanes) { lane in
                let w = workspaces[lane]
                if backward { laneGradients[lane].zero() }
                var sum: Double = 0
                for b in stride(from: lane, to: B, by: lanes) {
                    batch.inputs[b].withUnsafeBufferPointer { input in
                        batch.targets[b].withUnsafeBufferPointer { targets in
                            func pass(_ local: LocalFrames?) {
                                let loss = Network.forward(parameters, w, input: input, outputs: targets.count, targets: targets,
                                                           classID: batch.classIDs?[b], local: local, lossScale: scale)
                                if keepPerSequence { sequenceLosses[b] = loss }
                                sum += loss
                                if backward { Network.backward(parameters, w, input: input, grads: laneGradients[lane]) }
                            }
                            if let window = batch.frames?[b] { window.withLocalFrames(pass) } else { pass(nil) }
                        }
                    }
                }
                losses[lane] = sum
            }
          }
        }
        if backward {
            let total = laneGradients[0].base
            for lane in 1..<lanes {
                let other = laneGradients[lane].base
                for i in 0..<parameters.layout.count { total[i] += other[i] }
            }
        }
        return laneLoss.reduce(0, +)
    }
}
