import Foundation
import WaveNet
import XCTest

func fixturePath(_ name: String) -> String {
    Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent(name).path
}

func randomClasses(_ count: Int, _ Q: Int, _ rng: inout SplitMix64) -> [Int32] {
    (0..<count).map { _ in Int32(rng.next() % UInt64(Q)) }
}

/// Relative closeness with an absolute floor, the way swift-numerics compares floats.
func assertClose(_ a: [Float], _ b: [Float], relative: Float, absolute: Float, _ message: String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, message, file: file, line: line)
    var failures = 0
    for (i, (x, y)) in zip(a, b).enumerated() where abs(x - y) > absolute + relative * max(abs(x), abs(y)) {
        failures += 1
        if failures <= 3 { XCTFail("\(message)[\(i)]: \(x) vs \(y)", file: file, line: line) }
    }
}

func tinyConfig(dilations: [Int] = [1, 2, 4, 1], conditioned: Bool = false) -> ModelConfig {
    ModelConfig(sampleRate: 16000, quantizationChannels: 12, residualChannels: 5, dilationChannels: 4,
                skipChannels: 6, dilations: dilations, condChannels: conditioned ? 3 : nil,
                classNames: conditioned ? ["a", "b"] : nil)
}

func makeParameters(_ config: ModelConfig, seed: UInt64, scale: Float = 1.5) throws -> Parameters {
    let p = try Parameters(config: config)
    p.initialize(seed: seed)
    for i in 0..<p.values.count { p.values.base[i] *= scale }
    return p
}
