import AudioIO
import Foundation
import TensorBoard
import TestSupport
import WaveNet
import XCTest

/// `train --tensorboard DIR` read back with our own TFRecord reader (framing and both CRCs
/// checked): every step's scalars equal the JSONL log's, one audio sample per save, step numbers
/// that go on across --resume, and a run killed between saves shows each step once.
final class TensorBoardCommandTests: XCTestCase {
    let tiny = ["--residual-channels", "8", "--dilation-channels", "8", "--skip-channels", "16", "--quantization-channels", "64",
                "--stacks", "1", "--depth", "4", "--segment", "400", "--batch", "2", "--threads", "1", "--validation-fraction", "0.34"]

    func makeCorpus(_ root: String) throws -> String {
        let data = root + "/data"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        for (i, f) in [220.0, 330.0, 440.0].enumerated() {
            try AudioFile.write((0..<8000).map { Float(0.3 * sin(2 * Double.pi * f * Double($0) / 16000)) }, sampleRate: 16000, to: "\(data)/t\(i).wav")
        }
        return data
    }

    /// What TensorBoard shows: the files in order, each event applied, and a SessionLog START at
    /// step s dropping what earlier files logged at s and after.
    struct View {
        var scalars: [String: [Int: Float]] = [:]
        var audio: [(tag: String, step: Int, rate: Float, frames: Int64)] = []
        var texts: [String] = []
        var starts: [Int] = []
    }

    func read(_ folder: String) throws -> View {
        var view = View()
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix("events.out.tfevents.") }.sorted()
        for name in files {
            let records = try TFRecord.records(Array(try Data(contentsOf: URL(fileURLWithPath: "\(folder)/\(name)"))))
            XCTAssertEqual(try ProtobufFields(records[0]).string(3), "brain.Event:2", name)
            for record in records.dropFirst() {
                let event = try ProtobufFields(record)
                let step = Int(event.int64(2) ?? 0)
                if let log = try event.message(7) {
                    XCTAssertEqual(log.int64(1), 1)
                    view.starts.append(step)
                    for tag in view.scalars.keys { view.scalars[tag] = view.scalars[tag]!.filter { $0.key < step } }
                    view.audio.removeAll { $0.step >= step }
                    continue
                }
                let value = try event.message(5)!.message(1)!
                let tag = value.string(1)!
                if let simple = value.float(2) {
                    view.scalars[tag, default: [:]][step] = simple
                } else if let audio = try value.message(6) {
                    view.audio.append((tag, step, audio.float(1)!, audio.int64(3)!))
                } else if try value.message(8) != nil {
                    view.texts.append(tag)
                }
            }
        }
        return view
    }

    /// The log's last line for each step (a reader's rule after a resume).
    func logByStep(_ path: String) throws -> [Int: [String: Any]] {
        var out: [Int: [String: Any]] = [:]
        for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") {
            let entry = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            if let step = entry["step"] as? Int { out[step] = entry }
        }
        return out
    }

    func assertScalarsEqualLog(_ view: View, _ log: [Int: [String: Any]], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(Set(view.scalars["train/bits_per_sample"]?.keys ?? [:].keys), Set(log.keys), file: file, line: line)
        for (step, entry) in log {
            for (tag, key) in [("train/bits_per_sample", "bits_per_sample"), ("train/samples_per_second", "samples_per_second"),
                               ("train/gradient_norm", "gradient_norm"), ("train/learning_rate", "learning_rate"),
                               ("validation/bits_per_sample", "validation_bits_per_sample")] {
                guard let value = entry[key] as? Double else { continue }
                XCTAssertEqual(view.scalars[tag]?[step], Float(value), "\(tag) at step \(step)", file: file, line: line)
            }
        }
    }

    func testScalarsAudioAndResume() throws {
        let root = makeTemporaryFolder(self)
        let data = try makeCorpus(root)
        let model = root + "/m.safetensors", log = root + "/m.jsonl", board = root + "/board"
        let first = try runWavenet(["train", data, "--checkpoint", model, "--steps", "5", "--save-every", "2", "--validate-every", "2",
                                    "--tensorboard", board, "--sample-seconds", "0.25", "--log", log] + tiny)
        XCTAssertEqual(first.status, 0, first.stderr)
        var view = try read(board)
        assertScalarsEqualLog(view, try logByStep(log))
        XCTAssertEqual(Set(view.scalars["validation/bits_per_sample"]!.keys), [2, 4, 5])
        XCTAssertEqual(view.audio.map(\.step), [2, 4, 5], "one sample per save, the last save included")
        XCTAssertEqual(Set(view.audio.map(\.tag)), ["samples/generated"])
        XCTAssertTrue(view.audio.allSatisfy { $0.rate == 16000 && $0.frames == 4000 })
        XCTAssertEqual(view.texts, ["run/command/text_summary", "run/config/text_summary"])

        let second = try runWavenet(["train", data, "--checkpoint", model, "--resume", "--steps", "3", "--save-every", "2",
                                     "--tensorboard", board, "--sample-seconds", "0.25", "--log", log])
        XCTAssertEqual(second.status, 0, second.stderr)
        view = try read(board)
        XCTAssertEqual(view.starts, [1, 6], "every run starts with SessionLog START at its first step")
        XCTAssertEqual(view.scalars["train/bits_per_sample"]!.keys.sorted(), Array(1...8))
        assertScalarsEqualLog(view, try logByStep(log))
        XCTAssertEqual(view.audio.map(\.step), [2, 4, 5, 6, 8])

        // A folder that is a file is refused before training; --sample-seconds needs --tensorboard.
        _ = FileManager.default.createFile(atPath: root + "/file", contents: Data())
        assertRefusal(try runWavenet(["train", data, "--checkpoint", root + "/x.safetensors", "--steps", "1", "--tensorboard", root + "/file"] + tiny),
                      path: root + "/file", problem: "is not a folder")
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/x.safetensors"))
        XCTAssertEqual(try runWavenet(["train", data, "--checkpoint", root + "/x.safetensors", "--sample-seconds", "1"] + tiny).status, 64)
    }

    /// A run stopped hard between two saves logged steps its checkpoint does not have; after
    /// --resume, TensorBoard (SessionLog START) and the log's last-line rule show each step once,
    /// with the resumed run's values.
    func testARunKilledBetweenSavesShowsEachStepOnce() throws {
        let root = makeTemporaryFolder(self)
        let data = try makeCorpus(root)
        let model = root + "/m.safetensors", log = root + "/m.jsonl", board = root + "/board"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: wavenetBinary)
        process.arguments = ["train", data, "--checkpoint", model, "--steps", "100000", "--save-every", "5", "--validate-every", "1000",
                             "--tensorboard", board, "--sample-seconds", "0", "--log", log] + tiny
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        func logged() -> Int { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").count }
        while logged() < 7 && Date() < deadline { usleep(2000) }
        kill(process.processIdentifier, SIGSTOP)
        usleep(100_000)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let kept = try Checkpoint.load(model).step
        let loggedSteps = try logByStep(log).keys.max()!
        XCTAssertGreaterThanOrEqual(loggedSteps, 6)
        if loggedSteps == kept { throw XCTSkip("stopped exactly at a save (step \(kept)); nothing to drop") }

        let resumed = try runWavenet(["train", data, "--checkpoint", model, "--resume", "--steps", String(loggedSteps + 2 - kept),
                                      "--tensorboard", board, "--sample-seconds", "0", "--log", log])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let view = try read(board)
        XCTAssertEqual(view.starts, [1, kept + 1])
        XCTAssertEqual(view.scalars["train/bits_per_sample"]!.keys.sorted(), Array(1...(loggedSteps + 2)))
        assertScalarsEqualLog(view, try logByStep(log))
    }

    /// A write that fails (here a file-size limit, as a full disk would) stops training with one
    /// line naming the event file, after saving the checkpoint.
    func testAFailedWriteStopsCleanlyAndKeepsTheCheckpoint() throws {
        let root = makeTemporaryFolder(self)
        let data = try makeCorpus(root)
        let model = root + "/m.safetensors", board = root + "/board"
        // 400 KiB: the tiny checkpoint (about 140 KB) fits, the event file outgrows it within a few 2 s samples.
        let command = ([wavenetBinary, "train", data, "--checkpoint", model, "--steps", "1000", "--save-every", "2",
                        "--tensorboard", board, "--sample-seconds", "2"] + tiny).map { "'\($0)'" }.joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", "ulimit -f 400; exec \(command)"]
        let err = Pipe()
        process.standardError = err
        try process.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .exit, stderr)
        XCTAssertEqual(process.terminationStatus, 1, stderr)
        let errors = stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }
        XCTAssertEqual(errors.count, 1, stderr)
        XCTAssertTrue(errors.first?.contains("events.out.tfevents.") == true && errors.first?.contains("cannot write") == true, stderr)
        let kept = try Checkpoint.load(model).step
        XCTAssertGreaterThan(kept, 0)
        XCTAssertTrue(errors.first?.contains("keeps step \(kept)") == true, stderr)
    }

    /// The samples of each kind of model: one per class, and a mel model's resynthesis of its
    /// first held-out file with the original once beside it, at the file's own length when shorter.
    func testSamplesOfConditionedAndMelModels() throws {
        let root = makeTemporaryFolder(self)
        let data = try makeCorpus(root)
        let mel = try runWavenet(["train", data, "--checkpoint", root + "/mel.safetensors", "--local", "mel", "--mels", "20", "--local-hidden", "5",
                                  "--steps", "4", "--save-every", "2", "--tensorboard", root + "/mel", "--sample-seconds", "0.2"] + tiny)
        XCTAssertEqual(mel.status, 0, mel.stderr)
        var view = try read(root + "/mel")
        XCTAssertEqual(view.audio.map(\.tag), ["samples/original/t1", "samples/resynthesis/t1", "samples/resynthesis/t1"])
        XCTAssertEqual(view.audio.map(\.step), [2, 2, 4])
        XCTAssertTrue(view.audio.allSatisfy { $0.frames == 3200 && $0.rate == 16000 })

        let classes = root + "/classes"
        for (name, f) in [("low", 220.0), ("high", 880.0)] {
            try FileManager.default.createDirectory(atPath: "\(classes)/\(name)", withIntermediateDirectories: true)
            for i in 0..<2 {
                try AudioFile.write((0..<6000).map { Float(0.3 * sin(2 * Double.pi * f * Double($0 + 100 * i) / 16000)) }, sampleRate: 16000,
                                    to: "\(classes)/\(name)/\(i).wav")
            }
        }
        let conditioned = try runWavenet(["train", classes, "--conditioned", "--checkpoint", root + "/c.safetensors", "--steps", "2", "--save-every", "2",
                                          "--validate-every", "2", "--tensorboard", root + "/c", "--sample-seconds", "0.1"] + tiny)
        XCTAssertEqual(conditioned.status, 0, conditioned.stderr)
        view = try read(root + "/c")
        XCTAssertEqual(Set(view.audio.map(\.tag)), ["samples/high", "samples/low"])
        XCTAssertEqual(Set(view.scalars.keys.filter { $0.hasPrefix("validation/") }),
                       ["validation/bits_per_sample", "validation/bits_per_sample/high", "validation/bits_per_sample/low"])
    }

    /// Under mpirun, rank 0 alone writes: one event file, each step once.
    func testUnderMPIRankZeroAloneWrites() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/mpirun") else { throw XCTSkip("no mpirun (Debian's openmpi-bin)") }
        let root = makeTemporaryFolder(self)
        let data = try makeCorpus(root)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/mpirun")
        process.arguments = ["-np", "2", "--oversubscribe", wavenetBinary, "train", data, "--checkpoint", root + "/m.safetensors", "--steps", "3",
                             "--save-every", "3", "--tensorboard", root + "/board", "--sample-seconds", "0.1", "--log", root + "/m.jsonl"] + tiny
        process.environment = ProcessInfo.processInfo.environment.merging(["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root + "/board").count, 1)
        let view = try read(root + "/board")
        XCTAssertEqual(view.scalars["train/bits_per_sample"]!.keys.sorted(), [1, 2, 3])
        XCTAssertEqual(view.audio.map(\.step), [3])
        assertScalarsEqualLog(view, try logByStep(root + "/m.jsonl"))
    }

    /// Samples draw on a generator of their own: with them, a run resumed halfway still ends with
    /// the weights of one run in one go, and draws the same sample at the same step.
    func testSamplesLeaveTrainingAsItWas() throws {
        let root = makeTemporaryFolder(self)
        let data = try makeCorpus(root)
        let common = ["--save-every", "2", "--sample-seconds", "0.1", "--validate-every", "100"] + tiny
        XCTAssertEqual(try runWavenet(["train", data, "--checkpoint", root + "/plain.safetensors", "--steps", "4", "--save-every", "2"] + tiny).status, 0)
        XCTAssertEqual(try runWavenet(["train", data, "--checkpoint", root + "/once.safetensors", "--steps", "4", "--tensorboard", root + "/once"] + common).status, 0)
        XCTAssertEqual(try runWavenet(["train", data, "--checkpoint", root + "/twice.safetensors", "--steps", "2", "--tensorboard", root + "/twice"] + common).status, 0)
        XCTAssertEqual(try runWavenet(["train", data, "--checkpoint", root + "/twice.safetensors", "--resume", "--steps", "2",
                                       "--tensorboard", root + "/twice", "--save-every", "2", "--sample-seconds", "0.1", "--threads", "1"]).status, 0)
        let plain = try Checkpoint.load(root + "/plain.safetensors").parameters.values.array
        XCTAssertTrue(try Checkpoint.load(root + "/once.safetensors").parameters.values.array == plain, "samples changed training")
        XCTAssertTrue(try Checkpoint.load(root + "/twice.safetensors").parameters.values.array == plain, "a resumed run differs from one run")
        func wav(_ folder: String, step: Int) throws -> [UInt8]? {
            for name in try FileManager.default.contentsOfDirectory(atPath: folder).sorted() {
                for record in try TFRecord.records(Array(try Data(contentsOf: URL(fileURLWithPath: "\(folder)/\(name)")))).dropFirst() {
                    let event = try ProtobufFields(record)
                    if event.int64(2) == Int64(step), let audio = try event.message(5)?.message(1)?.message(6) { return audio.bytes(4) }
                }
            }
            return nil
        }
        XCTAssertNotNil(try wav(root + "/once", step: 4))
        XCTAssertTrue(try wav(root + "/once", step: 4) == wav(root + "/twice", step: 4), "the sample at step 4 differs")
    }

    /// A notes model's sample plays its first held-out file's MIDI.
    func testSamplesOfANotesModel() throws {
        let root = makeTemporaryFolder(self)
        let data = root + "/data"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let pieces: [[(key: Int, on: Int, off: Int, velocity: Int)]] = [[(60, 10, 60, 100)], [(67, 0, 50, 90)], [(55, 5, 110, 60)]]
        for (i, notes) in pieces.enumerated() {
            try NotesCommandTests.midi(notes).write(to: URL(fileURLWithPath: data + "/piece\(i).mid"))
            try AudioFile.write(NotesCommandTests.render(notes, seconds: 0.6), sampleRate: 16000, to: data + "/piece\(i).wav")
        }
        let train = try runWavenet(["train", data, "--checkpoint", root + "/p.safetensors", "--local", "notes", "--low", "48", "--high", "84",
                                    "--steps", "2", "--save-every", "2", "--validation-fraction", "0.34", "--tensorboard", root + "/board",
                                    "--sample-seconds", "0.25"] + NotesCommandTests.tiny)
        XCTAssertEqual(train.status, 0, train.stderr)
        let view = try read(root + "/board")
        XCTAssertEqual(view.audio.map(\.tag), ["samples/notes/piece1"])
        XCTAssertEqual(view.audio.first?.frames, 4000)
    }
}
