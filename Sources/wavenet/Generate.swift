import ArgumentParser
import AudioIO
import FileIO
import Foundation
import WaveNet

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate audio from a model into audio files.",
        discussion: "The file is at the model's sample rate and written atomically; its extension chooses the kind: \(AudioContainer.choices). With --streams K, K streams are generated together into NAME-1.wav ... NAME-K.wav.")

    @OptionGroup var sampling: SamplingOptions
    @Option(help: "Output file: \(AudioContainer.choices), chosen by the extension.") var out: String
    @Option(help: "Samples to generate per stream (instead of --seconds), \(Limits.samples.text).") var samples: Int?
    @Option(help: "Streams generated together, one file each, \(Limits.streams.text).") var streams = 1
    @Option(name: .customLong("count"), help: .hidden) var countAlias: Int?
    @Option(help: "Sample format: s16 or float; of the file (default: s16) and, with --play, of ALSA (default: float, else s16).")
    var sampleFormat: SampleFormat?
    @Option(name: .customLong("format"), help: .hidden) var formatAlias: SampleFormat?
    @Option(help: "CPU threads, \(Limits.threads.text).") var threads = 1
    @Flag(help: "Leave the prime out of the written file.") var noPrimeInOutput = false
    @Flag(help: "Also play the audio through ALSA while it is generated.") var play = false
    @Option(help: "ALSA device for --play. (default: default)") var device: String?
    @Option(help: "Seconds to buffer before playing with --play, \(Limits.prebuffer.text) (default: from the measured speed).")
    var prebuffer: Double?

    mutating func validate() throws {
        if let countAlias { streams = countAlias }
        if let formatAlias { sampleFormat = formatAlias }
        try sampling.validateSampling()
        try checkLimits {
            try Limits.samples.check(samples)
            try Limits.streams.check(streams)
            try Limits.threads.check(threads)
            try Limits.prebuffer.check(prebuffer)
        }
        if samples != nil && sampling.seconds != nil { throw ValidationError("give --seconds or --samples, not both") }
        if !sampling.from.isEmpty {
            if samples != nil { throw ValidationError("--from fixes the length; --samples does not apply") }
            if streams != 1 && streams != sampling.from.count { throw ValidationError("--from gives one stream per file; --streams does not apply") }
            streams = sampling.from.count
        }
        if play && streams > 1 { throw ValidationError("--play plays one stream; use it with --streams 1") }
        if prebuffer != nil && !play { throw ValidationError("--prebuffer goes with --play") }
        if device != nil && !play { throw ValidationError("--device goes with --play") }
        if out.isEmpty { throw ValidationError("--out is empty") }
        guard let container = AudioContainer(path: out) else {
            throw ValidationError("--out \(out): cannot write this kind of file; name it \(AudioContainer.choices)")
        }
        if let refusal = container.refusal(sampleFormat ?? .s16) { throw ValidationError("--out \(out): \(refusal)") }
    }

    var outputPaths: [String] {
        guard streams > 1 else { return [out] }
        let url = URL(fileURLWithPath: out)
        let stem = url.deletingPathExtension().path, ext = url.pathExtension
        return (1...streams).map { "\(stem)-\($0).\(ext)" }
    }

    func run() throws {
        // Refuse a harmful or unwritable destination before spending time on generation.
        let inputs = [("--checkpoint", try sampling.checkpointPath())] + (sampling.prime.map { [("--prime", $0)] } ?? [])
        for path in outputPaths { try OutputFile.check(path, inputs: inputs) }
        let setup = try GenerationSetup(sampling, streams: streams, threads: threads)
        let rate = setup.sampleRate
        let total = try setup.lengths?.max() ?? samples ?? sampling.sampleCount(seconds: sampling.seconds ?? 4, rate: rate)
        // Classes as Int32 and samples as Float, twice over while the file is written.
        try checkMemory(Double(streams) * Double(total + setup.primeSamples.count) * 12, for: "generating \(streams) x \(total) samples",
                        advice: "lower --seconds, --samples or --streams")
        let generated = play
            ? [try LiveGeneration(setup: setup, device: device ?? "default", formats: sampleFormat.map { [$0] } ?? [.float, .s16],
                                  prebufferSeconds: prebuffer).run(total: total, keep: true)]
            : try generate(setup, total: total)
        // Each --from stream keeps its own length.
        let classes = setup.lengths.map { lengths in zip(generated, lengths).map { Array($0.prefix($1)) } } ?? generated
        let prefix = noPrimeInOutput ? [] : setup.primeSamples
        try AudioFile.write(classes.map { prefix + setup.muLaw.decode($0) }, sampleRate: rate, to: outputPaths, format: sampleFormat ?? .s16)
        let described = setup.classNames.map { " (class \(Set($0).sorted().joined(separator: ", ")))" } ?? ""
        let written = outputPaths.count == 1 ? out : "\(outputPaths.first!) ... \(outputPaths.last!)"
        let count = classes.first?.count ?? 0
        if stopRequested != 0 {
            throw Interrupted(description: "stopped by a signal after \(count) of \(total) samples; wrote them to \(written) (partial output)")
        }
        printStatus("wrote \(written): \(count) generated samples at \(rate) Hz\(described)")
    }

    /// Generates block by block with progress; Ctrl-C stops within about a tenth of a second and keeps what is done.
    func generate(_ setup: GenerationSetup, total: Int) throws -> [[Int32]] {
        installStopHandlers()
        let rate = setup.sampleRate
        var blocks = BlockSize(sampleRate: rate)
        var output = [[Int32]](repeating: [], count: streams)
        for k in 0..<streams { output[k].reserveCapacity(total) }
        let progress = ProgressLine(interval: 10)
        let start = monotonicSeconds()
        var done = 0
        while done < total && stopRequested == 0 {
            let n = min(blocks.next, total - done)
            let blockStart = monotonicSeconds()
            for (k, stream) in setup.generator.generate(n).enumerated() { output[k] += stream }
            blocks.measured(samples: n, seconds: monotonicSeconds() - blockStart)
            done += n
            let elapsed = monotonicSeconds() - start
            let factor = Double(done) / Double(rate) / elapsed
            progress.update("\(done)/\(total) samples  " + String(format: "%.1f s of audio  %.2fx real time  ETA %@",
                                   Double(done) / Double(rate), factor, formatDuration(elapsed / Double(done) * Double(total - done))),
                            now: monotonicSeconds())
        }
        progress.finish()
        return output
    }
}
