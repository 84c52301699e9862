import Foundation
import TestSupport
import WaveNet
import XCTest

/// Adam and gradient clipping against six steps of `torch.optim.Adam` with
/// `clip_grad_norm_` (scripts/make_fixtures.py), the way llm.c checks its reference steps.
final class OptimizerTests: XCTestCase {
    func testSixAdamStepsWithClippingMatchPyTorch() throws {
        let p = try Checkpoint.load(fixturePath("adam.safetensors")).parameters
        let reference = try Safetensors(contentsOf: fixturePath("adam-reference.safetensors"))
        func tensor(_ name: String) -> [Float] { reference.tensors[name]!.values }
        let maxNorm = tensor("max_norm")[0]
        let adam = Adam(learningRate: tensor("learning_rate")[0])
        let state = AdamState(count: p.layout.count)
        let (B, n, T) = (2, 20, 12)
        let engine = GradientEngine(parameters: p, threads: 1, batch: B, length: n, outputs: T)
        var clipped = 0
        for k in 0..<6 {
            let input = tensor("step\(k).input").map { Int32($0) }, targets = tensor("step\(k).targets").map { Int32($0) }
            let batch = Batch(inputs: (0..<B).map { Array(input[$0 * n..<($0 + 1) * n]) },
                              targets: (0..<B).map { Array(targets[$0 * T..<($0 + 1) * T]) })
            let loss = engine.lossAndGradients(batch)
            XCTAssertEqual(loss, Double(tensor("step\(k).loss")[0]), accuracy: 2e-5, "loss of step \(k)")
            let norm = Adam.clip(engine.gradients, maxNorm: maxNorm)
            XCTAssertEqual(norm, tensor("step\(k).norm")[0], accuracy: 1e-5, "gradient norm of step \(k)")
            if norm > maxNorm { clipped += 1 }
            adam.update(p.values, engine.gradients, state, step: k + 1)
        }
        XCTAssertEqual(clipped, 5, "the fixture clips every step but the first")
        for t in p.layout.tensors {
            assertClose(t.flatIndices.map { p.values.base[$0] }, tensor("final." + t.name), relative: 1e-4, absolute: 2e-5, t.name)
        }
    }

    func testClipScalesToTheLimitAndReportsTheNormBefore() {
        let g = FloatBuffer(count: 4)
        for (i, x) in [3, 0, -4, 0].enumerated() { g.base[i] = Float(x) }
        XCTAssertEqual(Adam.clip(g, maxNorm: nil), 5)
        XCTAssertEqual(g.array, [3, 0, -4, 0], "no limit, no change")
        XCTAssertEqual(Adam.clip(g, maxNorm: 10), 5)
        XCTAssertEqual(g.array, [3, 0, -4, 0], "under the limit, no change")
        XCTAssertEqual(Adam.clip(g, maxNorm: 1), 5)
        assertClose(g.array, [0.6, 0, -0.8, 0], relative: 1e-6, absolute: 0)
    }
}
