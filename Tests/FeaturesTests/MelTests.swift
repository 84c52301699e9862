import Features
import Foundation
import TestSupport
import WaveNet
import XCTest

/// Mel features against torch.stft + librosa (scripts/make_mel_fixture.py).
final class MelTests: XCTestCase {
    let reference = try! Safetensors(contentsOf: Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
        .appendingPathComponent("mel-reference.safetensors").path)

    func tensor(_ name: String) -> [Float] { reference.tensors[name]!.values }

    func settings(_ name: String) -> MelSettings {
        let s = tensor(name).map(Double.init)
        return MelSettings(sampleRate: Int(s[0]), nFFT: Int(s[1]), win: Int(s[2]), hop: Int(s[3]), mels: Int(s[4]), fmin: s[5], fmax: s[6])
    }

    /// DECISIONS' measure: within 1e-4 (log domain) for bands within 50 dB of the frame's loudest,
    /// within 1e-2 below that and at the 1e-5 floor.
    func assertMelClose(_ ours: [Float], _ theirs: [Float], mels: Int, frames: Int, _ name: String) {
        XCTAssertEqual(ours.count, theirs.count)
        var worstLoud: Float = 0, worstQuiet: Float = 0
        for f in 0..<frames {
            let loudest = (0..<mels).map { theirs[$0 * frames + f] }.max()!
            for m in 0..<mels {
                let (a, b) = (ours[m * frames + f], theirs[m * frames + f])
                if b >= loudest - 5.7565 && b > Float(Foundation.log(1e-5)) + 1e-3 { worstLoud = max(worstLoud, abs(a - b)) }
                else { worstQuiet = max(worstQuiet, abs(a - b)) }
            }
        }
        XCTAssertLessThanOrEqual(worstLoud, 1e-4, "\(name): bands within 50 dB")
        XCTAssertLessThanOrEqual(worstQuiet, 1e-2, "\(name): quiet bands and the floor")
    }

    func testFiltersMagnitudeAndFeaturesMatchLibrosaAndTorch() throws {
        let audio = tensor("audio")
        for (name, filters, magnitude) in [("mel", "filters", "magnitude"), ("mel2", "filters2", nil)] {
            let s = settings(name == "mel" ? "settings" : "settings2")
            let mel = try MelSpectrogram(s)
            assertClose(mel.filters, tensor(filters), relative: 1e-5, absolute: 1e-7, "\(filters)")
            let frames = s.frames(samples: audio.count)
            XCTAssertEqual(reference.tensors[name]!.shape, [s.mels, frames])
            if let magnitude {
                assertClose(try mel.magnitude(audio), tensor(magnitude), relative: 1e-4, absolute: 1e-5, "STFT magnitude")
            }
            assertMelClose(try mel.features(audio), tensor(name), mels: s.mels, frames: frames, name)
        }
    }

    func testDefaultsAndRefusals() throws {
        XCTAssertEqual(MelSettings.defaults(sampleRate: 16000), MelSettings(sampleRate: 16000, nFFT: 800, win: 800, hop: 200, mels: 80, fmin: 0, fmax: 8000))
        XCTAssertEqual(MelSettings.defaults(sampleRate: 22050).hop, 256)
        XCTAssertEqual(MelSettings.defaults(sampleRate: 8000).fmax, 4000)
        let mel = try MelSpectrogram(.defaults(sampleRate: 16000))
        XCTAssertEqual(try mel.features([Float](repeating: 0.1, count: 401)).count, 80 * 3)
        XCTAssertThrowsError(try mel.features([Float](repeating: 0.1, count: 400))) { error in
            XCTAssertTrue("\(error)".contains("shorter than n_fft/2 + 1 = 401 samples"), "\(error)")
        }
        var odd = MelSettings.defaults(sampleRate: 16000)
        odd.nFFT = 801
        XCTAssertThrowsError(try MelSpectrogram(odd))
        odd = .defaults(sampleRate: 16000)
        odd.fmax = 9000
        XCTAssertThrowsError(try MelSpectrogram(odd))
    }
}
