import ArgumentParser
import AudioIO
import Features
import FileIO
import Foundation
import WaveNet

/// Reads audio files into mu-law class sequences for a model: mono, resampled to the model's
/// rate, optionally silence-trimmed; for a mel model also the features of the trimmed audio; for
/// a notes model the piano roll of each file's MIDI (same name stem, same folder), untrimmed,
/// since the MIDI fixes the time line.
enum CorpusLoader {
    /// Loads `files`; warnings go to stderr. Items keep the file paths as names.
    static func load(_ files: [String], config: ModelConfig, silenceThresholdDB: Float?, classID: Int? = nil) throws -> Corpus {
        let sampleRate = config.sampleRate
        let muLaw = MuLaw(classes: config.quantizationChannels)
        let local = config.local
        let mel = try local.flatMap { $0.features == .mel ? try melSpectrogram($0, sampleRate: sampleRate) : nil }
        var items: [Corpus.Item] = []
        var unpaired = 0
        for path in files {
            var midi: String?
            if let local, local.features == .notes {
                midi = LocalFeatures.pairedMIDI(for: path)
                if midi == nil {
                    printStatus("warning: skipping \(path): no MIDI file of the same name beside it (\(((path as NSString).deletingPathExtension as NSString).lastPathComponent).mid)")
                    unpaired += 1
                    continue
                }
            }
            let audio = try AudioFile.readMono(path, sampleRate: sampleRate)
            audio.warnings.forEach(printStatus)
            let samples = midi == nil ? Silence.trim(audio.samples, sampleRate: sampleRate, thresholdDB: silenceThresholdDB) : audio.samples
            if samples.isEmpty {
                let reason = silenceThresholdDB.map { "silent below \($0) dBFS throughout" } ?? "no samples left at \(sampleRate) Hz"
                printStatus("warning: skipping \(path): \(reason)")
                continue
            }
            var features: [Float]?
            if let mel {
                guard samples.count >= mel.settings.minimumSamples else {
                    printStatus("warning: skipping \(path): \(samples.count) samples, shorter than n_fft/2 + 1 = \(mel.settings.minimumSamples) (too short for mel features)")
                    continue
                }
                features = timeMajor(try mel.features(samples), channels: mel.settings.mels)
            }
            if let midi, let local {
                let notes = try LocalFeatures.midiNotes(midi)
                let seconds = Double(samples.count) / Double(sampleRate)
                if abs(notes.end - seconds) > 1 {
                    printStatus(String(format: "warning: %@ lasts %.2f s, its audio %@ %.2f s: more than a second apart", midi, notes.end, path, seconds))
                }
                let piano = LocalFeatures.pianoRoll(local, sampleRate: sampleRate)
                features = try LocalFeatures.checkedRoll(piano, notes, frames: piano.frameCount(samples: samples.count), path: midi).values
            }
            items.append(Corpus.Item(name: path, classes: muLaw.encode(samples), classID: classID, features: features))
        }
        if items.isEmpty && unpaired == files.count && !files.isEmpty {
            throw FileError((files[0] as NSString).deletingLastPathComponent,
                            "no audio file has a MIDI file of the same name beside it (a notes model trains on piece.flac with piece.mid)")
        }
        return Corpus(items)
    }

    /// The mel spectrogram a mel model reads (MODEL_SPEC.md), from its `config.local`.
    static func melSpectrogram(_ local: LocalConfig, sampleRate: Int) throws -> MelSpectrogram {
        guard local.features == .mel, let nFFT = local.nFFT, let win = local.win, let fmin = local.fmin, let fmax = local.fmax else {
            preconditionFailure("a mel spectrogram of a \(local.features.rawValue) model")  // validated config: callers check the kind
        }
        return try MelSpectrogram(MelSettings(sampleRate: sampleRate, nFFT: nFFT, win: win, hop: local.hop, mels: local.channels, fmin: fmin, fmax: fmax))
    }

    /// [F][frames] (channel-major, as files store features) to [frames][F] (as the model reads them).
    static func timeMajor(_ x: [Float], channels F: Int) -> [Float] {
        FeatureFrames.transpose(x, rows: F, columns: x.count / F)
    }

    /// Loads a conditioned corpus: the audio of each class folder `folder/names[id]` with class id `id`.
    /// Throws when a class has no audio above the silence threshold.
    static func loadClasses(_ folder: String, names: [String], config: ModelConfig, silenceThresholdDB: Float?) throws -> Corpus {
        var items: [Corpus.Item] = []
        for (id, name) in names.enumerated() {
            let scan = try AudioFolder.scan(folder + "/" + name)
            scan.warnings.forEach(printStatus)
            let loaded = try load(scan.files, config: config, silenceThresholdDB: silenceThresholdDB, classID: id)
            guard !loaded.items.isEmpty else {
                throw FileError(folder + "/" + name, "all audio of class \(name) is silent below \(silenceThresholdDB ?? 0) dBFS")
            }
            items += loaded.items
        }
        return Corpus(items)
    }
}

/// `--silence-threshold`: a level in dBFS, or `off`.
struct SilenceThreshold: ExpressibleByArgument {
    var decibels: Float?

    init?(argument: String) {
        if argument.lowercased() == "off" {
            decibels = nil
        } else if let value = Float(argument), value.isFinite, value < 0 {
            decibels = value
        } else {
            return nil
        }
    }

    init(decibels: Float?) { self.decibels = decibels }
}
