import AudioIO
import Foundation
import TestSupport
import WaveNet
import XCTest

/// `train` under Open MPI's mpirun (issue 12): two processes equal one with the same global
/// batch, over shared memory and over TCP; uneven batches, a killed rank, SIGTERM, and resuming
/// with another process count. Skipped by name where mpirun is absent (CI installs Open MPI).
final class DistributedTrainingTests: XCTestCase {
    let tiny = ["--residual-channels", "8", "--dilation-channels", "8", "--skip-channels", "16",
                "--quantization-channels", "64", "--stacks", "1", "--depth", "5", "--segment", "500",
                "--threads", "1", "--validation-fraction", "0.34"]
    let mpirun = "/usr/bin/mpirun"

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: mpirun) else { throw XCTSkip("no mpirun (Debian's openmpi-bin)") }
    }

    /// Three short tones and chords, one held out for validation.
    func makeCorpus() throws -> String {
        let folder = makeTemporaryFolder(self) + "/data"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (name, frequencies) in [("a", [220.0]), ("b", [330.0, 495.0]), ("c", [440.0, 550.0, 660.0])] {
            let samples = (0..<16000).map { n in
                Float(frequencies.reduce(0) { $0 + 0.25 * sin(2 * Double.pi * $1 * Double(n) / 16000) })
            }
            try AudioFile.write(samples, sampleRate: 16000, to: "\(folder)/\(name).wav")
        }
        return folder
    }

    /// `mpirun -np N [mpiArguments] wavenet ARGUMENTS`, allowed as root as the tests run.
    func runMPI(_ processes: Int, _ arguments: [String], mpiArguments: [String] = []) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: mpirun)
        process.arguments = ["-np", "\(processes)", "--oversubscribe"] + mpiArguments + [wavenetBinary] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"]) { $1 }
        let outFile = makeTemporaryFolder(self) + "/mpirun-\(UUID().uuidString).out"
        _ = FileManager.default.createFile(atPath: outFile, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outFile))
        process.standardOutput = out
        process.standardError = out
        try process.run()
        process.waitUntilExit()
        try out.close()
        let text = try String(contentsOfFile: outFile, encoding: .utf8)
        return CommandResult(status: process.terminationStatus, stdout: text, stderr: text, crashed: process.terminationReason == .uncaughtSignal)
    }

    func logEntries(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    /// Per tensor, ‖a − b‖ / ‖a‖ (DECISIONS: norms, since Adam can turn a rounding-level sign
    /// change of a tiny gradient into a whole step for one element).
    func assertSameWeights(_ a: String, _ b: String, tolerance: Double = 1e-5, file: StaticString = #filePath, line: UInt = #line) throws {
        let x = try Checkpoint.load(a), y = try Checkpoint.load(b)
        XCTAssertEqual(x.step, y.step, file: file, line: line)
        for tensor in x.parameters.layout.tensors {
            var difference = 0.0, norm = 0.0
            for i in tensor.flatIndices {
                let (p, q) = (Double(x.parameters.values.base[i]), Double(y.parameters.values.base[i]))
                difference += (p - q) * (p - q)
                norm += p * p
            }
            XCTAssertLessThanOrEqual(difference.squareRoot(), tolerance * max(norm.squareRoot(), 1e-12),
                                     "\(tensor.name): ‖Δw‖ \(difference.squareRoot()), ‖w‖ \(norm.squareRoot())", file: file, line: line)
        }
    }

    func testTwoProcessesEqualOneWithTheSameGlobalBatch() throws {
        let data = try makeCorpus()
        let root = data + "/.."
        let common = ["--steps", "6", "--batch", "4", "--validate-every", "3", "--seed", "5"] + tiny
        let one = try runWavenet(["train", data, "--checkpoint", root + "/one.safetensors", "--log", root + "/one.jsonl"] + common)
        XCTAssertEqual(one.status, 0, one.stderr)
        let reference = try logEntries(root + "/one.jsonl")
        XCTAssertEqual(reference.map { $0["processes"] as? Int }, [Int](repeating: 1, count: 6))
        for (name, mpiArguments) in [("shared-memory", [String]()), ("tcp", ["--mca", "btl", "tcp,self"])] {
            let checkpoint = "\(root)/\(name).safetensors", log = "\(root)/\(name).jsonl"
            let two = try runMPI(2, ["train", data, "--checkpoint", checkpoint, "--log", log] + common, mpiArguments: mpiArguments)
            XCTAssertEqual(two.status, 0, two.stderr)
            XCTAssertTrue(two.stderr.contains("2 processes, 2 sequences and 1 threads each"), two.stderr)
            XCTAssertEqual(two.stderr.components(separatedBy: "training on").count - 1, 1, "rank 0 alone reports: \(two.stderr)")
            let entries = try logEntries(log)
            XCTAssertEqual(entries.map { $0["step"] as? Int }, [1, 2, 3, 4, 5, 6], name)
            for (mine, theirs) in zip(entries, reference) {
                XCTAssertEqual(mine["processes"] as? Int, 2)
                XCTAssertNotNil(mine["communication_seconds"] as? Double)
                let (p, q) = (mine["loss_nats"] as! Double, theirs["loss_nats"] as! Double)
                XCTAssertEqual(p, q, accuracy: 1e-5 * abs(q), "\(name) step \(mine["step"]!)")
                if let v = theirs["validation_bits_per_sample"] as? Double {
                    XCTAssertEqual(mine["validation_bits_per_sample"] as! Double, v, accuracy: 1e-5 * v, name)
                }
            }
            try assertSameWeights(root + "/one.safetensors", checkpoint)
            XCTAssertEqual(TrainingSettings.decode(try Checkpoint.load(checkpoint).trainingJSON)?.batch, 4)
        }
    }

    func testResumeWithAnotherProcessCount() throws {
        let data = try makeCorpus()
        let root = data + "/.."
        let common = ["--batch", "4", "--validate-every", "100", "--seed", "2"] + tiny
        XCTAssertEqual(try runWavenet(["train", data, "--checkpoint", root + "/straight.safetensors", "--steps", "6"] + common).status, 0)
        let first = try runMPI(2, ["train", data, "--checkpoint", root + "/mixed.safetensors", "--steps", "4"] + common)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(try Checkpoint.load(root + "/mixed.safetensors").step, 4)
        let second = try runWavenet(["train", data, "--checkpoint", root + "/mixed.safetensors", "--resume", "--steps", "2",
                                     "--threads", "1", "--log", root + "/mixed.jsonl"])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stderr.contains("from step 4"), second.stderr)
        let entries = try logEntries(root + "/mixed.jsonl")
        XCTAssertEqual(entries.first?["resumed_from_step"] as? Int, 4)
        XCTAssertEqual(entries.dropFirst().map { $0["step"] as? Int }, [5, 6])
        // Two processes then one draw the same windows as one all along.
        try assertSameWeights(root + "/straight.safetensors", root + "/mixed.safetensors")
    }

    func testABatchThatDoesNotDivideIsAUsageError() throws {
        let data = try makeCorpus()
        let result = try runMPI(2, ["train", data, "--checkpoint", data + "/../m.safetensors", "--batch", "3", "--steps", "1"] + tiny)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("exited with non-zero status") || result.stderr.contains("Exit code:    64"), result.stderr)
        let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }
        XCTAssertEqual(errors, ["Error: --batch 3 does not divide by the 2 processes (--batch is the global batch; each process takes an equal share)"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: data + "/../m.safetensors"))
    }

    /// Starts `mpirun -np 2 ... train` for many steps, saving every step, and calls `act` with
    /// mpirun's process once the checkpoint exists.
    func runUntilSaved(_ name: String, act: (Process, String) throws -> Void) throws -> (Process, String, String) {
        let data = try makeCorpus()
        let checkpoint = "\(data)/../\(name).safetensors"
        let output = "\(data)/../\(name).out"
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: mpirun)
        process.arguments = ["-np", "2", "--oversubscribe", wavenetBinary, "train", data, "--checkpoint", checkpoint,
                             "--steps", "1000000", "--save-every", "1", "--batch", "4", "--validate-every", "1000000"] + tiny
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"]) { $1 }
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: checkpoint) && Date() < deadline && process.isRunning { usleep(50_000) }
        usleep(300_000)  // a few more steps
        try act(process, checkpoint)
        process.waitUntilExit()
        try handle.close()
        return (process, checkpoint, try String(contentsOfFile: output, encoding: .utf8))
    }

    func testAKilledRankEndsTheJobAndLeavesTheCheckpointWhole() throws {
        let (process, checkpoint, output) = try runUntilSaved("killed") { mpirun, checkpoint in
            // The ranks are the two processes besides mpirun whose arguments name this checkpoint; kill the second.
            let pgrep = Process()
            pgrep.executableURL = URL(fileURLWithPath: "/usr/bin/pgrep")
            pgrep.arguments = ["-f", "--", "\(wavenetBinary) train .* --checkpoint \(checkpoint)"]
            let pipe = Pipe()
            pgrep.standardOutput = pipe
            try pgrep.run()
            pgrep.waitUntilExit()
            let pids = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n").compactMap { Int32($0) }.filter { $0 != mpirun.processIdentifier }
            XCTAssertEqual(pids.count, 2, "ranks found: \(pids)")
            if let victim = pids.max() { kill(victim, SIGKILL) }
        }
        XCTAssertNotEqual(process.terminationStatus, 0, output)
        let model = try Checkpoint.load(checkpoint)
        XCTAssertGreaterThan(model.step, 0)
        XCTAssertNotNil(model.optimizer)
    }

    func testSIGTERMStopsEveryRankAndRankZeroSaves() throws {
        let (_, checkpoint, output) = try runUntilSaved("stopped") { process, _ in
            kill(process.processIdentifier, SIGTERM)
        }
        // mpirun forwards SIGTERM to every rank; rank 0 reports the step it saved.
        let stopped = output.split(separator: "\n").first { $0.hasPrefix("stopping at step") }
        XCTAssertNotNil(stopped, output)
        let step = stopped.flatMap { Int($0.split(separator: " ")[3]) }
        XCTAssertEqual(try Checkpoint.load(checkpoint).step, step, output)
        XCTAssertTrue(output.contains("saved \(checkpoint) at step"), output)
    }
}
