import FileIO
import Foundation
import WaveNet

/// The loop: steps, validation, saving, the log, progress and stopping on a signal.
/// An error every process met at once, which rank 0 reports (the others stay quiet).
struct SharedFailure: Error {}

/// In a group of processes every one runs the loop, and the one `writer` (rank 0) saves, logs and
/// shows progress; a signal to any of them stops all after the same step.
struct TrainingRun {
    let trainer: Trainer
    /// Saves the checkpoint, writes the log and the progress line.
    let writer: Bool
    let checkpoint: String
    let steps: Int
    let saveEvery: Int
    let validateEvery: Int
    /// Appended to, never truncated.
    let logPath: String?
    /// TensorBoard's view of the run (rank 0 only).
    let summaries: TrainingSummaries?
    /// A --resume run: the log says so before its first step.
    let resumed: Bool

    func run() throws {
        let log = writer ? try logPath.map(AppendFile.init) : nil
        installStopHandlers()
        let progress = ProgressLine(enabled: writer)
        let processes = trainer.group.size
        let first = trainer.step, last = trainer.step + steps
        let started = monotonicSeconds()
        // The clock goes on across runs: elapsed_seconds counts every run's training so far.
        let before = trainer.settings.trainingSeconds ?? 0
        func elapsed(_ now: Double = monotonicSeconds()) -> Double { before + now - started }
        var lastLoss = Double.nan
        var lastValidation: Double?
        var lastValidationByClass: [String: Double] = [:]
        let classNames = trainer.parameters.config.classNames ?? []
        var saved = trainer.step
        if resumed, let log {
            // A reader takes the last line for each step: the steps an interrupted run logged past
            // the checkpoint come again after this line.
            let line = try JSONSerialization.data(withJSONObject: ["resumed_from_step": trainer.step, "wall_time": Date().timeIntervalSince1970,
                                                                   "elapsed_seconds": before], options: [.sortedKeys])
            try log.write(line + Data("\n".utf8))
        }
        /// Stops on an error after saving what can be saved: the error names what failed and the step kept.
        func stop(_ error: Error) -> Error {
            progress.finish()
            trainer.settings.trainingSeconds = elapsed()
            if writer, saved != trainer.step, (try? trainer.save(to: checkpoint)) != nil { saved = trainer.step }
            return FileError((error as? FileError)?.path ?? checkpoint,
                             "\((error as? FileError)?.problem ?? "\(error)"); training stopped, \(checkpoint) keeps step \(saved)")
        }

        // A signal to any process is everyone's: all stop after the same step.
        func agreedStop() throws -> Bool { processes > 1 ? try trainer.group.any(stopRequested != 0) : stopRequested != 0 }
        var stopping = try agreedStop()
        while trainer.step < last && !stopping {
            let stepStart = monotonicSeconds()
            do {
                lastLoss = try trainer.trainStep()
            } catch let error as ModelError {
                // Every process sees the same summed loss, so all stop here together: rank 0
                // saves, and the others wait for it before the job ends.
                let failure = stop(FileError(checkpoint, "\(error) (try a lower --learning-rate or a --gradient-clip)"))
                guard processes > 1 else { throw failure }
                var done = [0.0]
                try? done.withUnsafeMutableBufferPointer { try trainer.group.broadcast($0) }
                throw writer ? failure : SharedFailure()
            }
            stopping = try agreedStop()
            let now = monotonicSeconds()
            let rate = Double(trainer.samplesPerStep) / (now - stepStart)
            var validationBits: Double?
            var validationByClass: [String: Double] = [:]
            if !stopping, trainer.step % validateEvery == 0 || trainer.step == last, let result = try trainer.validate() {
                validationBits = result.total.bitsPerSample
                lastValidation = validationBits
                for (id, figure) in result.perClass { validationByClass[classNames[id]] = figure.bitsPerSample }
                lastValidationByClass = validationByClass
            }
            if let log {
                var entry: [String: Any] = ["step": trainer.step, "loss_nats": lastLoss, "bits_per_sample": lastLoss / ln2,
                                            "samples_per_second": rate, "elapsed_seconds": elapsed(now), "processes": processes,
                                            "gradient_norm": trainer.lastGradientNorm, "learning_rate": Double(trainer.settings.learningRate)]
                if processes > 1 { entry["communication_seconds"] = trainer.lastCommunicationSeconds }
                if let validationBits { entry["validation_bits_per_sample"] = validationBits }
                if !trainer.lastClassLosses.isEmpty {
                    entry["bits_per_sample_by_class"] = Dictionary(uniqueKeysWithValues: trainer.lastClassLosses.map { (classNames[$0.key], $0.value / ln2) })
                }
                if !validationByClass.isEmpty { entry["validation_bits_per_sample_by_class"] = validationByClass }
                let line = try JSONSerialization.data(withJSONObject: entry, options: [.sortedKeys])
                do { try log.write(line + Data("\n".utf8)) } catch { throw stop(error) }
            }
            if let summaries {
                do {
                    if trainer.step == first + 1 { try summaries.describeRun(step: trainer.step) }
                    try summaries.step(trainer.step, bitsPerSample: lastLoss / ln2, samplesPerSecond: rate,
                                       gradientNorm: trainer.lastGradientNorm, learningRate: trainer.settings.learningRate)
                    if let validationBits { try summaries.validation(trainer.step, bitsPerSample: validationBits, byClass: validationByClass) }
                } catch { throw stop(error) }
            }
            if trainer.step % saveEvery == 0 && !stopping {
                trainer.settings.trainingSeconds = elapsed(now)
                if writer { do { try trainer.save(to: checkpoint) } catch { throw stop(error) } }
                saved = trainer.step
                do { try summaries?.samples(trainer.step) } catch { throw stop(error) }
            }
            let done = trainer.step - first
            let eta = (now - started) / Double(done) * Double(last - trainer.step)
            var text = "step \(trainer.step)/\(last)  loss \(String(format: "%.4f", lastLoss)) nats  "
                + "\(String(format: "%.3f", lastLoss / ln2)) bits/sample  \(Int(rate)) samples/s  ETA \(formatDuration(eta))"
            if let lastValidation { text += "  validation \(String(format: "%.3f", lastValidation)) bits" }
            progress.update(text, now: now)
        }
        progress.finish()
        guard writer else { return }
        if stopping { printStatus("stopping at step \(trainer.step) (signal); saving") }
        trainer.settings.trainingSeconds = elapsed()
        if saved != trainer.step || !FileManager.default.fileExists(atPath: checkpoint) {
            try trainer.save(to: checkpoint)
            // The last save's sample too, unless a signal asked to stop at once.
            if !stopping { try summaries?.samples(trainer.step) }
        }
        let elapsed = monotonicSeconds() - started
        let ran = trainer.step - first
        var summary = "trained \(ran) steps in \(formatDuration(elapsed))"
        if ran > 0 {
            summary += String(format: " (%.0f samples/s); final loss %.4f nats, %.3f bits/sample", Double(ran * trainer.samplesPerStep) / elapsed, lastLoss, lastLoss / ln2)
        }
        if let lastValidation, let step = trainer.settings.lastValidationStep {
            summary += String(format: "; validation %.3f bits/sample", lastValidation) + (step == trainer.step ? "" : " (at step \(step))")
        }
        if !lastValidationByClass.isEmpty {
            summary += " (" + lastValidationByClass.sorted { $0.key < $1.key }.map { String(format: "%@ %.3f", $0.key, $0.value) }.joined(separator: ", ") + ")"
        }
        printStatus(summary + "; saved \(checkpoint) at step \(trainer.step)")
    }
}
