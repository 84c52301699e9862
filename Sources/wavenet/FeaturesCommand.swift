import ArgumentParser
import AudioIO
import Features
import FileIO
import Foundation
import WaveNet

struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Write the features a model reads from a file, as a .npy of [F, frames] float32.",
        discussion: """
            For a mel model the file is audio, read mono at the model's rate, not trimmed, and turned into the \
            spec's mel features (docs/MODEL_SPEC.md), exactly what `generate --from FILE` feeds the model; compare \
            them with the mels of a text-to-speech model before vocoding those. For a notes model the file is MIDI, \
            turned into the spec's piano roll (velocities of held keys, then onsets), without the --tail that \
            `generate` adds.
            """)

    @Argument(help: "An audio file (mel model) or a MIDI file (notes model).") var file: String
    @Option(help: "The locally conditioned model whose feature settings to use.") var checkpoint: String
    @Option(help: "The .npy file to write.") var out: String

    func validate() throws {
        if out.isEmpty || file.isEmpty { throw ValidationError("--out and the audio file must not be empty") }
    }

    func run() throws {
        try OutputFile.check(out, inputs: [("--checkpoint", checkpoint), ("audio", file)])
        let config = try Checkpoint.load(try ShippedModels.resolve(checkpoint), withOptimizer: false).config
        guard let local = config.local else {
            throw FileError(checkpoint, "this model has no local conditioning; features writes what a mel or notes model reads")
        }
        let (frames, _) = try LocalFeatures.read(file, local: local, sampleRate: config.sampleRate)
        let count = frames.count / local.channels
        // Back to [F, frames], channel-major, as tacotron2-style tools save mels.
        let values = FeatureFrames.transpose(frames, rows: count, columns: local.channels)
        try AtomicFile.write(Npy.serialize(values, shape: [local.channels, count]), to: out)
        printStatus("wrote \(out): \(local.channels) x \(count) \(local.features.rawValue) frames (hop \(local.hop) at \(config.sampleRate) Hz)")
    }
}
