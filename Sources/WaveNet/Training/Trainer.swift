import Foundation

/// One model being trained: parameters, Adam state, step count, data.
public final class Trainer {
    public let parameters: Parameters
    public let optimizerState: AdamState
    public private(set) var step: Int
    public var settings: TrainingSettings
    let sampler: SegmentSampler
    let validation: Corpus
    let engine: GradientEngine
    let adam: Adam
    lazy var evaluator = Evaluator(parameters: parameters, threads: settings.threads)

    public init(checkpoint: Checkpoint, training: Corpus, validation: Corpus, settings: TrainingSettings) throws {
        do {
            try settings.validate()
        } catch let error as LimitError {
            throw TrainingError.invalid(error.description)
        }
        parameters = checkpoint.parameters
        optimizerState = checkpoint.optimizer ?? AdamState(count: parameters.layout.count)
        step = checkpoint.step
        self.settings = settings
        self.validation = validation
        sampler = try SegmentSampler(corpus: training, segment: settings.segment,
                                     receptiveField: parameters.config.receptiveField, seed: settings.seed,
                                     local: parameters.config.local)
        engine = GradientEngine(parameters: parameters, threads: settings.threads, batch: settings.batch,
                                length: sampler.window - 1, outputs: settings.segment)
        adam = Adam(learningRate: settings.learningRate)
    }

    public var hasValidation: Bool { !validation.items.isEmpty }
    public var skippedTrainingItems: [String] { sampler.skippedItems }
    public var samplesPerStep: Int { settings.batch * settings.segment }

    /// Mean loss in nats of each class in the last step's batch (conditioned models).
    public private(set) var lastClassLosses: [Int: Double] = [:]

    /// One Adam step on the batch for the next step number. Returns the mean loss in nats.
    /// A non-finite loss throws before anything is changed.
    @discardableResult
    public func trainStep() throws -> Double {
        let batch = sampler.batch(step: step + 1, count: settings.batch)
        let loss = engine.lossAndGradients(batch)
        if let classIDs = batch.classIDs {
            var sums: [Int: (Double, Int)] = [:]
            for (b, id) in classIDs.enumerated() {
                let entry = sums[id] ?? (0, 0)
                sums[id] = (entry.0 + engine.lastSequenceLosses[b], entry.1 + batch.targets[b].count)
            }
            lastClassLosses = sums.mapValues { $0.0 / Double($0.1) }
        }
        guard loss.isFinite else { throw ModelError.nonFiniteLoss(step: step + 1) }
        let norm = Adam.clip(engine.gradients, maxNorm: settings.gradientClip)
        guard norm.isFinite else { throw ModelError.nonFiniteLoss(step: step + 1) }
        step += 1
        adam.update(parameters.values, engine.gradients, optimizerState, step: step)
        settings.lastTrainingBitsPerSample = loss / log(2)
        return loss
    }

    /// The `eval` figure over the validation items (nil without validation), and per class id.
    public func validate() -> (total: Evaluator.Result, perClass: [Int: Evaluator.Result])? {
        guard hasValidation else { return nil }
        let result = evaluator.evaluate(validation.items)
        settings.lastValidationBitsPerSample = result.total.bitsPerSample
        var perClass: [Int: Evaluator.Result] = [:]
        for (id, members) in Dictionary(grouping: validation.items.indices.filter { validation.items[$0].classID != nil },
                                         by: { validation.items[$0].classID! }) {
            let samples = members.reduce(0) { $0 + result.perItem[$1].samples }
            let nats = members.reduce(0.0) { $0 + result.perItem[$1].natsPerSample * Double(result.perItem[$1].samples) }
            perClass[id] = Evaluator.Result(natsPerSample: samples > 0 ? nats / Double(samples) : 0, samples: samples,
                                            unigramBitsPerSample: Evaluator.Result.unigramBits(members.map { validation.items[$0].classes },
                                                                                               classes: parameters.config.quantizationChannels))
        }
        return (result.total, perClass)
    }

    /// Classes with no training file long enough for one window.
    public var classesWithoutWindows: Set<Int> { sampler.classesWithoutWindows }

    public var checkpoint: Checkpoint {
        Checkpoint(parameters: parameters, step: step, trainingJSON: settings.json, optimizer: optimizerState)
    }

    /// Writes the checkpoint atomically.
    public func save(to path: String) throws { try checkpoint.save(to: path) }
}
