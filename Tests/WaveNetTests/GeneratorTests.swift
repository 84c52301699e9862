import Foundation
import TestSupport
import WaveNet
import XCTest

final class GeneratorTests: XCTestCase {
    /// Logits of every position of each stream's sequence from one full forward pass: [n][Q].
    func fullForward(_ p: Parameters, _ input: [Int32], classID: Int?) -> [Float] {
        let w = SequenceWorkspace(config: p.config, capacity: input.count, targetCapacity: input.count)
        _ = input.withUnsafeBufferPointer { Network.forward(p, w, input: $0, outputs: input.count, classID: classID) }
        return w.logitsCopy()
    }

    /// Runs `body` with the kernels forced to `path`, or skips when this CPU lacks it.
    func withKernelPath(_ path: KernelPath, _ body: () throws -> Void) throws {
        guard path.isSupported else { throw XCTSkip("this CPU has no \(path) path") }
        let saved = KernelPath.current
        KernelPath.current = path
        defer { KernelPath.current = saved }
        XCTAssertEqual(KernelPath.current, path)
        try body()
    }

    // Every instruction-set path, each with both kernels, against the full forward pass. A path
    // this CPU lacks is skipped by name; the closing notes say which CPU ran which.
    func testFastGenerationEqualsFullForwardPlain() throws {
        try withKernelPath(.plain) { try checkEveryKernel() }
    }

    func testFastGenerationEqualsFullForwardAVX2() throws {
        try withKernelPath(.avx2) { try checkEveryKernel() }
    }

    func testFastGenerationEqualsFullForwardAVX512() throws {
        try withKernelPath(.avx512) { try checkEveryKernel() }
    }

    func checkEveryKernel() throws {
        for kernel in GenerationKernel.allCases {
            try checkTeacherForcedFastGeneration(kernel: kernel)
            try checkTeacherForcedLocalModels(kernel: kernel)
        }
        // Half-precision weights: each weight rounded to 11 significant bits (relative error
        // <= 2^-11), so the logits agree to a stated 0.3% of their scale instead of 1e-4 (measured:
        // at most 0.07% on these models).
        try checkTeacherForcedFastGeneration(kernel: .fused, precision: .half, tolerance: 3e-3)
        try checkTeacherForcedLocalModels(kernel: .fused, precision: .half, tolerance: 3e-3)
    }

    /// A live stream fed one frame at a time gives the logits of a generator given all frames at
    /// once (the causal frame network recomputed from the last 5 frames each time), and samples
    /// the same classes with the same seed.
    func testLiveFramesEqualFramesGivenAtOnce() throws {
        var config = tinyConfig(dilations: [1, 2, 4, 8, 16])
        config.local = LocalConfig(features: .notes, channels: 6, hidden: 5, hop: 7, causal: true, low: 60, high: 62)
        let p = try makeParameters(config, seed: 71)
        var rng = SplitMix64(seed: 72)
        let steps = 300, frames = steps / 7 + 2
        let features = (0..<frames * 6).map { _ in rng.nextUnitFloat() < 0.3 ? Float(1) : 0 }
        let sequence = randomClasses(steps, config.quantizationChannels, &rng)
        let whole = Generator(parameters: p, streams: 1, frames: [features]).forcedLogits([sequence])
        let live = Generator(liveParameters: p)
        var fed = 0
        var logits: [[[Float]]] = []
        for t in 0..<steps {
            // Just enough frames: step t (input position t) reads frame (t + 1) / hop.
            while fed <= (t + 1) / 7 { live.appendFrame(Array(features[fed * 6..<(fed + 1) * 6])); fed += 1 }
            logits += live.forcedLogits([[sequence[t]]])
        }
        let scale = whole.flatMap { $0.flatMap { $0 } }.map(abs).max()!
        var worst: Float = 0
        for t in 0..<steps { for q in 0..<config.quantizationChannels { worst = max(worst, abs(logits[t][0][q] - whole[t][0][q])) } }
        XCTAssertLessThanOrEqual(worst, 1e-5 * scale)
        // Sampling: the same classes, generated as the frames allow.
        let all = Generator(parameters: p, streams: 1, frames: [features], seed: 5).generate(250)[0]
        let stream = Generator(liveParameters: p, seed: 5)
        var out: [Int32] = []
        fed = 0
        while out.count < 250 {
            if stream.liveSamplesAvailable == 0 { stream.appendFrame(Array(features[fed * 6..<(fed + 1) * 6])); fed += 1; continue }
            out += stream.generate(min(stream.liveSamplesAvailable, 250 - out.count))[0]
        }
        XCTAssertEqual(out, all)
        XCTAssertLessThanOrEqual(fed, 250 / 7 + 2, "no more frames than the samples need")
    }

    func checkTeacherForcedFastGeneration(kernel: GenerationKernel, precision: WeightPrecision = .float, tolerance: Float = 1e-4) throws {
        // Channel counts: multiples of the vector widths (16, 16, 40), and odd ones that leave a
        // masked tail in every product (13, 11, 37, Q 12); 1 to 13 streams exercise the kernels'
        // groups of 8, 4, 2 and 1 streams; Q 264 makes the head's widest product span two blocks.
        let cases: [(dilations: [Int], conditioned: Bool, streams: Int, threads: Int, channels: (Int, Int, Int, Int))] = [
            ([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1, 2], false, 1, 1, (16, 16, 40, 12)),
            ([1, 2, 4, 8, 1, 2, 4, 8], false, 3, 1, (16, 16, 40, 12)),
            ([3, 1, 7, 2], false, 5, 2, (16, 16, 40, 12)),
            ([1, 2, 4, 8, 16], true, 1, 1, (16, 16, 40, 12)),
            ([1, 2, 4, 8, 16], true, 4, 2, (16, 16, 40, 12)),
            ([1, 2, 4, 8, 16, 3], true, 1, 1, (13, 11, 37, 12)),
            ([1, 2, 4, 8, 16, 3], false, 7, 1, (13, 11, 37, 264)),
            ([2, 1, 5], false, 1, 1, (24, 72, 200, 264)),
            ([1, 2, 4, 8, 16, 3], true, 13, 1, (13, 11, 37, 264)),
            ([1, 2, 4, 8], false, 18, 2, (16, 16, 40, 12)),
        ]
        for (index, item) in cases.enumerated() {
            var config = tinyConfig(dilations: item.dilations, conditioned: item.conditioned)
            (config.residualChannels, config.dilationChannels, config.skipChannels, config.quantizationChannels) = item.channels
            let p = try makeParameters(config, seed: UInt64(20 + index))
            var rng = SplitMix64(seed: UInt64(index))
            let steps = 2500
            let sequences = (0..<item.streams).map { _ in randomClasses(steps, config.quantizationChannels, &rng) }
            let classIDs = item.conditioned ? (0..<item.streams).map { $0 % 2 } : nil
            let generator = Generator(parameters: p, streams: item.streams, classIDs: classIDs, threads: item.threads, kernel: kernel, precision: precision)
            let fast = generator.forcedLogits(sequences)
            let Q = config.quantizationChannels
            for k in 0..<item.streams {
                let reference = fullForward(p, sequences[k], classID: classIDs?[k])
                let scale = reference.map(abs).max()!
                var worst: Float = 0
                for t in 0..<steps {
                    for q in 0..<Q { worst = max(worst, abs(fast[t][k][q] - reference[t * Q + q])) }
                }
                XCTAssertLessThanOrEqual(worst, tolerance * scale, "\(kernel) \(precision) \(KernelPath.current) case \(index) stream \(k): worst difference \(worst), logit scale \(scale)")
            }
        }
    }

    func checkTeacherForcedLocalModels(kernel: GenerationKernel, precision: WeightPrecision = .float, tolerance: Float = 1e-4) throws {
        // Frame boundaries (hop 3 and 5) and queue wrap-arounds (dilations up to 16, 400 steps), one
        // and several streams, one and two threads, centred and causal, with and without classes,
        // mel and notes (a causal piano roll of keys 60...61: 4 channels of 0...1).
        for (index, (causal, conditioned, streams, threads, hop)) in [(false, false, 1, 1, 3), (true, true, 3, 2, 5), (false, true, 2, 1, 4),
                                                                      (true, false, 1, 1, 4), (true, false, 2, 1, 6)].enumerated() {
            var config = tinyConfig(dilations: [1, 2, 4, 8, 16], conditioned: conditioned)
            let notes = index >= 3
            config.local = notes ? LocalConfig(features: .notes, channels: 4, hidden: 4, hop: hop, causal: true, low: 60, high: 61)
                : LocalConfig(features: .mel, channels: 3, hidden: 4, hop: hop, causal: causal, nFFT: 8, win: 8, fmin: 0, fmax: 8000)
            let F = config.local!.channels
            let p = try makeParameters(config, seed: UInt64(40 + index))
            var rng = SplitMix64(seed: UInt64(50 + index))
            let steps = 400, frames = steps / hop + 2
            let sequences = (0..<streams).map { _ in randomClasses(steps, config.quantizationChannels, &rng) }
            let features = (0..<streams).map { _ in (0..<frames * F).map { _ in notes ? (rng.nextUnitFloat() < 0.3 ? 1 : 0) : 2 * rng.nextUnitFloat() - 1 } }
            let classIDs = conditioned ? (0..<streams).map { $0 % 2 } : nil
            let generator = Generator(parameters: p, streams: streams, classIDs: classIDs, frames: features, threads: threads, kernel: kernel, precision: precision)
            let fast = generator.forcedLogits(sequences)
            let Q = config.quantizationChannels
            for k in 0..<streams {
                let w = SequenceWorkspace(config: config, capacity: steps, targetCapacity: steps)
                _ = features[k].withUnsafeBufferPointer { u in
                    sequences[k].withUnsafeBufferPointer {
                        Network.forward(p, w, input: $0, outputs: steps, classID: classIDs?[k],
                                        local: LocalFrames(values: u.baseAddress!, count: frames, start: 0, firstFrame: 0))
                    }
                }
                let reference = w.logitsCopy()
                let scale = reference.map(abs).max()!
                var worst: Float = 0
                for t in 0..<steps { for q in 0..<Q { worst = max(worst, abs(fast[t][k][q] - reference[t * Q + q])) } }
                XCTAssertLessThanOrEqual(worst, tolerance * scale, "\(kernel) \(precision) \(KernelPath.current) case \(index) stream \(k): worst \(worst), scale \(scale)")
            }
        }
    }

    func testTemperatureZeroIsArgmaxOfTheNaivePath() throws {
        for conditioned in [false, true] {
            let config = tinyConfig(dilations: [1, 2, 4, 8, 16], conditioned: conditioned)
            let p = try makeParameters(config, seed: 31, scale: 3)
            var rng = SplitMix64(seed: 32)
            // A random prime gives the argmax path somewhere to go before it settles.
            let prime = randomClasses(40, config.quantizationChannels, &rng)
            let classIDs = conditioned ? [1, 0] : nil
            let fast = Generator(parameters: p, streams: 2, classIDs: classIDs, temperature: 0, seed: 1)
            fast.prime(prime)
            let naive = NaiveGenerator(parameters: p, streams: 2, classIDs: classIDs, temperature: 0, seed: 99)
            naive.prime(prime)
            let first = fast.generate(150), second = fast.generate(150)
            let b = naive.generate(300)
            XCTAssertEqual([first[0] + second[0], first[1] + second[1]], b)
            // Deterministic: a fresh generator with another seed gives the same argmax path.
            let again = Generator(parameters: p, streams: 2, classIDs: classIDs, temperature: 0, seed: 5)
            again.prime(prime)
            XCTAssertEqual(again.generate(300), b)
            XCTAssertGreaterThan(Set(b[0] + b[1]).count, 1, "the argmax path should not be constant")
        }
    }

    func testSamplingMatchesTheNaivePathAndDependsOnTheSeed() throws {
        let config = tinyConfig(dilations: [1, 2, 4, 8])
        let p = try makeParameters(config, seed: 41)
        let one = Generator(parameters: p, streams: 3, temperature: 1, seed: 7).generate(400)
        let two = Generator(parameters: p, streams: 3, temperature: 1, seed: 7, threads: 2).generate(400)
        XCTAssertEqual(one, two, "same seed, same samples, whatever the lanes")
        XCTAssertEqual(NaiveGenerator(parameters: p, streams: 3, temperature: 1, seed: 7).generate(400), one)
        let other = Generator(parameters: p, streams: 3, temperature: 1, seed: 8).generate(400)
        XCTAssertNotEqual(other, one)
        XCTAssertNotEqual(one[0], one[1], "streams draw from their own random streams")
        // Temperature shapes the distribution: colder sampling repeats the likeliest class more often.
        let cold = Generator(parameters: p, streams: 1, temperature: 0.3, seed: 7).generate(2000)[0]
        let hot = Generator(parameters: p, streams: 1, temperature: 3, seed: 7).generate(2000)[0]
        XCTAssertLessThan(Set(cold).count, Set(hot).count)
    }

    /// Generation starts after a receptive field of silence, as every training window has real
    /// context: the same as priming with that much silence, and for a local model the lead-in
    /// reads silent frames (for notes, no key: the frames of a silent file).
    func testGenerationStartsAfterAReceptiveFieldOfSilence() throws {
        let config = tinyConfig(dilations: [1, 2, 4, 8, 16])
        let p = try makeParameters(config, seed: 61)
        let silence = [Int32](repeating: MuLaw(classes: config.quantizationChannels).silence, count: config.receptiveField)
        let cold = Generator(parameters: p, streams: 2, seed: 3).generate(200)
        let primed = Generator(parameters: p, streams: 2, seed: 3)
        primed.prime(silence)
        XCTAssertEqual(cold, primed.generate(200))

        var notes = tinyConfig(dilations: [1, 2, 4, 8])
        notes.local = LocalConfig(features: .notes, channels: 4, hidden: 4, hop: 5, causal: true, low: 60, high: 61)
        XCTAssertEqual(notes.local!.silentFrame, [0, 0, 0, 0])
        let q = try makeParameters(notes, seed: 62)
        let frames = [[Float](repeating: 0, count: 4 * 200)]
        let leadIn = Generator(parameters: q, streams: 1, frames: frames, seed: 4).generate(300)
        let forced = Generator(parameters: q, streams: 1, frames: frames, seed: 4)
        _ = forced.forcedLogits([Array(silence.prefix(notes.receptiveField))])
        XCTAssertEqual(leadIn, forced.generate(300))
        let mel = LocalConfig(features: .mel, channels: 3, hidden: 2, hop: 4, causal: false, nFFT: 8, win: 8, fmin: 0, fmax: 8000)
        XCTAssertEqual(mel.silentFrame, [Float](repeating: Float(log(1e-5)), count: 3), "the mel floor")
    }

    func testPrimingEqualsFeedingOneByOne() throws {
        for conditioned in [false, true] {
            let config = tinyConfig(dilations: [1, 2, 4, 8, 16, 3], conditioned: conditioned)
            let p = try makeParameters(config, seed: 51)
            var rng = SplitMix64(seed: 52)
            let classIDs = conditioned ? [1, 0] : nil
            for length in [1, 5, 20, 300] {
                let prime = randomClasses(length, config.quantizationChannels, &rng)
                let primed = Generator(parameters: p, streams: 2, classIDs: classIDs)
                primed.prime(prime)
                let fed = Generator(parameters: p, streams: 2, classIDs: classIDs)
                _ = fed.forcedLogits([prime, prime])
                for i in 0..<config.layerCount {
                    for k in 0..<2 {
                        assertClose(primed.queueContents(layer: i, stream: k), fed.queueContents(layer: i, stream: k),
                                    relative: 1e-5, absolute: 1e-5, "length \(length) layer \(i)")
                    }
                }
                for (a, b) in zip(primed.currentLogits(), fed.currentLogits()) {
                    assertClose(a, b, relative: 1e-5, absolute: 1e-5, "logits after a prime of \(length)")
                }
                // Generation continues from the prime the same way on both.
                primed.temperature = 0
                fed.temperature = 0
                XCTAssertEqual(primed.generate(50), fed.generate(50))
            }
        }
    }

    func testSmallMatmulPlainAgainstReference() throws {
        try withKernelPath(.plain) { checkSmallMatmul() }
    }

    func testSmallMatmulAVX2AgainstReference() throws {
        try withKernelPath(.avx2) { checkSmallMatmul() }
    }

    func checkSmallMatmul() {
        var rng = SplitMix64(seed: 61)
        for (K, M, N) in [(1, 64, 64), (1, 32, 160), (1, 7, 37), (1, 128, 256), (1, 5, 200), (1, 3, 72), (4, 32, 160), (16, 64, 64)] {
            let x = (0..<K * M).map { _ in rng.nextUnitFloat() - 0.5 }
            let Wt = (0..<M * N).map { _ in rng.nextUnitFloat() - 0.5 }
            let y0 = (0..<K * N).map { _ in rng.nextUnitFloat() - 0.5 }
            for accumulate in [false, true] {
                var fast = y0, naive = y0
                SmallMatmul.multiply(K, M, N, x, M, Wt, &fast, N, accumulate: accumulate)
                Matmul.reference(transposeA: false, transposeB: false, K, N, M, x, M, Wt, N, &naive, N, beta: accumulate ? 1 : 0)
                assertClose(fast, naive, relative: 1e-5, absolute: 1e-5, "\(KernelPath.current) K=\(K) M=\(M) N=\(N)")
            }
        }
    }
}
