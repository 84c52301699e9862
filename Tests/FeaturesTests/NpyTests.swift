import Features
import Foundation
import XCTest

final class NpyTests: XCTestCase {
    /// A .npy file as NumPy writes it, built by hand: any dtype text, order, shape and payload.
    func npy(descr: String = "<f4", fortran: Bool = false, shape: String, payload: Data, version: UInt8 = 1) -> Data {
        var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shape), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [version, 0])
        let n = header.utf8.count
        data.append(contentsOf: version == 1 ? [UInt8(n & 0xFF), UInt8(n >> 8)] : [UInt8(n & 0xFF), UInt8(n >> 8), 0, 0])
        data.append(contentsOf: Array(header.utf8))
        return data + payload
    }

    func floats32(_ x: [Float]) -> Data { x.withUnsafeBufferPointer { Data(buffer: $0) } }
    func floats64(_ x: [Double]) -> Data { x.withUnsafeBufferPointer { Data(buffer: $0) } }

    func testRoundTripAndEveryAcceptedLayout() throws {
        let values: [Float] = [1, 2, 3, 4, 5, 6]  // [F = 2, frames = 3]
        let written = Npy.serialize(values, shape: [2, 3])
        XCTAssertEqual((written.count - 24) % 64, 0, "data starts at a multiple of 64 bytes")
        XCTAssertEqual(try Npy.parse(written), Npy.Array(shape: [2, 3], values: values))
        let expected = FeatureFrames(channels: 2, frames: 3, values: values)
        XCTAssertEqual(try FeatureFrames(Npy.parse(written), channels: 2), expected)
        // [1, F, frames], float64, version 2 header.
        let batched = npy(descr: "<f8", shape: "(1, 2, 3)", payload: floats64(values.map(Double.init)), version: 2)
        XCTAssertEqual(try FeatureFrames(Npy.parse(batched), channels: 2), expected)
        // [frames, F] as r9y9's tools save it.
        let transposed = npy(shape: "(3, 2)", payload: floats32([1, 4, 2, 5, 3, 6]))
        XCTAssertEqual(try FeatureFrames(Npy.parse(transposed), channels: 2), expected)
        // Fortran order of [F, frames] stores columns first.
        let fortran = npy(fortran: true, shape: "(2, 3)", payload: floats32([1, 4, 2, 5, 3, 6]))
        XCTAssertEqual(try Npy.parse(fortran).values, values)
    }

    func testMalformedFilesAreRefusedWithTheReason() {
        let good = npy(shape: "(2, 3)", payload: floats32([1, 2, 3, 4, 5, 6]))
        var hugeHeader = good
        hugeHeader[8] = 0xFF; hugeHeader[9] = 0xFF
        let cases: [(Data, String)] = [
            (Data("not numpy at all".utf8), "no \\x93NUMPY magic"),
            (good.prefix(9), "no \\x93NUMPY magic"),
            (hugeHeader, "does not fit a file of"),
            (good.prefix(good.count - 4), "needs 24 data bytes, the file has 20"),
            (good + Data([0, 0, 0, 0]), "the file has 28"),
            (npy(descr: "<i4", shape: "(2, 3)", payload: floats32([1, 2, 3, 4, 5, 6])), "dtype '<i4' is not supported"),
            (npy(descr: ">f4", shape: "(2, 3)", payload: floats32([1, 2, 3, 4, 5, 6])), "dtype '>f4' is not supported"),
            (npy(shape: "(4611686018427387904, 4)", payload: Data()), "overflows"),
            (npy(shape: "(2, 3.5)", payload: Data()), "not a tuple of whole numbers"),
            (npy(shape: "(2, -3)", payload: Data()), "not a tuple of whole numbers"),
            (Data([0x93] + Array("NUMPY".utf8) + [9, 0, 0, 0]), "unsupported version 9.0"),
        ]
        for (data, message) in cases {
            XCTAssertThrowsError(try Npy.parse(data), message) { error in
                XCTAssertTrue("\(error)".contains(message), "\(error) does not say \(message)")
            }
        }
    }

    func testFeatureFramesRefuseWrongChannelsAndNonFiniteValues() throws {
        func frames(_ shape: String, _ values: [Float], channels: Int) throws -> FeatureFrames {
            try FeatureFrames(Npy.parse(npy(shape: shape, payload: floats32(values))), channels: channels)
        }
        XCTAssertThrowsError(try frames("(2, 3)", [1, 2, 3, 4, 5, 6], channels: 80)) { error in
            XCTAssertTrue("\(error)".contains("2 or 3 channels, but the model reads 80"), "\(error)")
        }
        XCTAssertThrowsError(try frames("(2, 3)", [1, 2, .nan, 4, 5, 6], channels: 2)) { error in
            XCTAssertTrue("\(error)".contains("nan at channel 0, frame 2"), "\(error)")
        }
        XCTAssertThrowsError(try frames("(2, 3)", [1, 2, 3, .infinity, 5, 6], channels: 2)) { error in
            XCTAssertTrue("\(error)".contains("NaN or infinite"), "\(error)")
        }
        XCTAssertThrowsError(try frames("(2, 1)", [1, 2], channels: 2)) { error in
            XCTAssertTrue("\(error)".contains("at least 2"), "\(error)")
        }
        XCTAssertThrowsError(try frames("(6,)", [1, 2, 3, 4, 5, 6], channels: 2)) { error in
            XCTAssertTrue("\(error)".contains("expected [2, frames]"), "\(error)")
        }
    }
}
