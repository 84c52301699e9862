import ArgumentParser
import AudioIO
import FileIO
import Foundation

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe an audio file (format, rate, length, levels) or a checkpoint (model config, training state).")

    @Argument(help: "An audio file or a .safetensors checkpoint.")
    var path: String

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        let info = try AudioFile.info(path)
        info.warnings.forEach(printWarning)
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

func printWarning(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

func formatDB(_ db: Float) -> String {
    db.isFinite ? String(format: "%.1f dBFS", db) : "-inf dBFS"
}

/// Prints a value as one line of JSON with sorted keys.
func printJSON<T: Encodable>(_ value: T) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
    print(String(decoding: data, as: UTF8.self))
}
