import Foundation
import TestSupport
import WaveNet
import XCTest

final class TrainingTests: XCTestCase {
    func sineClasses(_ count: Int, period: Double, Q: Int) -> [Int32] {
        // mu-law-like quantisation is not needed here: any deterministic class sequence will do.
        (0..<count).map { i in Int32((sin(2 * Double.pi * Double(i) / period) * 0.45 + 0.5) * Double(Q - 1)) }
    }

    func testSamplerIsDeterministicAndUsesRealContext() throws {
        var rng = SplitMix64(seed: 1)
        let corpus = Corpus([
            .init(name: "a", classes: randomClasses(500, 16, &rng)),
            .init(name: "short", classes: randomClasses(20, 16, &rng)),
            .init(name: "b", classes: randomClasses(300, 16, &rng)),
        ])
        let sampler = try SegmentSampler(corpus: corpus, segment: 50, receptiveField: 13, seed: 7)
        XCTAssertEqual(sampler.window, 63)
        XCTAssertEqual(sampler.skippedItems, ["short"])
        let batch = sampler.batch(step: 3, count: 5)
        XCTAssertEqual(batch.inputs.map(\.count), [62, 62, 62, 62, 62])
        XCTAssertEqual(batch.targets.map(\.count), [50, 50, 50, 50, 50])
        // Each window is a contiguous piece of one file; the targets are the inputs shifted by one.
        for (input, targets) in zip(batch.inputs, batch.targets) {
            XCTAssertEqual(Array(input.suffix(49)), Array(targets.prefix(49)))
            let whole = input + [targets.last!]
            let found = corpus.items.contains { item in
                item.classes.count >= whole.count && (0...(item.classes.count - whole.count)).contains { Array(item.classes[$0..<$0 + whole.count]) == whole }
            }
            XCTAssertTrue(found)
        }
        // Same seed and step, same batch; another step or seed, another batch.
        XCTAssertEqual(sampler.batch(step: 3, count: 5).inputs, batch.inputs)
        XCTAssertNotEqual(sampler.batch(step: 4, count: 5).inputs, batch.inputs)
        let other = try SegmentSampler(corpus: corpus, segment: 50, receptiveField: 13, seed: 8)
        XCTAssertNotEqual(other.batch(step: 3, count: 5).inputs, batch.inputs)
        XCTAssertThrowsError(try SegmentSampler(corpus: corpus, segment: 490, receptiveField: 13, seed: 1)) { error in
            XCTAssertTrue("\(error)".contains("needs 503 samples"), "\(error)")
        }
    }

    func testConditionedBatchesMixClassesEvenly() throws {
        var rng = SplitMix64(seed: 9)
        // Class 0 has ten times the audio of class 1; windows still come from both about equally.
        let corpus = Corpus([.init(name: "big", classes: randomClasses(5000, 16, &rng), classID: 0),
                             .init(name: "small", classes: randomClasses(500, 16, &rng), classID: 1)])
        let sampler = try SegmentSampler(corpus: corpus, segment: 20, receptiveField: 5, seed: 1)
        let classes = (1...200).flatMap { sampler.batch(step: $0, count: 4).classIDs! }
        let share = Double(classes.filter { $0 == 1 }.count) / Double(classes.count)
        XCTAssertEqual(share, 0.5, accuracy: 0.08)
        // Splitting holds out files of every class.
        let items = (0..<6).map { Corpus.Item(name: "f\($0)", classes: [1, 2], classID: $0 < 4 ? 0 : 1) }
        let (_, validation) = Corpus(items).split(validationFraction: 0.25)
        XCTAssertEqual(Set(validation.items.compactMap(\.classID)), [0, 1])
    }

    func testValidationSplitHoldsOutWholeFiles() {
        let items = (0..<10).map { Corpus.Item(name: "f\($0)", classes: [1, 2, 3]) }
        let (training, validation) = Corpus(items).split(validationFraction: 0.2)
        XCTAssertEqual(validation.items.map(\.name), ["f2", "f7"])
        XCTAssertEqual(training.items.count, 8)
        XCTAssertEqual(Corpus(Array(items.prefix(2))).split(validationFraction: 0.01).validation.items.count, 1)
        XCTAssertEqual(Corpus(Array(items.prefix(1))).split(validationFraction: 0.5).validation.items.count, 0)
        XCTAssertEqual(Corpus(items).split(validationFraction: 0).validation.items.count, 0)
    }

    func makeTrainer(_ checkpoint: Checkpoint, corpus: Corpus, threads: Int = 2) throws -> Trainer {
        var settings = TrainingSettings()
        settings.batch = 3
        settings.segment = 40
        settings.seed = 5
        settings.threads = threads
        settings.gradientClip = 5
        return try Trainer(checkpoint: checkpoint, training: corpus, validation: Corpus([]), settings: settings)
    }

    func testResumeGivesTheSameWeightsAsOneRun() throws {
        var rng = SplitMix64(seed: 2)
        let corpus = Corpus([.init(name: "a", classes: randomClasses(400, 12, &rng)), .init(name: "b", classes: randomClasses(300, 12, &rng))])
        let config = tinyConfig()
        func fresh() throws -> Checkpoint {
            let p = try Parameters(config: config)
            p.initialize(seed: 9)
            return Checkpoint(parameters: p)
        }
        let once = try makeTrainer(try fresh(), corpus: corpus)
        for _ in 0..<7 { try once.trainStep() }

        let first = try makeTrainer(try fresh(), corpus: corpus)
        for _ in 0..<4 { try first.trainStep() }
        let stored = try Checkpoint.load(first.checkpoint.serialized(), path: "memory")
        XCTAssertEqual(stored.step, 4)
        let second = try makeTrainer(stored, corpus: corpus)
        for _ in 0..<3 { try second.trainStep() }
        XCTAssertEqual(second.step, 7)
        XCTAssertEqual(second.parameters.values.array, once.parameters.values.array)
        XCTAssertEqual(second.optimizerState.v.array, once.optimizerState.v.array)
        XCTAssertNotEqual(second.parameters.values.array, first.parameters.values.array)
    }

    func testTinyModelOverfitsOneSecond() throws {
        // One second at 16 kHz of a periodic signal; the loss must fall far below its start.
        let config = ModelConfig(quantizationChannels: 64, residualChannels: 16, dilationChannels: 16, skipChannels: 32,
                                 dilations: [1, 2, 4, 8, 16, 32])
        let p = try Parameters(config: config)
        p.initialize(seed: 1)
        let corpus = Corpus([.init(name: "tone", classes: sineClasses(16000, period: 37.3, Q: 64))])
        var settings = TrainingSettings()
        settings.batch = 4
        settings.segment = 1000
        settings.learningRate = 3e-3
        let trainer = try Trainer(checkpoint: Checkpoint(parameters: p), training: corpus, validation: Corpus([]), settings: settings)
        let start = try trainer.trainStep()
        var last = start
        for _ in 0..<150 { last = try trainer.trainStep() }
        XCTAssertGreaterThan(start, 3.5)  // about ln(64) = 4.16 at initialisation
        XCTAssertLessThan(last, 0.25 * start, "loss \(start) -> \(last)")
    }

    func testNonFiniteLossStopsWithoutChangingAnything() throws {
        var rng = SplitMix64(seed: 3)
        let corpus = Corpus([.init(name: "a", classes: randomClasses(200, 12, &rng))])
        let p = try makeParameters(tinyConfig(), seed: 1)
        p[p.layout.output2Bias][3] = .infinity
        let trainer = try makeTrainer(Checkpoint(parameters: p), corpus: corpus)
        let before = p.values.array
        XCTAssertThrowsError(try trainer.trainStep()) { XCTAssertEqual($0 as? ModelError, .nonFiniteLoss(step: 1)) }
        XCTAssertEqual(trainer.step, 0)
        XCTAssertEqual(p.values.array.map(\.bitPattern), before.map(\.bitPattern))
    }

    func testEvaluatorMatchesOneFullPass() throws {
        var rng = SplitMix64(seed: 4)
        let config = tinyConfig(dilations: [1, 2, 4, 8])
        let p = try makeParameters(config, seed: 2)
        let items = [Corpus.Item(name: "a", classes: randomClasses(230, 12, &rng)), .init(name: "b", classes: randomClasses(57, 12, &rng))]
        // Reference: one forward over each whole item, every output but the last scored.
        var total = 0.0, count = 0
        var perItem: [Double] = []
        for item in items {
            let n = item.classes.count - 1
            let w = SequenceWorkspace(config: config, capacity: n, targetCapacity: n)
            let input = Array(item.classes.prefix(n)), targets = Array(item.classes.dropFirst())
            let sum = input.withUnsafeBufferPointer { i in targets.withUnsafeBufferPointer { t in
                Network.forward(p, w, input: i, outputs: n, targets: t) } }
            total += sum
            count += n
            perItem.append(sum / Double(n))
        }
        for (chunk, threads) in [(16, 1), (50, 2), (1000, 2)] {
            let result = try Evaluator(parameters: p, threads: threads, chunk: chunk).evaluate(items)
            XCTAssertEqual(result.total.samples, count)
            XCTAssertEqual(result.total.natsPerSample, total / Double(count), accuracy: 1e-5, "chunk \(chunk)")
            XCTAssertEqual(result.total.bitsPerSample, total / Double(count) / log(2), accuracy: 1e-5)
            XCTAssertEqual(result.perItem.map(\.natsPerSample)[1], perItem[1], accuracy: 1e-5)
        }
        // Unigram baseline: entropy of the target histogram.
        XCTAssertEqual(Evaluator.Result.unigramBits([[9, 1, 1, 2, 2]], classes: 4), 1, accuracy: 1e-12)
        // Targets 3, 3 and 3, 1, 2, 0: probabilities 1/2, 1/6, 1/6, 1/6.
        XCTAssertEqual(Evaluator.Result.unigramBits([[0, 3, 3], [5, 3, 1, 2, 0]], classes: 4), 0.5 + 0.5 * log2(6.0), accuracy: 1e-12)
    }
}
