import Foundation
import TestSupport
import WaveNet
import XCTest

/// Finite-difference checks, per operation and for the whole model. The model runs in Float,
/// so differences are central with steps chosen for Float, and tolerances are a few percent plus
/// an absolute floor. Whole-model steps stay small so that no ReLU kink is crossed.
final class GradientCheckTests: XCTestCase {
    // MARK: - Operations

    func testGate() {
        var rng = SplitMix64(seed: 1)
        for D in [1, 3, 8, 13] {
            let z0 = (0..<2 * D).map { _ in 3 * (rng.nextUnitFloat() - 0.5) }
            let bias = (0..<2 * D).map { _ in rng.nextUnitFloat() - 0.5 }
            let weights = (0..<D).map { _ in rng.nextUnitFloat() - 0.5 }
            // loss = Σ weights * g(z + bias)
            func loss(_ z: [Float]) -> Double {
                var z = z, g = [Float](repeating: 0, count: D)
                Gate.forward(D, &z, bias: bias, &g)
                return zip(g, weights).reduce(0) { $0 + Double($1.0) * Double($1.1) }
            }
            var act = z0, g = [Float](repeating: 0, count: D), dz = [Float](repeating: 0, count: 2 * D)
            Gate.forward(D, &act, bias: bias, &g)
            // Forward agrees with the scalar definition.
            for j in 0..<D {
                XCTAssertEqual(g[j], tanh(z0[j] + bias[j]) / (1 + exp(-(z0[D + j] + bias[D + j]))), accuracy: 1e-6)
            }
            Gate.backward(D, act, weights, &dz)
            for j in 0..<2 * D {
                var plus = z0, minus = z0
                plus[j] += 1e-2
                minus[j] -= 1e-2
                let numeric = Float((loss(plus) - loss(minus)) / 2e-2)
                XCTAssertEqual(dz[j], numeric, accuracy: 2e-4 + 1e-2 * abs(numeric), "D=\(D) j=\(j)")
            }
        }
    }

    func testLinearLayerThroughMatmul() {
        // y = x W^T (Matmul.nt); dx = dy W (nn); dW = dy^T x (tn).   x: [M, K], W: [N, K] -> y: [M, N]
        var rng = SplitMix64(seed: 2)
        let (M, N, K) = (7, 5, 6)
        let x = (0..<M * K).map { _ in rng.nextUnitFloat() - 0.5 }
        let W = (0..<N * K).map { _ in rng.nextUnitFloat() - 0.5 }
        let dy = (0..<M * N).map { _ in rng.nextUnitFloat() - 0.5 }
        func loss(_ x: [Float], _ W: [Float]) -> Double {
            var y = [Float](repeating: 0, count: M * N)
            Matmul.nt(M, N, K, x, K, W, K, &y, N, beta: 0)
            return zip(y, dy).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        var dx = [Float](repeating: 0, count: M * K), dW = [Float](repeating: 0, count: N * K)
        Matmul.nn(M, K, N, dy, N, W, K, &dx, K, beta: 0)
        Matmul.tn(N, K, M, dy, N, x, K, &dW, K, beta: 0)
        for i in 0..<M * K {
            var p = x, m = x
            p[i] += 1e-2
            m[i] -= 1e-2
            XCTAssertEqual(dx[i], Float((loss(p, W) - loss(m, W)) / 2e-2), accuracy: 1e-4)
        }
        for i in 0..<N * K {
            var p = W, m = W
            p[i] += 1e-2
            m[i] -= 1e-2
            XCTAssertEqual(dW[i], Float((loss(x, p) - loss(x, m)) / 2e-2), accuracy: 1e-4)
        }
    }

    func testReLU() {
        let x: [Float] = [-2, -0.5, 0.25, 3, -0.01, 0.7]
        var y = x
        ReLU.forward(&y, y.count)
        XCTAssertEqual(y, [0, 0, 0.25, 3, 0, 0.7])
        var dy: [Float] = [1, 2, 3, 4, 5, 6]
        ReLU.backward(y, &dy, dy.count)
        XCTAssertEqual(dy, [0, 0, 3, 4, 0, 6])  // the derivative of max(x, 0) away from 0
    }

    func testSoftmaxCrossEntropy() {
        var rng = SplitMix64(seed: 3)
        for Q in [2, 7, 16, 256] {
            let logits = (0..<Q).map { _ in 6 * (rng.nextUnitFloat() - 0.5) }
            let target = Int(rng.next() % UInt64(Q))
            var grad = logits
            let loss = SoftmaxCrossEntropy.forwardBackward(Q, &grad, target: target, scale: 0.5)
            let exact = log(logits.map { exp(Double($0)) }.reduce(0, +)) - Double(logits[target])
            XCTAssertEqual(loss, exact, accuracy: 1e-5)
            XCTAssertEqual(SoftmaxCrossEntropy.loss(Q, logits, target: target), exact, accuracy: 1e-6)
            for j in 0..<Q {
                var p = logits, m = logits
                p[j] += 1e-2
                m[j] -= 1e-2
                let numeric = (SoftmaxCrossEntropy.loss(Q, p, target: target) - SoftmaxCrossEntropy.loss(Q, m, target: target)) / 2e-2
                XCTAssertEqual(Double(grad[j]), 0.5 * numeric, accuracy: 1e-4, "Q=\(Q) j=\(j)")
            }
        }
    }

    func testVectorExpAndActivationsAgainstLibm() {
        var worst: Float = 0
        // The whole range where exp is a normal Float.
        for i in -8730...8800 {
            let x = Float(i) / 100
            let e = exp8(Float8(repeating: x))[3]
            let exact = Float(exp(Double(x)))
            if exact.isNormal { worst = max(worst, abs(e - exact) / exact) }
            XCTAssertEqual(tanh8(Float8(repeating: x))[0], tanh(x), accuracy: 3e-7)
            XCTAssertEqual(sigmoid8(Float8(repeating: x))[7], 1 / (1 + exp(-x)), accuracy: 3e-7)
        }
        XCTAssertLessThan(worst, 4e-7)
        XCTAssertEqual(exp8(Float8(repeating: -200))[0], 0, accuracy: 1e-37)
        XCTAssertTrue(exp8(Float8(repeating: 200))[0].isFinite)
    }

    func testMatmulAgainstNaiveReference() {
        var rng = SplitMix64(seed: 4)
        for (M, N, K) in [(1, 1, 1), (3, 5, 7), (17, 64, 32), (40, 9, 300)] {
            for (ta, tb) in [(false, true), (false, false), (true, false)] {
                let lda = (ta ? M : K) + 2, ldb = (tb ? K : N) + 1, ldc = N + 3
                let A = (0..<(ta ? K : M) * lda).map { _ in rng.nextUnitFloat() - 0.5 }
                let B = (0..<(tb ? N : K) * ldb).map { _ in rng.nextUnitFloat() - 0.5 }
                let C0 = (0..<M * ldc).map { _ in rng.nextUnitFloat() - 0.5 }
                var fast = C0, naive = C0
                switch (ta, tb) {
                case (false, true): Matmul.nt(M, N, K, A, lda, B, ldb, &fast, ldc, alpha: 0.5, beta: 1)
                case (false, false): Matmul.nn(M, N, K, A, lda, B, ldb, &fast, ldc, alpha: 0.5, beta: 1)
                default: Matmul.tn(M, N, K, A, lda, B, ldb, &fast, ldc, alpha: 0.5, beta: 1)
                }
                Matmul.reference(transposeA: ta, transposeB: tb, M, N, K, A, lda, B, ldb, &naive, ldc, alpha: 0.5, beta: 1)
                assertClose(fast, naive, relative: 1e-5, absolute: 1e-5, "M=\(M) N=\(N) K=\(K) ta=\(ta) tb=\(tb)")
            }
        }
    }

    // MARK: - Whole model

    func checkModel(_ config: ModelConfig, batch B: Int, length n: Int, outputs T: Int, seed: UInt64) throws {
        let p = try makeParameters(config, seed: seed)
        var rng = SplitMix64(seed: seed + 100)
        let Q = config.quantizationChannels
        // With local conditioning, each sequence starts somewhere in a longer file of random frames
        // and gets the frames it reads with the spec's context around them.
        let frames: [FrameWindow]? = config.local.map { local in
            (0..<B).map { b in
                let start = 3 * b + 1, first = max(0, (start + 1) / local.hop - LocalConfig.framesBefore)
                let count = (start + n) / local.hop + LocalConfig.framesAfter + 1 - first
                return FrameWindow(values: (0..<count * local.channels).map { _ in 2 * rng.nextUnitFloat() - 1 },
                                   count: count, start: start, firstFrame: first)
            }
        }
        let batch = Batch(inputs: (0..<B).map { _ in randomClasses(n, Q, &rng) },
                          targets: (0..<B).map { _ in randomClasses(T, Q, &rng) },
                          classIDs: config.isConditioned ? (0..<B).map { $0 % config.classCount } : nil, frames: frames)
        let engine = GradientEngine(parameters: p, threads: 1, batch: B, length: n, outputs: T)
        _ = engine.lossAndGradients(batch)
        let analytic = engine.gradients.array
        func loss() -> Double { engine.loss(batch) }

        // Every tensor: a few single elements. Where two step sizes disagree with each other the
        // loss has a ReLU kink within the step; such elements are skipped, but only a few may be.
        func numeric(_ index: Int, _ step: Float) -> Float {
            let saved = p.values.base[index]
            p.values.base[index] = saved + step
            let plus = loss()
            p.values.base[index] = saved - step
            let minus = loss()
            p.values.base[index] = saved
            return Float((plus - minus) / Double(2 * step))
        }
        var checked = 0, kinks = 0
        for tensor in p.layout.tensors {
            let picks = Set((0..<3).map { _ in tensor.flatIndices[Int(rng.next() % UInt64(tensor.flatIndices.count))] })
            for index in picks {
                let coarse = numeric(index, 1e-3), fine = numeric(index, 5e-4)
                let tolerance = 3e-4 + 3e-2 * abs(fine)
                if abs(coarse - fine) > tolerance {
                    kinks += 1
                    continue
                }
                checked += 1
                XCTAssertEqual(analytic[index], fine, accuracy: tolerance, "\(tensor.name) at \(index), dilations \(config.dilations)")
            }
        }
        XCTAssertLessThanOrEqual(kinks, max(2, checked / 10), "too many elements skipped as kinks")
        // A random direction through all parameters at once.
        let direction = (0..<p.values.count).map { _ in rng.nextUnitFloat() - 0.5 }
        let saved = p.values.array
        let epsilon: Float = 1e-4
        for i in 0..<p.values.count { p.values.base[i] = saved[i] + epsilon * direction[i] }
        let plus = loss()
        for i in 0..<p.values.count { p.values.base[i] = saved[i] - epsilon * direction[i] }
        let minus = loss()
        for i in 0..<p.values.count { p.values.base[i] = saved[i] }
        let numeric = (plus - minus) / (2 * Double(epsilon))
        let predicted = zip(analytic, direction).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        XCTAssertEqual(predicted, numeric, accuracy: 2e-3 + 1e-2 * abs(numeric), "directional, dilations \(config.dilations)")
    }

    func testWholeModelSweep() throws {
        for dilations in [[1], [1, 2, 4, 1], [3, 1, 5], [2, 2]] {
            for (n, T) in [(12, 12), (16, 5), (9, 1)] {
                try checkModel(tinyConfig(dilations: dilations), batch: 2, length: n, outputs: T, seed: UInt64(n * 7 + dilations.count))
            }
        }
    }

    func testWholeModelWithLocalConditioning() throws {
        for causal in [false, true] {
            var config = tinyConfig(dilations: [1, 2, 4])
            config.local = LocalConfig(features: .mel, channels: 3, hidden: 4, hop: 3, causal: causal, nFFT: 8, win: 8, fmin: 0, fmax: 8000)
            try checkModel(config, batch: 2, length: 14, outputs: 9, seed: causal ? 13 : 14)
            var both = tinyConfig(dilations: [2, 1], conditioned: true)
            both.local = LocalConfig(features: .notes, channels: 4, hidden: 3, hop: 2, causal: causal, low: 60, high: 61)
            try checkModel(both, batch: 2, length: 10, outputs: 10, seed: causal ? 15 : 16)
        }
    }

    func testWholeModelWithConditioning() throws {
        try checkModel(tinyConfig(dilations: [1, 2, 4], conditioned: true), batch: 3, length: 14, outputs: 9, seed: 11)
        try checkModel(tinyConfig(dilations: [2, 1], conditioned: true), batch: 2, length: 8, outputs: 8, seed: 12)
    }
}

final class CausalityTests: XCTestCase {
    func testChangingInputAtTChangesNothingBeforeT() throws {
        for conditioned in [false, true] {
            let config = tinyConfig(dilations: [1, 2, 4, 8, 1], conditioned: conditioned)
            let p = try makeParameters(config, seed: 5)
            var rng = SplitMix64(seed: 6)
            let n = 40, Q = config.quantizationChannels
            let w = SequenceWorkspace(config: config, capacity: n, targetCapacity: n)
            let cond: Int? = conditioned ? 1 : nil
            let base = randomClasses(n, Q, &rng)
            _ = base.withUnsafeBufferPointer { Network.forward(p, w, input: $0, outputs: n, classID: cond) }
            let before = w.logitsCopy()
            for t0 in [0, 7, 20, 39] {
                var changed = base
                changed[t0] = (changed[t0] + 5) % Int32(Q)
                _ = changed.withUnsafeBufferPointer { Network.forward(p, w, input: $0, outputs: n, classID: cond) }
                let after = w.logitsCopy()
                XCTAssertEqual(Array(after[0..<t0 * Q]), Array(before[0..<t0 * Q]), "outputs before \(t0) changed")
                XCTAssertNotEqual(Array(after[t0 * Q..<(t0 + 1) * Q]), Array(before[t0 * Q..<(t0 + 1) * Q]), "output at \(t0) unchanged")
            }
        }
    }

    func testScoringFewerOutputsGivesTheSameLogits() throws {
        // The shrinking layer ranges must not change the scored outputs.
        let config = tinyConfig(dilations: [1, 2, 4, 8, 3])
        let p = try makeParameters(config, seed: 8)
        var rng = SplitMix64(seed: 9)
        let n = 50, Q = config.quantizationChannels
        let input = randomClasses(n, Q, &rng)
        let w = SequenceWorkspace(config: config, capacity: n, targetCapacity: n)
        _ = input.withUnsafeBufferPointer { Network.forward(p, w, input: $0, outputs: n) }
        let all = w.logitsCopy()
        for T in [1, 10, 33] {
            _ = input.withUnsafeBufferPointer { Network.forward(p, w, input: $0, outputs: T) }
            assertClose(w.logitsCopy(), Array(all[(n - T) * Q..<n * Q]), relative: 1e-6, absolute: 1e-6, "T=\(T)")
        }
    }
}
