import CSndFile
import Foundation
import XCTest

// Helpers shared by every test target.

/// A fresh folder under the system temporary folder, removed when `test` ends.
public func makeTemporaryFolder(_ test: XCTestCase) -> String {
    let path = NSTemporaryDirectory() + "wavenet-test-\(UUID().uuidString)"
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
}

/// Relative closeness with an absolute floor, the way swift-numerics compares floats:
/// |a - b| <= absolute + relative * max(|a|, |b|) element by element. Reports the first three misses.
public func assertClose(_ a: [Float], _ b: [Float], relative: Float, absolute: Float, _ message: String = "",
                        file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, message, file: file, line: line)
    var failures = 0
    for (i, (x, y)) in zip(a, b).enumerated() where !(abs(x - y) <= absolute + relative * max(abs(x), abs(y))) {
        failures += 1
        if failures <= 3 { XCTFail("\(message)[\(i)]: \(x) vs \(y)", file: file, line: line) }
    }
}

/// The samples of a headerless file (what ALSA's `file` PCM writes with `raw`), in native byte order.
public func rawSamples<T>(_ path: String, as type: T.Type) throws -> [T] {
    try Data(contentsOf: URL(fileURLWithPath: path)).withUnsafeBytes { Array($0.bindMemory(to: T.self)) }
}

public func sine(frequency: Double, sampleRate: Int, seconds: Double, amplitude: Float = 0.5) -> [Float] {
    (0..<Int(Double(sampleRate) * seconds)).map { i in
        amplitude * Float(sin(2 * Double.pi * frequency * Double(i) / Double(sampleRate)))
    }
}

/// Power of `signal` at `frequency` by the Goertzel algorithm (one DFT bin), normalised by length².
public func power(of signal: [Float], at frequency: Double, sampleRate: Int) -> Double {
    let coefficient = 2 * cos(2 * Double.pi * frequency / Double(sampleRate))
    var s1 = 0.0, s2 = 0.0
    for x in signal {
        let s0 = Double(x) + coefficient * s1 - s2
        s2 = s1
        s1 = s0
    }
    return (s1 * s1 + s2 * s2 - coefficient * s1 * s2) / Double(signal.count * signal.count)
}

/// Peak resident set of this process so far, in bytes (`ru_maxrss`, which Linux gives in KiB).
/// It never goes down, so a test compares it with the value before its work.
public func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss * 1024
}

/// Writes interleaved float samples with libsndfile in any format it supports (test fixture maker),
/// without the PEAK chunk, whose time of writing would make the bytes differ from run to run.
public func writeWithSndfile(_ path: String, interleaved: [Float], channels: Int, sampleRate: Int, format: Int32) {
    var info = SF_INFO()
    info.samplerate = Int32(sampleRate)
    info.channels = Int32(channels)
    info.format = format
    guard let file = sf_open(path, Int32(SFM_WRITE), &info) else {
        fatalError("sf_open(\(path)) for writing: \(String(cString: sf_strerror(nil)))")
    }
    // The PEAK chunk of float files holds the time of writing: leave it out, for the same bytes every run.
    sf_command(file, Int32(SFC_SET_ADD_PEAK_CHUNK), nil, Int32(SF_FALSE))
    let frames = interleaved.count / channels
    let written = interleaved.withUnsafeBufferPointer { sf_writef_float(file, $0.baseAddress, sf_count_t(frames)) }
    precondition(written == frames, "short write to \(path)")
    sf_close(file)
}
