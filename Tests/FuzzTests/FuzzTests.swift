import AudioIO
import CSndFile
import Features
import FileIO
import Foundation
import TestSupport
import WaveNet
import XCTest

/// Deterministic fuzzing of the file readers (issue 13): real files, mutated by a fixed-seed
/// generator, fed to every library entry point that reads a file. Each call must throw or return
/// a valid result; a trap fails the run (and leaves the case's file behind), a hang is stopped by
/// a watchdog, and memory is held under a ceiling.
///
/// For the bounds checks inside the library to trap here, build it with `-D WAVENET_CHECKED`
/// (a test target cannot change how its dependencies compile):
///     swift build -c release --scratch-path .build-checked -Xswiftc -DWAVENET_CHECKED --build-tests
///     swift test -c release --scratch-path .build-checked -Xswiftc -DWAVENET_CHECKED --skip-build --filter FuzzTests
final class FuzzTests: XCTestCase {
    static let seed: UInt64 = 0x13_F0_22
    /// Cases per seed file; the run stops early, with a note, if it uses more than `cpuBudget`
    /// seconds of processor time (processor rather than wall time, so that a busy machine runs
    /// the same cases).
    static let audioCasesPerSeed = 800
    static let npyCasesPerSeed = 1000
    static let checkpointCasesPerSeed = 1000
    static let cpuBudget: TimeInterval = 40
    /// Largest growth of the peak resident set the whole run may cause.
    static let memoryCeiling = 1536 << 20
    /// A single call taking longer than this is a hang.
    static let hangTimeout: TimeInterval = 20

    var folder = ""
    var stats = Stats()

    struct Stats {
        var cases = 0
        var calls = 0
        var refused = 0
        var accepted = 0
        /// Per entry point: (refused, accepted).
        var byEntry: [String: (Int, Int)] = [:]
    }

    func testFuzzFileReaders() throws {
        // Kept on a trap, so that the case that caused it can be read again.
        folder = NSTemporaryDirectory() + "wavenet-fuzz-\(getpid())"
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        print("fuzz: seed \(String(Self.seed, radix: 16)); a case that traps is left in \(folder)/case.*, described in case.txt")

        let audioSeeds = try makeAudioSeeds()
        let checkpointSeeds = try ["small", "conditioned", "adam"].map { name in
            (name, try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/\(name).safetensors")))
        }

        let memory = MemoryWatch()
        let watchdog = Watchdog(timeout: Self.hangTimeout)
        defer { watchdog.stop() }
        let started = Date()
        let cpuStart = cpuSeconds()
        var rng = SplitMix64(seed: Self.seed)
        var stoppedEarly = false

        outer: for (name, data) in audioSeeds {
            for i in 0..<Self.audioCasesPerSeed {
                if cpuSeconds() - cpuStart > Self.cpuBudget { stoppedEarly = true; break outer }
                let (mutated, how) = mutateAudio(data, &rng)
                let path = folder + "/case." + (name as NSString).pathExtension
                try mutated.write(to: URL(fileURLWithPath: path))
                let label = "\(name) case \(i): \(how)"
                try label.write(toFile: folder + "/case.txt", atomically: false, encoding: .utf8)
                watchdog.begin(label)
                checkAudio(path, label)
                watchdog.end()
                stats.cases += 1
            }
        }
        outer: for (name, data) in checkpointSeeds where !stoppedEarly {
            for i in 0..<Self.checkpointCasesPerSeed {
                if cpuSeconds() - cpuStart > Self.cpuBudget { stoppedEarly = true; break outer }
                let (mutated, how) = mutateCheckpoint(data, &rng)
                let path = folder + "/case.safetensors"
                try mutated.write(to: URL(fileURLWithPath: path))
                let label = "\(name) case \(i): \(how)"
                try label.write(toFile: folder + "/case.txt", atomically: false, encoding: .utf8)
                watchdog.begin(label)
                checkCheckpoint(path, label)
                watchdog.end()
                stats.cases += 1
            }
        }
        // Feature arrays (.npy): parsed from bytes, then read as a model's frames.
        let npySeeds = [("float32.npy", Npy.serialize((0..<80 * 40).map { Float($0 % 97) / 9 }, shape: [80, 40])),
                        ("frames-first.npy", Npy.serialize((0..<40 * 80).map { Float($0 % 89) / 7 }, shape: [1, 80, 40]))]
        outer: for (name, data) in npySeeds where !stoppedEarly {
            for i in 0..<Self.npyCasesPerSeed {
                if cpuSeconds() - cpuStart > Self.cpuBudget { stoppedEarly = true; break outer }
                let (mutated, how) = mutateAudio(data, &rng)
                let label = "\(name) case \(i): \(how)"
                try mutated.write(to: URL(fileURLWithPath: folder + "/case.npy"))
                try label.write(toFile: folder + "/case.txt", atomically: false, encoding: .utf8)
                watchdog.begin(label)
                expectRefusalOrValid(label, "FeatureFrames(Npy.parse)", { try FeatureFrames(Npy.parse(mutated), channels: 80) }) { frames in
                    frames.values.count != frames.channels * frames.frames ? "values do not fill the shape"
                        : frames.values.allSatisfy(\.isFinite) ? nil : "non-finite features"
                }
                watchdog.end()
                stats.cases += 1
            }
        }
        // MIDI files: parsed from bytes, their notes found, rolled into the notes features.
        let midiFolder = Self.fixtures + "/../../FeaturesTests/Fixtures/midi"
        let midiSeeds = try ["format0.mid", "format1.mid"].map { ($0, try Data(contentsOf: URL(fileURLWithPath: midiFolder + "/" + $0))) }
        let piano = PianoRoll(sampleRate: 16000, hop: 160, low: 21, high: 108)
        outer: for (name, data) in midiSeeds where !stoppedEarly {
            for i in 0..<Self.npyCasesPerSeed {
                if cpuSeconds() - cpuStart > Self.cpuBudget { stoppedEarly = true; break outer }
                let (mutated, how) = mutateAudio(data, &rng)
                let label = "\(name) case \(i): \(how)"
                try mutated.write(to: URL(fileURLWithPath: folder + "/case.mid"))
                try label.write(toFile: folder + "/case.txt", atomically: false, encoding: .utf8)
                watchdog.begin(label)
                expectRefusalOrValid(label, "PianoRoll(MIDINotes(MIDIFile.parse))", { () throws -> PianoRoll.Roll in
                    let notes = try MIDINotes(MIDIFile.parse(mutated))
                    // A mutated tempo can stretch a song to a day: roll at most its first minute.
                    return piano.roll(notes, frames: min(piano.frameCount(notes), 6000))
                }) { (roll: PianoRoll.Roll) in
                    roll.values.allSatisfy { (0...1).contains($0) } ? nil : "a roll value outside 0...1"
                }
                watchdog.end()
                stats.cases += 1
            }
        }
        let seconds = Date().timeIntervalSince(started)
        let growth = memory.peakGrowth()
        print(String(format: "fuzz: %d cases, %d calls (%d refused, %d accepted) in %.1f s (%.1f s of CPU); peak resident set grew %.0f MiB (%@)",
                     stats.cases, stats.calls, stats.refused, stats.accepted, seconds, cpuSeconds() - cpuStart,
                     Double(growth) / 1_048_576, memory.method))
        for (entry, (refused, accepted)) in stats.byEntry.sorted(by: { $0.key < $1.key }) {
            print("fuzz:   \(entry): \(refused) refused, \(accepted) accepted")
        }
        if stoppedEarly { print("fuzz: stopped at the \(Int(Self.cpuBudget)) s CPU budget; the cases after it did not run") }
        XCTAssertLessThan(growth, Self.memoryCeiling, "peak resident set grew \(growth >> 20) MiB")
        XCTAssertGreaterThan(stats.cases, 500)
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Processor time of this process so far, user and system.
    func cpuSeconds() -> TimeInterval {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ t: timeval) -> TimeInterval { TimeInterval(t.tv_sec) + TimeInterval(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    // MARK: - Checking results

    /// Runs `body`; a thrown error is a pass (it must be one line), a result must pass `validate`.
    func expectRefusalOrValid<T>(_ label: String, _ entry: String, _ body: () throws -> T, _ validate: (T) -> String?) {
        stats.calls += 1
        do {
            let result = try body()
            stats.accepted += 1
            stats.byEntry[entry, default: (0, 0)].1 += 1
            if let problem = validate(result) { XCTFail("\(label): \(entry) returned an invalid result: \(problem)") }
        } catch {
            stats.refused += 1
            stats.byEntry[entry, default: (0, 0)].0 += 1
            let text = "\(error)"
            if text.contains("\n") || text.isEmpty { XCTFail("\(label): \(entry) threw a message that is not one line: \(text)") }
        }
    }

    func checkAudio(_ path: String, _ label: String) {
        func samplesProblem(_ samples: [Float], _ channels: Int, _ rate: Int) -> String? {
            if samples.isEmpty { return "no samples" }
            if !AudioFile.supportedChannels.contains(channels) { return "\(channels) channels" }
            if samples.count % channels != 0 { return "\(samples.count) samples do not make whole frames of \(channels)" }
            if samples.count > AudioFile.maxSamples { return "\(samples.count) samples" }
            if !SampleRate.supported.contains(rate) { return "rate \(rate)" }
            if let bad = samples.firstIndex(where: { !$0.isFinite }) { return "sample \(bad) is \(samples[bad])" }
            return nil
        }
        expectRefusalOrValid(label, "readMono", { try AudioFile.readMono(path) }) { samplesProblem($0.samples, 1, $0.sampleRate) }
        expectRefusalOrValid(label, "readInterleaved", { try AudioFile.readInterleaved(path) }) {
            samplesProblem($0.samples, $0.channels, $0.sampleRate)
        }
        expectRefusalOrValid(label, "info", { try AudioFile.info(path) }) { info in
            if info.frames <= 0 { return "\(info.frames) frames" }
            if !SampleRate.supported.contains(info.sampleRate) { return "rate \(info.sampleRate)" }
            if !AudioFile.supportedChannels.contains(info.channels) { return "\(info.channels) channels" }
            if !info.duration.isFinite || !info.peak.isFinite || !info.rms.isFinite { return "levels \(info.peak) \(info.rms)" }
            return nil
        }
    }

    func checkCheckpoint(_ path: String, _ label: String) {
        expectRefusalOrValid(label, "Safetensors", { try Safetensors(contentsOf: path) }) { file in
            for name in file.names {
                guard let tensor = file.tensors[name] else { return "\(name) listed but absent" }
                if tensor.shape.reduce(1, *) != tensor.values.count { return "\(name): shape \(tensor.shape) vs \(tensor.values.count) values" }
            }
            return file.names.count == file.tensors.count ? nil : "names and tensors differ"
        }
        for withOptimizer in [true, false] {
            expectRefusalOrValid(label, "Checkpoint.load(withOptimizer: \(withOptimizer))",
                                 { try Checkpoint.load(path, withOptimizer: withOptimizer) }) { checkpoint in
                if checkpoint.parameters.parameterCount != checkpoint.config.parameterCount { return "parameter count differs from its config" }
                if !(0...Checkpoint.maxStep).contains(checkpoint.step) { return "step \(checkpoint.step)" }
                if checkpoint.parameters.values.array.contains(where: { !$0.isFinite }) { return "non-finite weight" }
                if let optimizer = checkpoint.optimizer {
                    if !withOptimizer { return "optimizer loaded though not asked for" }
                    if optimizer.m.count != checkpoint.parameters.parameterCount { return "optimizer size" }
                    if optimizer.v.array.contains(where: { !($0 >= 0 && $0.isFinite) }) { return "bad second moment" }
                }
                return nil
            }
        }
    }

    // MARK: - Seeds

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("WaveNetTests/Fixtures").path

    func makeAudioSeeds() throws -> [(String, Data)] {
        let mono = sine(frequency: 440, sampleRate: 16000, seconds: 0.05)
        let stereo = zip(mono, mono.reversed()).flatMap { [$0, $1 * 0.5] }
        let formats: [(String, Int32, Bool)] = [
            ("pcm16.wav", Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_16), false),
            ("float.wav", Int32(SF_FORMAT_WAV | SF_FORMAT_FLOAT), true),
            ("pcm16.flac", Int32(SF_FORMAT_FLAC | SF_FORMAT_PCM_16), true),
            ("vorbis.ogg", Int32(SF_FORMAT_OGG | SF_FORMAT_VORBIS), false),
            ("pcm16.aiff", Int32(SF_FORMAT_AIFF | SF_FORMAT_PCM_16), true),
        ]
        let seeds = try formats.map { name, format, isStereo in
            let path = folder + "/seed-" + name
            writeWithSndfile(path, interleaved: isStereo ? stereo : mono, channels: isStereo ? 2 : 1, sampleRate: 16000, format: format)
            var data = try Data(contentsOf: URL(fileURLWithPath: path))
            if name.hasSuffix(".ogg") {
                Self.fixOggSerialNumber(&data)
                try data.write(to: URL(fileURLWithPath: path))
            }
            // Unmutated, every seed reads whole.
            XCTAssertEqual(try AudioFile.readMono(path).samples.count, mono.count, name)
            return (name, data)
        }
        // Printed so that two runs can be seen to start from the same bytes.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for (_, data) in seeds { for byte in data { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 } }
        print("fuzz: audio seeds \(seeds.map { "\($0.0) \($0.1.count) B" }.joined(separator: ", ")); FNV-1a \(String(hash, radix: 16))")
        return seeds
    }

    /// libsndfile gives each Ogg stream a serial number drawn from the clock; for the same seed
    /// bytes on every run, set it to a constant and recompute each page's CRC.
    static func fixOggSerialNumber(_ data: inout Data) {
        var offset = 0
        while offset + 27 <= data.count, data[offset..<(offset + 4)] == Data("OggS".utf8) {
            let segments = Int(data[offset + 26])
            guard offset + 27 + segments <= data.count else { return }
            let bodyLength = data[(offset + 27)..<(offset + 27 + segments)].reduce(0) { $0 + Int($1) }
            let pageLength = 27 + segments + bodyLength
            guard offset + pageLength <= data.count else { return }
            for i in 0..<4 { data[offset + 14 + i] = 0x13 }
            for i in 0..<4 { data[offset + 22 + i] = 0 }
            // Ogg's CRC-32: polynomial 0x04C11DB7, most significant bit first, no reflection, no final xor.
            var crc: UInt32 = 0
            for byte in data[offset..<(offset + pageLength)] {
                crc ^= UInt32(byte) << 24
                for _ in 0..<8 { crc = crc & 0x8000_0000 != 0 ? (crc << 1) ^ 0x04C1_1DB7 : crc << 1 }
            }
            for i in 0..<4 { data[offset + 22 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
            offset += pageLength
        }
    }

    // MARK: - Mutations

    static let hugeFields: [UInt32] = [0xFFFF_FFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFF0, 0, 1, 0x0001_0000]

    func mutateAudio(_ seed: Data, _ rng: inout SplitMix64) -> (Data, String) {
        var data = seed
        var steps: [String] = []
        for _ in 0..<(1 + Int(rng.next() % 3)) {
            let headerEnd = min(data.count, 64 << (rng.next() % 3))  // 64, 128 or 256 bytes
            switch rng.next() % 7 {
            case 0 where headerEnd > 0:
                let flips = 1 + Int(rng.next() % 8)
                for _ in 0..<flips { data[Int(rng.next() % UInt64(headerEnd))] ^= 1 << UInt8(rng.next() % 8) }
                steps.append("\(flips) bit flips in the first \(headerEnd) bytes")
            case 1 where headerEnd > 0:
                let at = Int(rng.next() % UInt64(headerEnd))
                data[at] = UInt8(truncatingIfNeeded: rng.next())
                steps.append("byte \(at) overwritten")
            case 2 where data.count > 4:
                let at = Int(rng.next() % UInt64(min(data.count - 4, 64)))
                let value = Self.hugeFields[Int(rng.next() % UInt64(Self.hugeFields.count))]
                let bytes = rng.next() % 2 == 0 ? withUnsafeBytes(of: value.littleEndian, Array.init) : withUnsafeBytes(of: value.bigEndian, Array.init)
                for (i, byte) in bytes.enumerated() { data[at + i] = byte }
                steps.append("0x\(String(value, radix: 16)) at \(at)")
            case 3 where data.count > 0:
                let count = 1 + Int(rng.next() % 32)
                for _ in 0..<count { data[Int(rng.next() % UInt64(data.count))] = UInt8(truncatingIfNeeded: rng.next()) }
                steps.append("\(count) body bytes overwritten")
            case 4:
                let length = Int(rng.next() % UInt64(data.count + 1))
                data = data.prefix(length)
                steps.append("truncated to \(length)")
            case 5:
                let extra = Int(rng.next() % 4096)
                data.append(contentsOf: (0..<extra).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
                steps.append("\(extra) garbage bytes appended")
            default:
                // Keep the header, replace the data with garbage of the same length.
                let keep = min(data.count, Int(rng.next() % 128))
                for i in keep..<data.count { data[i] = UInt8(truncatingIfNeeded: rng.next()) }
                steps.append("garbage after byte \(keep)")
            }
        }
        return (data, steps.joined(separator: ", "))
    }

    /// Values a header number is replaced by: huge, negative, fractional, not numbers at all.
    static let strangeNumbers = [
        "4611686018427387904", "2147483648", "9223372036854775807", "9223372036854775808", "18446744073709551616",
        "-1", "-9223372036854775808", "8.5", "0.5", "1e308", "1e-300", "0", "1", "65536", "4096", "1025", "true",
        "null", "[]", "\"7\"", "1000000000001",
    ]

    func mutateCheckpoint(_ seed: Data, _ rng: inout SplitMix64) -> (Data, String) {
        let length = Int(seed.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
        var header = String(decoding: seed[8..<(8 + length)], as: UTF8.self)
        var body = Data(seed[(8 + length)...])
        var steps: [String] = []
        var lengthPrefix: UInt64?
        for _ in 0..<(1 + Int(rng.next() % 3)) {
            switch rng.next() % 8 {
            case 0, 1, 2:
                // A number of the header, shapes, offsets and the config inside __metadata__ alike.
                let numbers = Self.numberRanges(in: header)
                guard !numbers.isEmpty else { continue }
                let range = numbers[Int(rng.next() % UInt64(numbers.count))]
                let replacement = rng.next() % 4 == 0
                    ? String(Int(rng.next() % 100_000))
                    : Self.strangeNumbers[Int(rng.next() % UInt64(Self.strangeNumbers.count))]
                steps.append("\(header[range]) -> \(replacement)")
                header.replaceSubrange(range, with: replacement)
            case 3:
                let step = ["9223372036854775807", "-1", "1e3", "1000000000000", "1000000000001", "x", ""][Int(rng.next() % 7)]
                if let range = header.range(of: #""step":"[^"]*""#, options: .regularExpression) {
                    header.replaceSubrange(range, with: "\"step\":\"\(step)\"")
                    steps.append("step \(step)")
                }
            case 4 where !body.isEmpty:
                let count = 1 + Int(rng.next() % 16)
                for _ in 0..<count { body[Int(rng.next() % UInt64(body.count))] = UInt8(truncatingIfNeeded: rng.next()) }
                steps.append("\(count) body bytes overwritten (weights may become NaN or negative)")
            case 5:
                let cut = Int(rng.next() % UInt64(body.count + 1))
                body = body.prefix(cut)
                steps.append("body truncated to \(cut)")
            case 6:
                body.append(contentsOf: (0..<Int(1 + rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
                steps.append("body extended")
            default:
                lengthPrefix = [0xFFFF_FFFF, 0x7FFF_FFFF, UInt64.max, 1, UInt64(length + 8)][Int(rng.next() % 5)]
                steps.append("length prefix \(lengthPrefix!)")
            }
        }
        var data = Data()
        withUnsafeBytes(of: (lengthPrefix ?? UInt64(header.utf8.count)).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: Array(header.utf8))
        data.append(body)
        // Sometimes a raw flip anywhere, the length prefix included.
        if rng.next() % 8 == 0, !data.isEmpty {
            let at = Int(rng.next() % UInt64(min(data.count, 256)))
            data[at] ^= 1 << UInt8(rng.next() % 8)
            steps.append("bit flip at \(at)")
        }
        return (data, steps.joined(separator: ", "))
    }

    /// The ranges of the runs of digits (with a leading minus) in `text`.
    static func numberRanges(in text: String) -> [Range<String.Index>] {
        var ranges: [Range<String.Index>] = []
        var index = text.startIndex
        while let found = text.range(of: #"-?[0-9]+"#, options: .regularExpression, range: index..<text.endIndex) {
            ranges.append(found)
            index = found.upperBound
        }
        return ranges
    }
}

// MARK: - Hang and memory guards

/// Stops the process with the case's label when one call runs longer than `timeout`: a hang
/// would otherwise stall CI with no word of which input caused it.
final class Watchdog: @unchecked Sendable {
    private let lock = NSLock()
    private var label: String?
    private var since = Date()
    private var running = true

    init(timeout: TimeInterval) {
        let thread = Thread { [self] in
            while true {
                Thread.sleep(forTimeInterval: 0.25)
                lock.lock()
                let (active, label, since) = (running, self.label, self.since)
                lock.unlock()
                guard active else { return }
                if let label, Date().timeIntervalSince(since) > timeout {
                    FileHandle.standardError.write(Data("fuzz: hang, \(label) ran over \(timeout) s\n".utf8))
                    abort()
                }
            }
        }
        thread.start()
    }

    func begin(_ label: String) { lock.withLock { self.label = label; since = Date() } }
    func end() { lock.withLock { label = nil } }
    func stop() { lock.withLock { running = false } }
}

/// The growth of the peak resident set over the fuzz run.
///
/// `ru_maxrss` alone only ever rises over the process's life, so after a memory-hungry test in
/// the same process it would hide the fuzz run's own peak. Writing 5 to /proc/self/clear_refs
/// resets the kernel's peak (VmHWM) to the current resident set, so VmHWM afterwards is this
/// run's peak. Where /proc cannot be written, `ru_maxrss` is the (weaker) fallback. RLIMIT_AS is
/// not used: the address space also counts reservations that are never touched (thread stacks,
/// malloc arenas), so it says little about memory used; and an allocation far beyond the machine
/// fails, and traps, without any limit.
struct MemoryWatch {
    let start: Int
    let method: String

    init() {
        let reset = (try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)) != nil
        if reset, let rss = Self.status("VmRSS") {
            start = rss
            method = "VmHWM after clear_refs"
        } else {
            start = peakResidentBytes()
            method = "ru_maxrss"
        }
    }

    func peakGrowth() -> Int {
        let peak = method == "ru_maxrss" ? peakResidentBytes() : (Self.status("VmHWM") ?? peakResidentBytes())
        return max(0, peak - start)
    }

    /// A "kB" field of /proc/self/status, in bytes.
    static func status(_ field: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            return line.split(separator: " ").compactMap { Int($0) }.first.map { $0 * 1024 }
        }
        return nil
    }
}
