import ArgumentParser
import AudioIO
import FileIO
import Foundation
import WaveNet

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe an audio file (format, rate, length, levels) or a checkpoint (model config, training state).")

    @Argument(help: "An audio file, a .safetensors checkpoint, or a shipped model's name (default, vocoder, piano-notes).")
    var path: String

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        if path.hasSuffix(".safetensors") || ShippedModels.isName(path) {
            try describeCheckpoint(try ShippedModels.resolve(path))
            return
        }
        let info = try AudioFile.info(path)
        info.warnings.forEach(printStatus)
        if json {
            printJSON(info)
            return
        }
        print("""
            file:        \(info.path)
            format:      \(info.format), \(info.encoding)
            sample rate: \(info.sampleRate) Hz
            channels:    \(info.channels)
            frames:      \(info.frames)
            duration:    \(String(format: "%.3f", info.duration)) s
            peak:        \(String(format: "%.4f", info.peak)) (\(formatDB(info.peakDB)))
            RMS:         \(String(format: "%.4f", info.rms)) (\(formatDB(info.rmsDB)))
            """)
    }
}

extension Info {
    struct CheckpointInfo: Encodable {
        var path: String
        var config: ModelConfig
        var parameters: Int
        var receptiveFieldSamples: Int
        var receptiveFieldMilliseconds: Double
        var step: Int
        var hasOptimizerState: Bool
        var train: TrainingSettings?

        enum CodingKeys: String, CodingKey {
            case path, config, parameters, step, train
            case receptiveFieldSamples = "receptive_field_samples"
            case receptiveFieldMilliseconds = "receptive_field_ms"
            case hasOptimizerState = "has_optimizer_state"
        }
    }

    func describeCheckpoint(_ path: String) throws {
        let checkpoint = try Checkpoint.load(path)
        let c = checkpoint.config
        let info = CheckpointInfo(
            path: path, config: c, parameters: checkpoint.parameters.parameterCount,
            receptiveFieldSamples: c.receptiveField,
            receptiveFieldMilliseconds: 1000 * Double(c.receptiveField) / Double(c.sampleRate),
            step: checkpoint.step, hasOptimizerState: checkpoint.optimizer != nil,
            train: TrainingSettings.decode(checkpoint.trainingJSON))
        if json {
            printJSON(info)
            return
        }
        var lines = [
            "checkpoint:       \(path) (\(Checkpoint.format))",
            "sample rate:      \(c.sampleRate) Hz",
            "channels:         Q \(c.quantizationChannels), residual \(c.residualChannels), dilation \(c.dilationChannels), skip \(c.skipChannels)",
            "layers:           \(c.layerCount), dilations \(c.dilations.map(String.init).joined(separator: " "))",
            "receptive field:  \(c.receptiveField) samples (\(String(format: "%.1f", info.receptiveFieldMilliseconds)) ms)",
            "parameters:       \(info.parameters)",
            "step:             \(checkpoint.step)\(checkpoint.optimizer == nil ? "" : " (with optimizer state)")",
        ]
        if let l = c.local {
            let kind = l.features == .mel ? "n_fft \(l.nFFT ?? 0), win \(l.win ?? 0), fmin \(l.fmin ?? 0) Hz, fmax \(l.fmax ?? 0) Hz"
                : "keys \(l.low ?? 0)...\(l.high ?? 0)"
            lines.append("local:            \(l.features.rawValue) features, \(l.channels) channels, hidden \(l.hidden), hop \(l.hop), "
                         + (l.causal ? "causal" : "centred") + " (\(kind))")
        }
        if let names = c.classNames {
            lines.append("conditioning:     \(c.condChannels ?? 0) channels, \(names.count) classes: \(names.enumerated().map { "\($0.offset)=\($0.element)" }.joined(separator: " "))")
        }
        if let t = info.train, !t.dataFolder.isEmpty {
            let relative = t.dataFolder.hasPrefix("/") ? "" : ", a path relative to the folder training ran in"
            lines.append("trained on:       \(t.dataFolder) (\(t.trainingFiles.count) files; \(t.validationFiles.count) held out\(relative))")
            if !t.validationFiles.isEmpty { lines.append("held out:         " + t.validationFiles.joined(separator: ", ")) }
            lines.append("training:         batch \(t.batch) x \(t.segment), learning rate \(t.learningRate), seed \(t.seed)"
                + (t.gradientClip.map { ", clip \($0)" } ?? "") + ", silence threshold " + (t.silenceThresholdDB.map { "\($0) dBFS" } ?? "off"))
            if let s = t.standardization, let low = s.mean.min(), let high = s.mean.max() {
                lines.append(String(format: "frame input:      conv1 trained on standardized features (training frames' means %.2f...%.2f, deviations %.2f...%.2f)",
                                    low, high, s.deviation.min() ?? 0, s.deviation.max() ?? 0))
            }
            if let bits = t.lastTrainingBitsPerSample { lines.append("last training:    \(String(format: "%.4f", bits)) bits/sample") }
            if let bits = t.lastValidationBitsPerSample {
                lines.append("last validation:  \(String(format: "%.4f", bits)) bits/sample" + (t.lastValidationStep.map { " at step \($0)" } ?? "")
                             + (t.silenceThresholdDB.map { String(format: ", held-out files trimmed below %.1f dBFS as for training (eval trims alike)", $0) } ?? ""))
            }
            if let seconds = t.trainingSeconds { lines.append("training time:    \(formatDuration(seconds)) over every run") }
        }
        if let writer = info.train?.writtenBy { lines.append("written by:       \(writer)") }
        print(lines.joined(separator: "\n"))
    }
}
