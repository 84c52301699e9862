import Foundation

/// Status, warnings and errors: one line on stderr, so that stdout carries only results.
func printStatus(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// Prints a value as one line of JSON with sorted keys (every key snake_case).
func printJSON<T: Encodable>(_ value: T) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
    print(String(decoding: data, as: UTF8.self))
}

func formatDB(_ db: Float) -> String {
    db.isFinite ? String(format: "%.1f dBFS", db) : "-inf dBFS"
}

/// Nats per bit.
let ln2 = log(2.0)
