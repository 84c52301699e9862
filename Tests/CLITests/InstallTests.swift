import Foundation
import TestSupport
import WaveNet
import XCTest

/// `scripts/install.sh PREFIX --binary BIN` with the binary under test (issue 15): the installed
/// tool finds its shipped models from any folder, by default and by name, and --uninstall
/// removes exactly what was installed.
final class InstallTests: XCTestCase {
    func run(_ executable: String, _ arguments: [String], in folder: String, environment: [String: String] = [:]) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        // Without WAVENET_CHECKPOINTS from the test's own environment.
        process.environment = ProcessInfo.processInfo.environment.filter { $0.key != "WAVENET_CHECKPOINTS" }.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile(), stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                             stderr: String(decoding: stderr, as: UTF8.self), crashed: process.terminationReason == .uncaughtSignal)
    }

    func testInstallThenGenerateFromAnotherFolderThenUninstall() throws {
        let root = makeTemporaryFolder(self)
        let prefix = root + "/prefix", elsewhere = root + "/elsewhere"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        let install = try run("/bin/bash", [packageRoot + "/scripts/install.sh", prefix, "--binary", wavenetBinary], in: root)
        XCTAssertEqual(install.status, 0, install.stderr)
        let tool = prefix + "/bin/wavenet"
        for name in ["default", "vocoder", "piano-notes"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(prefix)/share/wavenet/\(name).safetensors"), name)
        }
        XCTAssertEqual(try run(tool, ["--version"], in: elsewhere).stdout, "wavenet \(Version.current)\n")

        // No --checkpoint: the default model, found in PREFIX/share/wavenet.
        let generate = try run(tool, ["generate", "--out", "a.wav", "--seconds", "0.05", "--seed", "3"], in: elsewhere)
        XCTAssertEqual(generate.status, 0, generate.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: elsewhere + "/a.wav"))
        // By name, and the same samples as the package's own copy of the model.
        let named = try run(tool, ["generate", "--checkpoint", "default", "--out", "b.wav", "--seconds", "0.05", "--seed", "3"], in: elsewhere)
        XCTAssertEqual(named.status, 0, named.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: elsewhere + "/a.wav")), try Data(contentsOf: URL(fileURLWithPath: elsewhere + "/b.wav")))
        let info = try run(tool, ["info", "vocoder"], in: elsewhere)
        XCTAssertEqual(info.status, 0, info.stderr)
        XCTAssertTrue(info.stdout.contains("checkpoint:       \(prefix)/share/wavenet/vocoder.safetensors"), info.stdout)

        // $WAVENET_CHECKPOINTS comes first; a name found nowhere lists every place looked in.
        let missing = try run(tool, ["generate", "--checkpoint", "nosuch", "--out", "c.wav"], in: elsewhere, environment: ["WAVENET_CHECKPOINTS": root + "/mine"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderr.split(separator: "\n").count, 1, missing.stderr)
        XCTAssertTrue(missing.stderr.hasPrefix("Error: nosuch: no shipped model of that name; looked for nosuch.safetensors in \(root)/mine, "), missing.stderr)
        XCTAssertTrue(missing.stderr.contains("\(prefix)/share/wavenet"), missing.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: elsewhere + "/c.wav"))

        let uninstall = try run("/bin/bash", [packageRoot + "/scripts/install.sh", prefix, "--uninstall"], in: root)
        XCTAssertEqual(uninstall.status, 0, uninstall.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: tool))
        XCTAssertFalse(FileManager.default.fileExists(atPath: prefix + "/share/wavenet"))
    }
}
