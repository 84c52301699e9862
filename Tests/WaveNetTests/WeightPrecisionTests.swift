import Foundation
import XCTest
import WaveNet

final class WeightPrecisionTests: XCTestCase {
    /// auto takes half exactly where the float weights one step reads do not fit in one core's L2,
    /// and only on the SIMD paths (which convert halves in hardware).
    func testAutomaticPrecisionFollowsTheL2Cache() {
        let vocoder = ModelConfig(residualChannels: 64, dilationChannels: 64, skipChannels: 128,
                                  dilations: ModelConfig.dilations(stacks: 2, depth: 8))
        let bytes = Generator.weightBytesPerStep(vocoder)
        XCTAssertEqual(bytes, 2 * Generator.weightBytesPerStep(vocoder, precision: .half))
        XCTAssertGreaterThan(bytes, 1_900_000)  // the shipped vocoder's 2.0 MB
        for path in [KernelPath.avx2, .avx512] {
            XCTAssertEqual(WeightPrecision.automatic(for: vocoder, path: path, l2CacheBytes: 1_310_720), .half)  // a 1.25 MB-L2 Xeon
            XCTAssertEqual(WeightPrecision.automatic(for: vocoder, path: path, l2CacheBytes: bytes - 1), .half)
            XCTAssertEqual(WeightPrecision.automatic(for: vocoder, path: path, l2CacheBytes: bytes), .float)
            XCTAssertEqual(WeightPrecision.automatic(for: vocoder, path: path, l2CacheBytes: 2 << 20), .float)
            XCTAssertEqual(WeightPrecision.automatic(for: vocoder, path: path, l2CacheBytes: nil), .float)
        }
        XCTAssertEqual(WeightPrecision.automatic(for: vocoder, path: .plain, l2CacheBytes: 1_310_720), .float)
        XCTAssertEqual(WeightPrecision.automatic(for: tinyConfig(), path: .avx2, l2CacheBytes: 1 << 18), .float)
    }

    /// The L2 size the C library reports is the kernel's own figure for cpu0 (sysfs, "1280K").
    func testL2CacheSizeMatchesSysfs() throws {
        let path = "/sys/devices/system/cpu/cpu0/cache/index2/size"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw XCTSkip("no \(path)") }
        var digits = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let scale = digits.hasSuffix("K") ? 1024 : digits.hasSuffix("M") ? 1 << 20 : 1
        if scale > 1 { digits.removeLast() }
        let sysfs = try XCTUnwrap(Int(digits)) * scale
        XCTAssertEqual(CPUCache.l2Bytes, sysfs)
    }
}
