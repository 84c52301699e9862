import AudioIO
import Foundation
import TestSupport
import XCTest

/// What a new user hit (issue 15): the file kind from --out's extension, flags that do not apply
/// to `play FILE`, and a mistyped subcommand, each said plainly.
final class EverydayUseTests: XCTestCase {
    func testOutExtensionChoosesTheFileKind() throws {
        let root = makeTemporaryFolder(self)
        var samples: [String: [Float]] = [:]
        for name in ["take.flac", "take.wav", "take.ogg", "take.aiff"] {
            let result = try runWavenet(["generate", "--out", "\(root)/\(name)", "--samples", "800", "--seed", "4"])
            XCTAssertEqual(result.status, 0, result.stderr)
            samples[name] = try AudioFile.readMono("\(root)/\(name)").samples
        }
        XCTAssertEqual(try AudioFile.info(root + "/take.flac").format, "FLAC (Free Lossless Audio Codec)")
        XCTAssertEqual(try AudioFile.info(root + "/take.ogg").format, "OGG (OGG Container format)")
        // The same seed, stored losslessly in 16 bits (libsndfile's FLAC encoder rounds some samples the other way).
        for name in ["take.flac", "take.aiff"] {
            XCTAssertEqual(samples[name]?.count, 800)
            let difference = zip(samples[name] ?? [], samples["take.wav"]!).map { abs($0 - $1) }.max() ?? 1
            XCTAssertLessThanOrEqual(difference, 1.0 / 32768, name)
        }
        for (out, extra, problem) in [("take.mp3", [String](), "cannot write this kind of file; name it .wav, .flac, .ogg (Vorbis) or .aiff"),
                                      ("take", [], "cannot write this kind of file"),
                                      ("hi.flac", ["--sample-format", "float"], "FLAC stores integer samples")] {
            let result = try runWavenet(["generate", "--out", "\(root)/\(out)", "--samples", "10"] + extra)
            XCTAssertEqual(result.status, 64, result.stderr)
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
            XCTAssertTrue(result.stderr.contains(problem), result.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: "\(root)/\(out)"))
        }
    }

    func testPlayFileRefusesGenerationFlags() throws {
        let file = packageRoot + "/Samples/piano-01.flac"
        let result = try runWavenet(["play", file, "--seconds", "1", "--temperature", "3", "--device", "null"])
        XCTAssertEqual(result.status, 64, result.stderr)
        XCTAssertEqual(result.stderr, "Error: play \(file) plays the file as it is: --seconds, --temperature apply to generating from a model, without a file\n")
        let seed = try runWavenet(["play", file, "--seed", "2", "--device", "null"])
        XCTAssertEqual(seed.status, 64)
        XCTAssertTrue(seed.stderr.contains("--seed applies to generating"), seed.stderr)
    }

    func testAMistypedSubcommandIsNamed() throws {
        let result = try runWavenet(["generte", "--out", "x.wav"])
        XCTAssertEqual(result.status, 64)
        XCTAssertEqual(result.stderr, "Error: 'generte' is not a subcommand; did you mean 'generate'? the subcommands are train, generate, play, eval, info, features, bench\n")
        XCTAssertTrue(try runWavenet(["dance"]).stderr.hasPrefix("Error: 'dance' is not a subcommand; the subcommands are"))
        XCTAssertEqual(try runWavenet(["help", "train"]).status, 0)
    }
}
