import ArgumentParser
import AudioIO
import FileIO
import Foundation
import WaveNet

/// Reads audio files into mu-law class sequences for a model: mono, resampled to the model's
/// rate, optionally silence-trimmed.
enum CorpusLoader {
    /// Loads `files`; warnings go to stderr. Items keep the file paths as names.
    static func load(_ files: [String], sampleRate: Int, quantization: Int, silenceThresholdDB: Float?,
                     classID: Int? = nil) throws -> Corpus {
        let muLaw = MuLaw(classes: quantization)
        var items: [Corpus.Item] = []
        for path in files {
            let audio = try AudioFile.readMono(path, sampleRate: sampleRate)
            audio.warnings.forEach(printStatus)
            let samples = Silence.trim(audio.samples, sampleRate: sampleRate, thresholdDB: silenceThresholdDB)
            if samples.isEmpty {
                let reason = silenceThresholdDB.map { "silent below \($0) dBFS throughout" } ?? "no samples left at \(sampleRate) Hz"
                printStatus("warning: skipping \(path): \(reason)")
                continue
            }
            items.append(Corpus.Item(name: path, classes: muLaw.encode(samples), classID: classID))
        }
        return Corpus(items)
    }

    /// Loads a conditioned corpus: the audio of each class folder `folder/names[id]` with class id `id`.
    /// Throws when a class has no audio above the silence threshold.
    static func loadClasses(_ folder: String, names: [String], sampleRate: Int, quantization: Int,
                            silenceThresholdDB: Float?) throws -> Corpus {
        var items: [Corpus.Item] = []
        for (id, name) in names.enumerated() {
            let scan = try AudioFolder.scan(folder + "/" + name)
            scan.warnings.forEach(printStatus)
            let loaded = try load(scan.files, sampleRate: sampleRate, quantization: quantization,
                                  silenceThresholdDB: silenceThresholdDB, classID: id)
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
