import ArgumentParser
import AudioIO
import FileIO
import Foundation
import WaveNet

struct Play: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Play an audio file through ALSA, or generate from a model and play while generating.",
        discussion: """
            wavenet play FILE plays any file libsndfile reads at its own rate (resampled if the device refuses it).
            wavenet play [--checkpoint FILE] generates and plays at once: it starts within about half a second when \
            generation is faster than real time, and otherwise buffers enough first to play without gaps.
            Without --seconds, generation plays until Ctrl-C (--seconds inf says so too); memory stays constant.
            --device takes any ALSA PCM name: default, hw:1,0, plughw:..., or file:'/path/x.raw',raw to write the frames to a file. \
            Device strings are ALSA's and trusted like a shell command line: ALSA's file plugin runs a command for file:'|cmd'.
            Ctrl-C stops playback at once (exit status 130).
            """)

    @Argument(help: "An audio file to play (omit to generate from a model).") var file: String?
    @OptionGroup var sampling: SamplingOptions
    @Option(help: "ALSA PCM device name.") var device = "default"
    @Option(help: "Seconds of audio to buffer before playing live generation, \(Limits.prebuffer.text) (default: from the measured speed).")
    var prebuffer: Double?
    @Option(help: "ALSA sample format: s16 or float (default: float, else s16).") var sampleFormat: SampleFormat?
    @Option(name: .customLong("pcm-format"), help: .hidden) var pcmFormatAlias: String?
    @Option(help: "CPU threads for generation, \(Limits.threads.text).") var threads = 1
    @Flag(help: "List the ALSA PCM devices and exit.") var listDevices = false
    @Option(help: "Play a notes model live from MIDI input: an ALSA raw MIDI device (hw:1,0,0; see --list-midi), a /dev/snd/midiC*D* node or a FIFO of raw MIDI bytes.")
    var midiIn: String?
    @Option(help: "With --midi-in: append one JSON line per MIDI event to this file (its arrival, the frame and output sample where it took effect).")
    var midiLog: String?
    @Flag(help: "List the ALSA raw MIDI input devices and exit.") var listMidi = false

    mutating func validate() throws {
        if let pcmFormatAlias, pcmFormatAlias != "auto" {
            guard let format = SampleFormat(argument: pcmFormatAlias) else {
                throw ValidationError("--pcm-format must be auto, s16 or float, not \(pcmFormatAlias)")
            }
            sampleFormat = format
        }
        try sampling.validateSampling(infiniteSeconds: true, liveInput: midiIn != nil)
        if sampling.from.count > 1 { throw ValidationError("play plays one stream; give one --from") }
        try checkLimits {
            try Limits.prebuffer.check(prebuffer)
            try Limits.threads.check(threads)
        }
        if let file {
            let given = sampling.generationFlagsGiven + (prebuffer != nil ? ["--prebuffer"] : []) + (threads != 1 ? ["--threads"] : [])
                + (midiLog != nil ? ["--midi-log"] : [])
            if !given.isEmpty {
                throw ValidationError("play \(file) plays the file as it is: \(given.joined(separator: ", ")) \(given.count == 1 ? "applies" : "apply") to generating from a model, without a file")
            }
        }
        if let midiIn {
            if midiIn.isEmpty { throw ValidationError("--midi-in is empty") }
            if file != nil || !sampling.from.isEmpty || sampling.prime != nil || sampling.seconds != nil {
                throw ValidationError("--midi-in plays what the keys say: an audio file, --from, --prime and --seconds do not go with it")
            }
        } else if midiLog != nil {
            throw ValidationError("--midi-log goes with --midi-in")
        }
        if midiLog == "" { throw ValidationError("--midi-log is empty") }
    }

    func run() throws {
        if listDevices {
            for device in PCMOutput.devices() { print("\(device.name)\t\(device.description)") }
            return
        }
        if listMidi {
            let devices = MIDISource.devices()
            if devices.isEmpty { printStatus("no ALSA raw MIDI input devices (a FIFO of MIDI bytes works with --midi-in too)") }
            for device in devices { print("\(device.name)\t\(device.description)") }
            return
        }
        if let midiIn {
            try playLive(from: midiIn)
            return
        }
        if let file {
            try playFile(file)
            return
        }
        let setup = try GenerationSetup(sampling, streams: 1, threads: threads)
        let seconds = sampling.seconds ?? .infinity
        let total = try setup.lengths?.first ?? (seconds.isFinite ? sampling.sampleCount(seconds: seconds, rate: setup.sampleRate) : nil)
        _ = try LiveGeneration(setup: setup, device: device, formats: formats, prebufferSeconds: prebuffer).run(total: total, keep: false)
    }

    /// `--midi-in`: a causal notes model played from live MIDI.
    func playLive(from name: String) throws {
        let path = try sampling.checkpoint.map(ShippedModels.resolve) ?? ShippedModels.find("piano-notes")
        if let midiLog { try OutputFile.check(midiLog, inputs: [("--checkpoint", path)]) }
        let checkpoint = try Checkpoint.load(path, withOptimizer: false)
        let config = checkpoint.config
        guard let local = config.local, local.features == .notes else {
            throw FileError(path, "plays live only as a notes model (it reads \(config.local?.features.rawValue ?? "no") features)")
        }
        guard local.causal else { throw FileError(path, "is not causal: its frame network reads future frames, which live input has not played yet") }
        let classID = try GenerationSetup.resolveClassIDs(names: sampling.class, ids: sampling.classId, config: config, streams: 1, path: path)?.first
        let source = try MIDISource(name)
        let generator = Generator(liveParameters: checkpoint.parameters, classID: classID, temperature: sampling.temperature,
                                  seed: sampling.seed, precision: sampling.precision.resolve(for: config))
        let setup = LiveInstrument.LiveSetup(generator: generator, local: local, sampleRate: config.sampleRate,
                                             muLaw: MuLaw(classes: config.quantizationChannels))
        try LiveInstrument(setup: setup, source: source, device: device, formats: formats, tail: sampling.tail ?? 1,
                           log: try midiLog.map { try AppendFile($0) }).run()
    }

    /// The ALSA formats to try, in order.
    var formats: [SampleFormat] { sampleFormat.map { [$0] } ?? [.float, .s16] }

    func playFile(_ path: String) throws {
        let audio = try AudioFile.readInterleaved(path)
        audio.warnings.forEach(printStatus)
        var channels = audio.channels
        var samples = audio.samples
        let output: PCMOutput
        do {
            output = try PCMOutput(device: device, sampleRate: audio.sampleRate, channels: channels, formats: formats)
        } catch let error as DeviceError where channels > 1 && error.problem.contains("channel") {
            // The device takes mono only: mix down.
            output = try PCMOutput(device: device, sampleRate: audio.sampleRate, channels: 1, formats: formats)
            samples = try AudioFile.readMono(path).samples
            channels = 1
        }
        if output.sampleRate != audio.sampleRate {
            printStatus("\(device) plays at \(output.sampleRate) Hz, not \(audio.sampleRate) Hz; resampling")
        }
        installStopHandlers()
        let ring = SampleRing(capacity: audio.sampleRate * channels)
        let playback = LivePlayback(output: output, ring: ring, sourceRate: audio.sampleRate, prebuffer: 0)
        playback.start()
        let chunk = max(1, audio.sampleRate / 10) * channels
        var offset = 0
        samples.withUnsafeBufferPointer { all in
            while offset < all.count && stopRequested == 0 && !ring.isCancelled {
                let end = min(offset + chunk, all.count)
                ring.write(UnsafeBufferPointer(rebasing: all[offset..<end]))
                offset = end
            }
        }
        if stopRequested != 0 { ring.cancel() } else { ring.finish() }
        try playback.wait()
        if output.underruns > 0 { printStatus("\(device): \(output.underruns) underrun(s) during playback") }
        if stopRequested != 0 {
            throw Interrupted(description: String(format: "stopped by a signal after playing %.1f s of %@",
                                                  Double(playback.played / channels) / Double(audio.sampleRate), path))
        }
    }
}
