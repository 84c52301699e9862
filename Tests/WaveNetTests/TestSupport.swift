import Foundation
import TestSupport
import WaveNet
import XCTest

func fixturePath(_ name: String) -> String {
    Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent(name).path
}

func randomClasses(_ count: Int, _ Q: Int, _ rng: inout SplitMix64) -> [Int32] {
    (0..<count).map { _ in Int32(rng.next() % UInt64(Q)) }
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
