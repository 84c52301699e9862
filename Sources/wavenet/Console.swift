import Cluster
import Foundation
import WaveNet

/// Status, warnings and errors: one line on stderr, so that stdout carries only results.
/// Under mpirun every process reads the same files: rank 0 alone gives their warnings.
func printStatus(_ line: String) {
    if line.hasPrefix("warning:"), let rank = mpiRank, rank != 0 { return }
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// Prints a value as one line of JSON with sorted keys (every key snake_case).
func printJSON<T: Encodable>(_ value: T) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
    print(String(decoding: data, as: UTF8.self))
}

func formatDB(_ db: Float) -> String {
    db.isFinite ? String(format: "%.1f dBFS", db) : "-inf dBFS"
}

/// Nats per bit.
let ln2 = log(2.0)

/// A run that would need more memory than the machine has (exit 1).
struct MemoryError: Error, CustomStringConvertible {
    let description: String
}

/// Throws when `bytes` exceed 80% of physical memory: `what` needs them, `advice` says which flag to lower.
func checkMemory(_ bytes: Double, for what: String, advice: String) throws {
    let physical = Double(Limits.physicalMemoryBytes)
    if bytes > 0.8 * physical {
        throw MemoryError(description: String(format: "%@ needs about %.1f GB, more than the %.1f GB this process may use; %@",
                                              what, bytes / 1e9, physical / 1e9, advice))
    }
}

/// This process's rank under an MPI launcher, nil otherwise.
let mpiRank = MPIEnvironment.detect()?.rank
