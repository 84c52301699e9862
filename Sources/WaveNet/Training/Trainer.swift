import Dispatch
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
    /// Mel models: the coordinates Adam trains the frame network's conv1 in (from `settings`).
    let standardization: FrameInputStandardization?
    /// The processes training this model together; each step's batch is split among them.
    public let group: ProcessGroup
    lazy var evaluator = Evaluator(parameters: parameters, threads: settings.threads, group: group)
    /// [1 + 2·classes]: this step's loss, then each class's summed loss and target count.
    var stepFigures: [Double]

    /// With a `group` of several processes, each process passes the same checkpoint, data and
    /// settings; `settings.batch` is the global batch and must divide by the group's size.
    public init(checkpoint: Checkpoint, training: Corpus, validation: Corpus, settings: TrainingSettings,
                group: ProcessGroup = SingleProcess()) throws {
        do {
            try settings.validate()
        } catch let error as LimitError {
            throw TrainingError.invalid(error.description)
        }
        guard settings.batch % group.size == 0 else {
            throw TrainingError.invalid("--batch \(settings.batch) does not divide by the \(group.size) processes (each takes an equal share)")
        }
        standardization = settings.standardization
        if let standardization, !standardization.fits(checkpoint.parameters.config) {
            throw TrainingError.invalid("the stored frame input statistics have \(standardization.mean.count) channels where the model reads \(checkpoint.parameters.config.local?.channels ?? 0), or are not finite")
        }
        self.group = group
        stepFigures = [Double](repeating: 0, count: 1 + 2 * (checkpoint.parameters.config.classNames?.count ?? 0))
        parameters = checkpoint.parameters
        optimizerState = checkpoint.optimizer ?? AdamState(count: parameters.layout.count)
        step = checkpoint.step
        self.settings = settings
        self.validation = validation
        sampler = try SegmentSampler(corpus: training, segment: settings.segment,
                                     receptiveField: parameters.config.receptiveField, seed: settings.seed,
                                     local: parameters.config.local)
        engine = GradientEngine(parameters: parameters, threads: settings.threads, batch: settings.batch / group.size,
                                length: sampler.window - 1, outputs: settings.segment)
        adam = Adam(learningRate: settings.learningRate)
    }

    public var hasValidation: Bool { !validation.items.isEmpty }
    /// The held-out files, for samples of local models.
    public var validationItems: [Corpus.Item] { validation.items }
    /// The last step's gradient L2 norm before clipping.
    public private(set) var lastGradientNorm = 0.0
    public var skippedTrainingItems: [String] { sampler.skippedItems }
    public var samplesPerStep: Int { settings.batch * settings.segment }

    /// Mean loss in nats of each class in the last step's batch (conditioned models).
    public private(set) var lastClassLosses: [Int: Double] = [:]

    /// Seconds the last step spent summing across processes (0 alone).
    public private(set) var lastCommunicationSeconds = 0.0

    /// Every process starts from rank 0's weights, optimizer state and step, so the replicas are
    /// equal from the first step even if their files were not.
    public func synchronize() throws {
        guard group.size > 1 else { return }
        try group.broadcast(parameters.values.elements)
        try group.broadcast(optimizerState.m.elements)
        try group.broadcast(optimizerState.v.elements)
        var shared = [Double(step)]
        try shared.withUnsafeMutableBufferPointer { try group.broadcast($0) }
        step = Int(shared[0])
    }

    /// One Adam step on the batch for the next step number. Returns the mean loss in nats.
    /// A non-finite loss throws before anything is changed. In a group, this process computes
    /// its share's part of the gradient, one sum over the processes completes it, and every
    /// process applies the same update.
    @discardableResult
    public func trainStep() throws -> Double {
        let batch = sampler.batch(step: step + 1, count: settings.batch, share: group.share(of: settings.batch))
        // Every window has `segment` targets, so the global batch has batch · segment of them.
        let local = engine.lossAndGradients(batch, targetTotal: settings.batch * settings.segment)
        for i in stepFigures.indices { stepFigures[i] = 0 }
        stepFigures[0] = local
        if let classIDs = batch.classIDs {
            let classes = (stepFigures.count - 1) / 2
            for (b, id) in classIDs.enumerated() {
                stepFigures[1 + id] += engine.lastSequenceLosses[b]
                stepFigures[1 + classes + id] += Double(batch.targets[b].count)
            }
        }
        if group.size > 1 {
            let started = DispatchTime.now().uptimeNanoseconds
            try group.sum(engine.gradients.elements)
            try group.sum(&stepFigures)
            lastCommunicationSeconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        }
        let loss = stepFigures[0]
        if batch.classIDs != nil {
            let classes = (stepFigures.count - 1) / 2
            lastClassLosses = [:]
            for id in 0..<classes where stepFigures[1 + classes + id] > 0 {
                lastClassLosses[id] = stepFigures[1 + id] / stepFigures[1 + classes + id]
            }
        }
        guard loss.isFinite else { throw ModelError.nonFiniteLoss(step: step + 1) }
        let norm = Adam.clip(engine.gradients, maxNorm: settings.gradientClip)
        guard norm.isFinite else { throw ModelError.nonFiniteLoss(step: step + 1) }
        lastGradientNorm = Double(norm)
        step += 1
        if let standardization {
            // Adam's moments for conv1 live in standardized coordinates; the weights stay the spec's.
            standardization.standardizeGradient(engine.gradients, layout: parameters.layout)
            standardization.standardize(parameters.values, layout: parameters.layout)
            adam.update(parameters.values, engine.gradients, optimizerState, step: step)
            standardization.unstandardize(parameters.values, layout: parameters.layout)
        } else {
            adam.update(parameters.values, engine.gradients, optimizerState, step: step)
        }
        settings.lastTrainingBitsPerSample = loss / log(2)
        return loss
    }

    /// The `eval` figure over the validation items (nil without validation), and per class id.
    public func validate() throws -> (total: Evaluator.Result, perClass: [Int: Evaluator.Result])? {
        guard hasValidation else { return nil }
        let result = try evaluator.evaluate(validation.items)
        settings.lastValidationBitsPerSample = result.total.bitsPerSample
        settings.lastValidationStep = step
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
        var stamped = settings
        stamped.writtenBy = "wavenet \(Version.current)"
        return Checkpoint(parameters: parameters, step: step, trainingJSON: stamped.json, optimizer: optimizerState)
    }

    /// Writes the checkpoint atomically.
    public func save(to path: String) throws { try checkpoint.save(to: path) }
}
