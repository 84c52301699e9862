import Foundation
import TestSupport
import WaveNet
import XCTest

/// The local-conditioning frame network: finite-difference gradients and its receptive field.
final class FrameNetworkTests: XCTestCase {
    struct Net {
        let (frames, F, C): (Int, Int, Int)
        var u: [Float], w1: [Float], b1: [Float], w2: [Float], b2: [Float]

        init(frames: Int, F: Int, C: Int, rng: inout SplitMix64) {
            (self.frames, self.F, self.C) = (frames, F, C)
            func random(_ n: Int) -> [Float] { (0..<n).map { _ in 1.5 * (rng.nextUnitFloat() - 0.5) } }
            u = random(frames * F); w1 = random(C * F * 3); b1 = random(C); w2 = random(C * C * 3); b2 = random(C)
        }

        func forward(causal: Bool) -> (a: [Float], b: [Float]) {
            var a = [Float](repeating: 0, count: frames * C), b = a
            FrameNetwork.forward(frames: frames, channels: F, hidden: C, causal: causal, u, conv1Weight: w1, conv1Bias: b1,
                                 conv2Weight: w2, conv2Bias: b2, a: &a, b: &b)
            return (a, b)
        }
    }

    func testGradientsByFiniteDifferences() {
        var rng = SplitMix64(seed: 5)
        for causal in [false, true] {
            for (frames, F, C) in [(1, 1, 1), (3, 2, 3), (7, 4, 5)] {
                var net = Net(frames: frames, F: F, C: C, rng: &rng)
                let r = (0..<frames * C).map { _ in rng.nextUnitFloat() - 0.5 }
                func loss(_ n: Net) -> Double { zip(n.forward(causal: causal).b, r).reduce(0) { $0 + Double($1.0) * Double($1.1) } }
                let (a, b) = net.forward(causal: causal)
                var db = r, scratch = [Float](repeating: 0, count: frames * C)
                var g1 = [Float](repeating: 0, count: net.w1.count), gb1 = [Float](repeating: 0, count: C)
                var g2 = [Float](repeating: 0, count: net.w2.count), gb2 = [Float](repeating: 0, count: C)
                FrameNetwork.backward(frames: frames, channels: F, hidden: C, causal: causal, net.u, conv1Weight: net.w1, conv2Weight: net.w2,
                                      a: a, b: b, db: &db, scratch: &scratch, dConv1Weight: &g1, dConv1Bias: &gb1,
                                      dConv2Weight: &g2, dConv2Bias: &gb2)
                let h: Float = 1e-2
                func check(_ analytic: [Float], _ path: WritableKeyPath<Net, [Float]>, _ name: String) {
                    for i in analytic.indices {
                        let saved = net[keyPath: path][i]
                        net[keyPath: path][i] = saved + h
                        let plus = loss(net)
                        net[keyPath: path][i] = saved - h
                        let minus = loss(net)
                        net[keyPath: path][i] = saved
                        let numeric = Float((plus - minus) / Double(2 * h))
                        XCTAssertEqual(analytic[i], numeric, accuracy: 3e-4 + 2e-2 * abs(numeric), "\(name)[\(i)] causal \(causal) \(frames)x\(F)x\(C)")
                    }
                }
                check(g1, \.w1, "conv1.weight")
                check(gb1, \.b1, "conv1.bias")
                check(g2, \.w2, "conv2.weight")
                check(gb2, \.b2, "conv2.bias")
            }
        }
    }

    func testReceptiveField() {
        // b[f] sees frames f-2...f+2 when centred and f-4...f when causal.
        var rng = SplitMix64(seed: 6)
        for causal in [false, true] {
            var net = Net(frames: 12, F: 2, C: 3, rng: &rng)
            let before = net.forward(causal: causal).b
            let g = 6
            net.u[g * 2] += 1
            let after = net.forward(causal: causal).b
            let changed = (0..<12).filter { f in (0..<3).contains { before[f * 3 + $0] != after[f * 3 + $0] } }
            XCTAssertEqual(changed, causal ? Array(6...10) : Array(4...8), "causal \(causal)")
        }
    }
}
