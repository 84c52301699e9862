import Dispatch

/// A batch of class sequences of equal length, each scored on its last `outputs` times.
public struct Batch: Sendable {
    /// [B][n]
    public var inputs: [[Int32]]
    /// [B][outputs]: the class each scored output should predict.
    public var targets: [[Int32]]
    /// [B] class ids, with a conditioned model.
    public var classes: [Int]?

    public init(inputs: [[Int32]], targets: [[Int32]], classes: [Int]? = nil) {
        self.inputs = inputs
        self.targets = targets
        self.classes = classes
    }

    public var count: Int { inputs.count }
    public var outputs: Int { targets.first?.count ?? 0 }
}

/// Loss and gradient of a batch, with the sequences spread over threads ("lanes").
///
/// Each lane owns a workspace and a gradient buffer and runs whole sequences with
/// single-threaded BLAS; lane gradients are then summed in a fixed order, so results depend
/// only on the inputs and the lane count, never on scheduling.
public final class GradientEngine {
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

    /// The summed gradient after `lossAndGradients`.
    public var gradients: FloatBuffer { laneGradients[0] }

    /// Mean cross-entropy (nats) over all targets of the batch; fills `gradients` with its gradient.
    public func lossAndGradients(_ batch: Batch) -> Double {
        run(batch, backward: true)
    }

    /// Mean cross-entropy (nats) over all targets, without gradients.
    public func loss(_ batch: Batch) -> Double {
        run(batch, backward: false)
    }

    func run(_ batch: Batch, backward: Bool) -> Double {
        let B = batch.count, T = batch.outputs
        precondition(B > 0 && T > 0, "empty batch")
        let scale = 1 / Float(B * T)
        var laneLoss = [Double](repeating: 0, count: lanes)
        Matmul.setThreads(blasThreads)
        laneLoss.withUnsafeMutableBufferPointer { losses in
            let losses = losses
            DispatchQueue.concurrentPerform(iterations: lanes) { lane in
                let w = workspaces[lane]
                if backward { laneGradients[lane].zero() }
                var sum: Double = 0
                for b in stride(from: lane, to: B, by: lanes) {
                    batch.inputs[b].withUnsafeBufferPointer { input in
                        batch.targets[b].withUnsafeBufferPointer { targets in
                            sum += Network.forward(parameters, w, input: input, outputs: T, targets: targets,
                                                   condClass: batch.classes?[b], lossScale: scale)
                            if backward { Network.backward(parameters, w, input: input, grads: laneGradients[lane]) }
                        }
                    }
                }
                losses[lane] = sum
            }
        }
        if backward {
            let total = laneGradients[0].base
            for lane in 1..<max(lanes, 1) where lane < lanes {
                let other = laneGradients[lane].base
                for i in 0..<parameters.layout.count { total[i] += other[i] }
            }
        }
        return laneLoss.reduce(0, +) / Double(B * T)
    }
}
