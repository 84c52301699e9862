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

    func testUnconditionedModelMatchesPyTorch() throws { try check("small") }
    func testConditionedModelMatchesPyTorch() throws { try check("conditioned") }
}
