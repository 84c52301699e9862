import CSndFile
import Foundation
import XCTest

/// A fresh folder under the system temporary folder, removed by the caller's `addTeardownBlock`.
func makeTemporaryFolder(_ test: XCTestCase) -> String {
    let path = NSTemporaryDirectory() + "wavenet-test-\(UUID().uuidString)"
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
}

/// Writes interleaved float samples with libsndfile in any format it supports (test fixture maker).
func writeWithSndfile(_ path: String, interleaved: [Float], channels: Int, sampleRate: Int, format: Int32) {
    var info = SF_INFO()
    info.samplerate = Int32(sampleRate)
    info.channels = Int32(channels)
    info.format = format
    guard let file = sf_open(path, Int32(SFM_WRITE), &info) else {
        fatalError("sf_open(\(path)) for writing: \(String(cString: sf_strerror(nil)))")
    }
    let frames = interleaved.count / channels
    let written = interleaved.withUnsafeBufferPointer { sf_writef_float(file, $0.baseAddress, sf_count_t(frames)) }
    precondition(written == frames, "short write to \(path)")
    sf_close(file)
}

func sine(frequency: Double, sampleRate: Int, seconds: Double, amplitude: Float = 0.5) -> [Float] {
    (0..<Int(Double(sampleRate) * seconds)).map { i in
        amplitude * Float(sin(2 * Double.pi * frequency * Double(i) / Double(sampleRate)))
    }
}

/// Power of `signal` at `frequency` by the Goertzel algorithm (one DFT bin).
func power(of signal: [Float], at frequency: Double, sampleRate: Int) -> Double {
    let w = 2 * Double.pi * frequency / Double(sampleRate)
    let coefficient = 2 * cos(w)
    var s1 = 0.0, s2 = 0.0
    for x in signal {
        let s0 = Double(x) + coefficient * s1 - s2
        s2 = s1
        s1 = s0
    }
    return (s1 * s1 + s2 * s2 - coefficient * s1 * s2) / Double(signal.count * signal.count)
}
