import Foundation
import TestSupport
import WaveNet
import XCTest

/// The Swift model against PyTorch (scripts/make_fixtures.py): logits, loss, every gradient.
final class ReferenceTests: XCTestCase {
    func check(_ name: String) throws {
        let checkpoint = try Checkpoint.load(fixturePath("\(name).safetensors"))
        let reference = try Safetensors(contentsOf: fixturePath("\(name)-reference.safetensors"))
        let p = checkpoint.parameters
        let inputTensor = reference.tensors["input"]!, targetTensor = reference.tensors["targets"]!
        let (B, n, T) = (inputTensor.shape[0], inputTensor.shape[1], targetTensor.shape[1])
        let inputs = (0..<B).map { b in inputTensor.values[b * n..<(b + 1) * n].map { Int32($0) } }
        let targets = (0..<B).map { b in targetTensor.values[b * T..<(b + 1) * T].map { Int32($0) } }
        let classIDs = reference.tensors["cond"].map { $0.values.map { Int($0) } }
        let batch = Batch(inputs: inputs, targets: targets, classIDs: classIDs)

        // Logits of every sequence, forward only.
        let Q = p.config.quantizationChannels
        let workspace = SequenceWorkspace(config: p.config, capacity: n, targetCapacity: T)
        for b in 0..<B {
            _ = inputs[b].withUnsafeBufferPointer {
                Network.forward(p, workspace, input: $0, outputs: T, classID: classIDs?[b])
            }
            let expected = Array(reference.tensors["logits"]!.values[b * T * Q..<(b + 1) * T * Q])
            assertClose(workspace.logitsCopy(), expected, relative: 1e-5, absolute: 1e-5, "\(name) logits b=\(b)")
        }

        for threads in [1, 2] {
            let engine = GradientEngine(parameters: p, threads: threads, batch: B, length: n, outputs: T)
            let loss = engine.lossAndGradients(batch)
            XCTAssertEqual(loss, Double(reference.tensors["loss"]!.values[0]), accuracy: 1e-5, "\(name) loss")
            for tensor in p.layout.tensors {
                let expected = reference.tensors["grad." + tensor.name]!
                XCTAssertEqual(expected.shape, tensor.shape, tensor.name)
                let got = tensor.flatIndices.map { engine.gradients.base[$0] }
                assertClose(got, expected.values, relative: 1e-4, absolute: 1e-6, "\(name) grad \(tensor.name) threads=\(threads)")
            }
        }
    }

    /// Locally conditioned models, one sequence at a time through Network.forward/backward: the
    /// fixture gives each sequence its file's frames [F, frames] from frame 0 and its start position.
    func checkLocal(_ name: String) throws {
        let checkpoint = try Checkpoint.load(fixturePath("\(name).safetensors"))
        let reference = try Safetensors(contentsOf: fixturePath("\(name)-reference.safetensors"))
        let p = checkpoint.parameters, config = p.config
        let local = try XCTUnwrap(config.local)
        let inputTensor = reference.tensors["input"]!, targetTensor = reference.tensors["targets"]!, framesTensor = reference.tensors["frames"]!
        let (B, n, T) = (inputTensor.shape[0], inputTensor.shape[1], targetTensor.shape[1])
        let (F, frames) = (framesTensor.shape[1], framesTensor.shape[2])
        XCTAssertEqual(F, local.channels)
        let starts = reference.tensors["start"]!.values.map { Int($0) }
        let classIDs = reference.tensors["cond"].map { $0.values.map { Int($0) } }
        let Q = config.quantizationChannels
        let workspace = SequenceWorkspace(config: config, capacity: n + 200, targetCapacity: T)
        let grads = FloatBuffer(count: p.layout.count)
        var loss = 0.0
        for b in 0..<B {
            let input = inputTensor.values[b * n..<(b + 1) * n].map { Int32($0) }
            let targets = targetTensor.values[b * T..<(b + 1) * T].map { Int32($0) }
            // The file's frames, time-major [frames, F].
            let all = (0..<frames * F).map { framesTensor.values[b * F * frames + ($0 % F) * frames + $0 / F] }
            // Only the frames the window needs, with the context the spec asks for, cut at the file's edges.
            let first = max(0, (starts[b] + 1) / local.hop - LocalConfig.framesBefore)
            let end = min(frames, (starts[b] + n) / local.hop + LocalConfig.framesAfter + 1)
            let window = Array(all[first * F..<end * F])
            window.withUnsafeBufferPointer { u in
                let frames = LocalFrames(values: u.baseAddress!, count: end - first, start: starts[b], firstFrame: first)
                input.withUnsafeBufferPointer { input in
                    targets.withUnsafeBufferPointer { targets in
                        loss += Network.forward(p, workspace, input: input, outputs: T, targets: targets, classID: classIDs?[b],
                                                local: frames, lossScale: 1 / Float(B * T))
                        // The logits became their gradient; compare the forward's logits first in a second pass.
                        Network.backward(p, workspace, input: input, grads: grads)
                        _ = Network.forward(p, workspace, input: input, outputs: T, classID: classIDs?[b], local: frames)
                        let expected = Array(reference.tensors["logits"]!.values[b * T * Q..<(b + 1) * T * Q])
                        assertClose(workspace.logitsCopy(), expected, relative: 1e-5, absolute: 1e-5, "\(name) logits b=\(b)")
                    }
                }
            }
        }
        XCTAssertEqual(loss / Double(B * T), Double(reference.tensors["loss"]!.values[0]), accuracy: 1e-5, "\(name) loss")
        for tensor in p.layout.tensors {
            let expected = try XCTUnwrap(reference.tensors["grad." + tensor.name], tensor.name)
            XCTAssertEqual(expected.shape, tensor.shape, tensor.name)
            assertClose(tensor.flatIndices.map { grads.base[$0] }, expected.values, relative: 1e-4, absolute: 1e-6, "\(name) grad \(tensor.name)")
        }
    }

    func testMelConditionedModelMatchesPyTorch() throws { try checkLocal("local-mel") }
    func testCausalNotesModelWithClassesMatchesPyTorch() throws { try checkLocal("local-causal") }

    func testUnconditionedModelMatchesPyTorch() throws { try check("small") }
    func testConditionedModelMatchesPyTorch() throws { try check("conditioned") }
}
