import Foundation
import TestSupport
import WaveNet
import XCTest

/// The result of running the built `wavenet` binary.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
    /// True when the process ended by a signal (a Swift trap), not by exit.
    var crashed: Bool
}

/// The `wavenet` binary built beside this test bundle (`.build/<config>/wavenet`).
let wavenetBinary: String = {
    if let path = ProcessInfo.processInfo.environment["WAVENET_BIN"] { return path }
    return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("wavenet").path
}()

/// The package root, found from this source file's location.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

@discardableResult
func runWavenet(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: wavenetBinary)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes before waiting so that a chatty child cannot block on a full pipe.
    final class Box: @unchecked Sendable { var data = Data() }
    let stderrBox = Box()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        stderrBox.data = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    let stderrData = stderrBox.data
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus,
                         stdout: String(decoding: stdoutData, as: UTF8.self),
                         stderr: String(decoding: stderrData, as: UTF8.self),
                         crashed: process.terminationReason == .uncaughtSignal)
}

/// Asserts a clean refusal: exit `status` (1, a runtime or file error, unless told), no trap,
/// one error line on stderr naming `path` and `problem`.
func assertRefusal(_ result: CommandResult, path: String, problem: String, status: Int32 = 1,
                   file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertFalse(result.crashed, "trapped: \(result.stderr)", file: file, line: line)
    XCTAssertEqual(result.status, status, result.stderr, file: file, line: line)
    let lines = result.stderr.split(separator: "\n")
    let errorLines = lines.filter { $0.hasPrefix("Error:") }
    XCTAssertFalse(result.stderr.contains("Usage:"), "a usage block: \(result.stderr)", file: file, line: line)
    XCTAssertEqual(errorLines.count, 1, "stderr: \(result.stderr)", file: file, line: line)
    if let message = errorLines.first {
        XCTAssertTrue(message.contains(path), "\(message) does not name \(path)", file: file, line: line)
        XCTAssertTrue(message.contains(problem), "\(message) does not say \(problem)", file: file, line: line)
    }
}

/// A small random 8 kHz model saved as a checkpoint (generation needs no training to be checked).
func makeCheckpoint(_ folder: String, conditioned: Bool = false) throws -> String {
    let config = ModelConfig(sampleRate: 8000, quantizationChannels: 64, residualChannels: 8, dilationChannels: 8, skipChannels: 16,
                             dilations: [1, 2, 4, 8, 16], condChannels: conditioned ? 4 : nil,
                             classNames: conditioned ? ["low", "high"] : nil)
    let p = try Parameters(config: config)
    p.initialize(seed: 3)
    let path = folder + (conditioned ? "/cond.safetensors" : "/model.safetensors")
    try Checkpoint(parameters: p).save(to: path)
    return path
}
