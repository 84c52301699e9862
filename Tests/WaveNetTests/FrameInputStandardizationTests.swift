import Foundation
import TestSupport
import WaveNet
import XCTest

/// Training a mel model's conv1 in standardized coordinates (FrameInputStandardization).
final class FrameInputStandardizationTests: XCTestCase {
    let (F, C) = (3, 4)

    func melConfig() -> ModelConfig {
        var config = tinyConfig(dilations: [1, 2])
        config.local = LocalConfig(features: .mel, channels: F, hidden: C, hop: 3, causal: false, nFFT: 8, win: 8, fmin: 0, fmax: 8000)
        return config
    }

    /// Raw log-mel-like frames: channel f has mean -6 + f and spread 0.5 + f.
    func rawFrames(_ frames: Int, _ rng: inout SplitMix64) -> [Float] {
        (0..<frames * F).map { i in Float(-6 + i % F) + Float(0.5 + Double(i % F)) * (2 * rng.nextUnitFloat() - 1) }
    }

    func conv1(_ p: Parameters, _ u: [Float], frames: Int) -> (a: [Float], b: [Float]) {
        let o = p.layout.frameNetwork!
        var a = [Float](repeating: 0, count: frames * C), b = a
        FrameNetwork.forward(frames: frames, channels: F, hidden: C, causal: false, u,
                             conv1Weight: p[o.conv1Weight], conv1Bias: p[o.conv1Bias],
                             conv2Weight: p[o.conv2Weight], conv2Bias: p[o.conv2Bias], a: &a, b: &b)
        return (a, b)
    }

    func testMeasuresMeanAndDeviationOfEveryFrame() {
        let items = [Corpus.Item(name: "a", classes: [], features: [1, 10, 3, 10]),      // 2 frames of F = 2
                     Corpus.Item(name: "b", classes: [], features: [5, 10]),
                     Corpus.Item(name: "c", classes: [])]
        let s = FrameInputStandardization.measure(items, channels: 2)!
        XCTAssertEqual(s.mean, [3, 10])
        XCTAssertEqual(s.deviation[0], Float(8.0 / 3).squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(s.deviation[1], FrameInputStandardization.smallestDeviation, "a constant channel keeps a floor")
        XCTAssertNil(FrameInputStandardization.measure([items[2]], channels: 2))
    }

    func testStandardizedWeightsReadStandardizedFrames() throws {
        // conv1 with the raw weights on raw frames = conv1 with Ŵ, b̂ on (x − μ)/σ, away from the
        // zero-padded edges; and standardize then unstandardize gives the weights back.
        var rng = SplitMix64(seed: 3)
        let frames = 9
        let x = rawFrames(frames, &rng)
        let s = FrameInputStandardization.measure([Corpus.Item(name: "x", classes: [], features: x)], channels: F)!
        let p = try makeParameters(melConfig(), seed: 4)
        let original = p.values.elements.map { $0 }
        let raw = conv1(p, x, frames: frames).a
        s.standardize(p.values, layout: p.layout)
        let z = x.indices.map { (x[$0] - s.mean[$0 % F]) / s.deviation[$0 % F] }
        let standardized = conv1(p, z, frames: frames).a
        assertClose(Array(raw[C..<(frames - 1) * C]), Array(standardized[C..<(frames - 1) * C]), relative: 1e-4, absolute: 1e-5)
        s.unstandardize(p.values, layout: p.layout)
        assertClose(p.values.elements.map { $0 }, original, relative: 1e-5, absolute: 1e-6, "round trip")
    }

    func testGradientInStandardizedCoordinatesByFiniteDifferences() throws {
        // L(Ŵ, b̂) = loss(conv1 with unstandardize(Ŵ, b̂)); standardizeGradient of the raw gradient is its gradient.
        var rng = SplitMix64(seed: 7)
        let frames = 5
        let x = rawFrames(frames, &rng)
        let s = FrameInputStandardization(mean: [-6, -5, -4], deviation: [0.7, 1.6, 2.4])
        let p = try makeParameters(melConfig(), seed: 8, scale: 0.3)
        let o = p.layout.frameNetwork!
        let r = (0..<frames * C).map { _ in rng.nextUnitFloat() - 0.5 }
        func loss() -> Double { zip(conv1(p, x, frames: frames).b, r).reduce(0) { $0 + Double($1.0) * Double($1.1) } }

        let (a, b) = conv1(p, x, frames: frames)
        var db = r, scratch = [Float](repeating: 0, count: frames * C)
        var g1 = [Float](repeating: 0, count: C * F * 3), gb1 = [Float](repeating: 0, count: C)
        var g2 = [Float](repeating: 0, count: C * C * 3), gb2 = [Float](repeating: 0, count: C)
        FrameNetwork.backward(frames: frames, channels: F, hidden: C, causal: false, x, conv1Weight: p[o.conv1Weight],
                              conv2Weight: p[o.conv2Weight], a: a, b: b, db: &db, scratch: &scratch,
                              dConv1Weight: &g1, dConv1Bias: &gb1, dConv2Weight: &g2, dConv2Bias: &gb2)
        let gradients = FloatBuffer(count: p.layout.count)
        for (i, v) in g1.enumerated() { gradients.base[o.conv1Weight + i] = v }
        for (i, v) in gb1.enumerated() { gradients.base[o.conv1Bias + i] = v }
        s.standardizeGradient(gradients, layout: p.layout)

        let h: Float = 1e-2
        for index in Array(o.conv1Weight..<o.conv1Weight + C * F * 3) + Array(o.conv1Bias..<o.conv1Bias + C) {
            func shifted(_ delta: Float) -> Double {
                s.standardize(p.values, layout: p.layout)
                p.values.base[index] += delta
                s.unstandardize(p.values, layout: p.layout)
                defer {
                    s.standardize(p.values, layout: p.layout)
                    p.values.base[index] -= delta
                    s.unstandardize(p.values, layout: p.layout)
                }
                return loss()
            }
            let numeric = Float((shifted(h) - shifted(-h)) / Double(2 * h))
            XCTAssertEqual(gradients.base[index], numeric, accuracy: 5e-4 + 2e-2 * abs(numeric), "parameter \(index)")
        }
    }

    func testAdamStepsInStandardizedCoordinates() throws {
        // Adam's first step moves every parameter by about -lr·sign(gradient): for conv1 that
        // holds in standardized coordinates, and its first moment is the standardized gradient's.
        var rng = SplitMix64(seed: 11)
        let config = melConfig()
        let items = (0..<2).map { i in
            Corpus.Item(name: "f\(i)", classes: randomClasses(90, config.quantizationChannels, &rng), features: rawFrames(31, &rng))
        }
        let s = FrameInputStandardization.measure(items, channels: F)!
        let p = try makeParameters(config, seed: 12)
        var settings = TrainingSettings()
        settings.batch = 2
        settings.segment = 20
        settings.threads = 1
        settings.standardization = s
        let trainer = try Trainer(checkpoint: Checkpoint(parameters: p), training: Corpus(items), validation: Corpus([]), settings: settings)
        s.standardize(p.values, layout: p.layout)
        let before = p.values.elements.map { $0 }
        s.unstandardize(p.values, layout: p.layout)
        try trainer.trainStep()
        s.standardize(p.values, layout: p.layout)
        let o = p.layout.frameNetwork!
        var moved = 0
        for i in Array(o.conv1Weight..<o.conv1Weight + C * F * 3) + Array(o.conv1Bias..<o.conv1Bias + C) {
            let m = trainer.optimizerState.m.base[i]
            guard abs(m) > 1e-5 else { continue }
            XCTAssertEqual(p.values.base[i] - before[i], m > 0 ? -settings.learningRate : settings.learningRate,
                           accuracy: 2e-5, "conv1 parameter \(i)")
            moved += 1
        }
        XCTAssertGreaterThan(moved, C * F * 3 / 2)
        // A checkpoint's statistics must fit its model.
        settings.standardization = FrameInputStandardization(mean: [0, 0], deviation: [1, 1])
        XCTAssertThrowsError(try Trainer(checkpoint: Checkpoint(parameters: p), training: Corpus(items), validation: Corpus([]), settings: settings))
    }
}
