import ArgumentParser
import AudioIO
import FileIO
import Foundation
import WaveNet

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate audio from a model into WAV files.",
        discussion: "The WAV is at the model's sample rate and written atomically. With --streams K, K streams are generated together into NAME-1.wav ... NAME-K.wav.")

    @OptionGroup var sampling: SamplingOptions
    @Option(help: "Output WAV file.") var out: String
    @Option(help: "Samples to generate per stream (instead of --seconds).") var samples: Int?
    @Option(help: "Streams generated together, one file each.") var streams = 1
    @Option(name: .customLong("count"), help: .hidden) var countAlias: Int?
    @Option(help: "Sample format of the file (default s16) and, with --play, of ALSA (default float, else s16): s16 or float.")
    var sampleFormat: SampleFormat?
    @Option(name: .customLong("format"), help: .hidden) var formatAlias: SampleFormat?
    @Option(help: "CPU threads.") var threads = 1
    @Flag(help: "Leave the prime out of the written file.") var noPrimeInOutput = false
    @Flag(help: "Also play the audio through ALSA while it is generated.") var play = false
    @Option(help: "ALSA device for --play.") var device = "default"
    @Option(help: "Seconds to buffer before playing with --play (default: from the measured speed).") var prebuffer: Double?

    mutating func validate() throws {
        if let countAlias { streams = countAlias }
        if let formatAlias { sampleFormat = formatAlias }
        try sampling.validateSampling()
        if let samples, samples <= 0 { throw ValidationError("--samples must be positive") }
        if samples != nil && sampling.seconds != nil { throw ValidationError("give --seconds or --samples, not both") }
        guard (1...4096).contains(streams) else { throw ValidationError("--streams must be 1...4096") }
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be 1...256") }
        if play && streams > 1 { throw ValidationError("--play plays one stream; use it with --streams 1") }
    }

    var outputPaths: [String] {
        guard streams > 1 else { return [out] }
        let url = URL(fileURLWithPath: out)
        let stem = url.deletingPathExtension().path, ext = url.pathExtension.isEmpty ? "wav" : url.pathExtension
        return (1...streams).map { "\(stem)-\($0).\(ext)" }
    }

    func run() throws {
        // Refuse an unwritable destination before spending time on generation.
        for path in outputPaths { try AtomicFile.checkWritable(path) }
        let setup = try GenerationSetup(sampling, streams: streams, threads: threads)
        let rate = setup.sampleRate
        let total = samples ?? Int(((sampling.seconds ?? 4) * Double(rate)).rounded())
        let classes = play
            ? [try LiveGeneration(setup: setup, device: device, formats: sampleFormat.map { [$0] } ?? [.float, .s16], prebufferSeconds: prebuffer).run(total: total)]
            : try generate(setup, total: total)
        let prefix = noPrimeInOutput ? [] : setup.primeSamples
        for (path, stream) in zip(outputPaths, classes) {
            try AudioFile.writeWAV(prefix + setup.muLaw.decode(stream), sampleRate: rate, to: path, format: sampleFormat ?? .s16)
        }
        let described = setup.classNames.map { " (class \(Set($0).sorted().joined(separator: ", ")))" } ?? ""
        printStatus("wrote \(outputPaths.count == 1 ? out : "\(outputPaths.first!) ... \(outputPaths.last!)"): "
                    + "\(classes.first?.count ?? 0) generated samples at \(rate) Hz\(described)")
    }

    /// Generates block by block with progress; Ctrl-C keeps what is done.
    func generate(_ setup: GenerationSetup, total: Int) throws -> [[Int32]] {
        installStopHandlers()
        let rate = setup.sampleRate
        let block = max(1, rate / 10)
        var output = [[Int32]](repeating: [], count: streams)
        for k in 0..<streams { output[k].reserveCapacity(total) }
        let progress = ProgressLine(interval: 10)
        let start = monotonicSeconds()
        var done = 0
        while done < total && stopRequested == 0 {
            let n = min(block, total - done)
            for (k, stream) in setup.generator.generate(n).enumerated() { output[k] += stream }
            done += n
            let elapsed = monotonicSeconds() - start
            let factor = Double(done) / Double(rate) / elapsed
            progress.update(String(format: "%d/%d samples  %.1f s of audio  %.2fx real time  ETA %@", done, total,
                                   Double(done) / Double(rate), factor, formatDuration(elapsed / Double(done) * Double(total - done))),
                            now: monotonicSeconds())
        }
        progress.finish()
        if stopRequested != 0 { printStatus("interrupted after \(done) of \(total) samples; writing what was generated") }
        return output
    }
}
