import WaveNet
import XCTest

final class MuLawTests: XCTestCase {
    let muLaw = MuLaw(classes: 256)

    func testKnownValues() {
        XCTAssertEqual(muLaw.encode(-1), 0)
        XCTAssertEqual(muLaw.encode(0), 128)
        XCTAssertEqual(muLaw.silence, 128)
        XCTAssertEqual(MuLaw(classes: 64).silence, 32)  // floor(63/2 + 0.5)
        XCTAssertEqual(MuLaw(classes: 2).silence, 1)
        XCTAssertEqual(muLaw.encode(1), 255)
        XCTAssertEqual(muLaw.encode(-5), 0)
        XCTAssertEqual(muLaw.encode(5), 255)
        XCTAssertEqual(muLaw.decode(0), -1, accuracy: 1e-6)
        XCTAssertEqual(muLaw.decode(255), 1, accuracy: 1e-6)
        // Class 128 sits just above zero: y = 1/255, x = (256^(1/255) - 1) / 255.
        XCTAssertEqual(muLaw.decode(128), Float((pow(256.0, 1.0 / 255) - 1) / 255), accuracy: 1e-8)
        // f(0.5) = ln(128.5)/ln(256) = 0.87543, c = floor(1.87543/2*255 + 0.5) = 239.
        XCTAssertEqual(muLaw.encode(0.5), 239)
        XCTAssertEqual(muLaw.encode(-0.5), 16)
    }

    func testEveryClassRoundTrips() {
        for classes in [2, 16, 256, 1024] {
            let law = MuLaw(classes: classes)
            for c in 0..<Int32(classes) {
                XCTAssertEqual(law.encode(law.decode(c)), c, "Q=\(classes) c=\(c)")
            }
        }
    }

    func testRoundTripErrorIsBoundedByTheStepSize() {
        // Half a class in the companded domain, mapped back: |x - decode(encode(x))| <= |dx/df| * (1/mu).
        let mu: Double = 255
        for i in 0...20000 {
            let x = Float(-1 + Double(i) / 10000)
            let y = muLaw.decode(muLaw.encode(x))
            let derivative = log1p(mu) / mu * (1 + mu * Double(max(abs(x), abs(y))))  // largest dx/df over the step
            XCTAssertLessThanOrEqual(Double(abs(x - y)), derivative / mu * 1.01 + 1e-6, "x=\(x)")
        }
        XCTAssertEqual(muLaw.encode([0, -1, 1]), [128, 0, 255])
    }
}
