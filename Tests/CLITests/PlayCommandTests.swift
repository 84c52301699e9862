import AudioIO
import Foundation
import TestSupport
import WaveNet
import XCTest

final class PlayCommandTests: XCTestCase {
    func testPlayingAFileWritesItsFrames() throws {
        let folder = makeTemporaryFolder(self)
        let left = (0..<2205).map { Float(0.5 * sin(Double($0) * 0.1)) }
        try AudioFile.write(left, sampleRate: 22050, to: folder + "/mono.wav", format: .float)
        let result = try runWavenet(["play", folder + "/mono.wav", "--device", "file:'\(folder)/mono.raw',raw"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try rawSamples(folder + "/mono.raw", as: Float.self), left)
        let s16 = try runWavenet(["play", folder + "/mono.wav", "--device", "file:'\(folder)/mono16.raw',raw", "--sample-format", "s16"])
        XCTAssertEqual(s16.status, 0, s16.stderr)
        let shorts = try Data(contentsOf: URL(fileURLWithPath: folder + "/mono16.raw")).withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
        XCTAssertEqual(shorts, left.map(PCMOutput.s16))
    }

    func testStereoFileIsPlayedInterleaved() throws {
        let folder = makeTemporaryFolder(self)
        // Stereo at 22.05 kHz: two channels at the file's own rate, frames interleaved.
        let left = (0..<3000).map { Float(0.5 * sin(Double($0) * 0.05)) }
        let interleaved = left.flatMap { [$0, -$0 / 2] }
        try AudioFile.write(interleaved, sampleRate: 22050, channels: 2, to: folder + "/stereo.wav", format: .float)
        XCTAssertEqual(try AudioFile.info(folder + "/stereo.wav").channels, 2)
        let result = try runWavenet(["play", folder + "/stereo.wav", "--device", "file:'\(folder)/p.raw',raw"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try rawSamples(folder + "/p.raw", as: Float.self), interleaved)
    }

    func testLivePlaybackGivesTheSamplesGenerateWrites() throws {
        let folder = makeTemporaryFolder(self)
        let model = try makeCheckpoint(folder)
        let live = try runWavenet(["play", "--checkpoint", model, "--seconds", "0.5", "--seed", "9", "--temperature", "0.8",
                                   "--device", "file:'\(folder)/live.raw',raw"])
        XCTAssertEqual(live.status, 0, live.stderr)
        XCTAssertEqual(try runWavenet(["generate", "--checkpoint", model, "--seconds", "0.5", "--seed", "9", "--temperature", "0.8",
                                       "--out", folder + "/gen.wav", "--sample-format", "float"]).status, 0)
        let generated = try AudioFile.readMono(folder + "/gen.wav").samples
        XCTAssertEqual(generated.count, 4000)
        XCTAssertEqual(try rawSamples(folder + "/live.raw", as: Float.self), generated)
        // generate --play writes the file and plays the same samples.
        let both = try runWavenet(["generate", "--checkpoint", model, "--seconds", "0.5", "--seed", "9", "--temperature", "0.8",
                                   "--out", folder + "/both.wav", "--sample-format", "float", "--play", "--device", "file:'\(folder)/both.raw',raw"])
        XCTAssertEqual(both.status, 0, both.stderr)
        XCTAssertEqual(try AudioFile.readMono(folder + "/both.wav").samples, generated)
        XCTAssertEqual(try rawSamples(folder + "/both.raw", as: Float.self), generated)
    }

    func testCtrlCStopsLivePlaybackPromptly() throws {
        let folder = makeTemporaryFolder(self)
        let model = try makeCheckpoint(folder)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: wavenetBinary)
        // No --seconds: play until stopped.
        process.arguments = ["play", "--checkpoint", model, "--device", "file:'\(folder)/long.raw',raw"]
        let err = Pipe()
        process.standardError = err
        try process.run()
        Thread.sleep(forTimeInterval: 1)
        process.interrupt()  // SIGINT, as Ctrl-C
        let stopAsked = Date()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertLessThan(Date().timeIntervalSince(stopAsked), 2, "took too long to stop")
        XCTAssertEqual(process.terminationReason, .exit)
        XCTAssertEqual(process.terminationStatus, 130, stderr)
        XCTAssertTrue(stderr.contains("Error: stopped by a signal after playing"), stderr)
        let played = try rawSamples(folder + "/long.raw", as: Float.self).count
        XCTAssertGreaterThan(played, 0)
    }

    func testSlowGenerationBuffersFirstAndSaysSo() throws {
        // A wide random model generates far slower than real time at 16 kHz.
        let folder = makeTemporaryFolder(self)
        let config = ModelConfig(residualChannels: 128, dilationChannels: 128, skipChannels: 512, dilations: ModelConfig.dilations(stacks: 2, depth: 10))
        let p = try Parameters(config: config)
        p.initialize(seed: 1)
        try Checkpoint(parameters: p).save(to: folder + "/wide.safetensors")
        let result = try runWavenet(["play", "--checkpoint", folder + "/wide.safetensors", "--seconds", "0.4", "--seed", "2",
                                     "--device", "file:'\(folder)/slow.raw',raw"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("x real time; buffering"), result.stderr)
        XCTAssertEqual(try rawSamples(folder + "/slow.raw", as: Float.self).count, 6400)
    }

    func testNoSoundCardIsOneLineNamingTheDevice() throws {
        let folder = makeTemporaryFolder(self)
        let model = try makeCheckpoint(folder)
        for arguments in [["play", packageRoot + "/Samples/piano-01.flac"], ["play", "--checkpoint", model, "--seconds", "0.1"]] {
            let result = try runWavenet(arguments)
            assertRefusal(result, path: "ALSA device default", problem: "cannot open for playback")
            XCTAssertTrue(result.stderr.contains("--device"), result.stderr)
            XCTAssertFalse(result.stderr.contains("ALSA lib"), "ALSA's own messages leak: \(result.stderr)")
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
        }
        let listed = try runWavenet(["play", "--list-devices"])
        XCTAssertEqual(listed.status, 0)
        XCTAssertTrue(listed.stdout.hasPrefix("null"), listed.stdout)
    }
}
