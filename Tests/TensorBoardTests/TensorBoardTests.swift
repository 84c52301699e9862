import Foundation
import TensorBoard
import XCTest

/// Event files as TensorBoard reads them: CRC-32C against the standard vectors, TFRecord framing
/// both ways, and events equal to what PyTorch's SummaryWriter writes (scripts/make_tensorboard_fixture.py).
final class TensorBoardTests: XCTestCase {
    let fixtures = Bundle.module.resourceURL!.appendingPathComponent("Fixtures").path

    func fixture(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: "\(fixtures)/\(name).pb"))) }

    /// RFC 3720 (iSCSI) B.4 test vectors, and the common "123456789" check value.
    func testCRC32CStandardVectors() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8($0) }), 0x46DD_794E)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8(31 - $0) }), 0x113F_DB5C)
        XCTAssertEqual(CRC32C.checksum([]), 0)
    }

    func testFramingRoundTripsAndDamageIsFound() throws {
        let payloads: [[UInt8]] = [[], [1, 2, 3], Array(repeating: 7, count: 300)]
        let file = payloads.flatMap(TFRecord.frame)
        XCTAssertEqual(try TFRecord.records(file), payloads)
        // Every single flipped byte is caught by one of the two CRCs or the length check.
        for i in file.indices {
            var damaged = file
            damaged[i] ^= 0x10
            XCTAssertThrowsError(try TFRecord.records(damaged), "byte \(i)")
        }
        for cut in [1, 5, 12, 20] { XCTAssertThrowsError(try TFRecord.records(Array(file.dropLast(cut)))) }
    }

    func listing() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixtures + "/events.json"))) as! [String: Any]
    }

    func testScalarAndTextEventsEqualSummaryWritersBytes() throws {
        let events = try listing()["events"] as! [[String: Any]]
        var compared = 0
        for event in events {
            let name = event["name"] as! String, step = event["step"] as! Int, wallTime = event["wall_time"] as! Double
            let mine: [UInt8]
            switch event["kind"] as! String {
            case "scalar": mine = Event.scalar(event["tag"] as! String, Float(event["value"] as! Double), step: step, wallTime: wallTime)
            case "text": mine = Event.text(event["tag"] as! String, event["text"] as! String, step: step, wallTime: wallTime)
            default: continue
            }
            XCTAssertEqual(mine, try fixture(name), name)
            compared += 1
        }
        XCTAssertEqual(compared, 4)
    }

    func testAudioEventHasSummaryWritersFieldsAndSamples() throws {
        let event = (try listing()["events"] as! [[String: Any]]).first { $0["kind"] as? String == "audio" }!
        let samples = (event["samples"] as! [Double]).map(Float.init)
        let mine = Event.audio(event["tag"] as! String, samples, sampleRate: 16000, step: 500, wallTime: event["wall_time"] as! Double)
        // Byte for byte too, as it happens: the same WAV header and the same rounding.
        XCTAssertEqual(mine, try fixture("audio"))
        func audio(_ bytes: [UInt8]) throws -> ProtobufFields {
            let event = try ProtobufFields(bytes)
            XCTAssertEqual(event.int64(2), 500)
            let value = try event.message(5)!.message(1)!
            XCTAssertEqual(value.string(1), "samples/piano")
            return try value.message(6)!
        }
        let (a, b) = (try audio(mine), try audio(try fixture("audio")))
        XCTAssertEqual(a.float(1), 16000)
        XCTAssertEqual(a.int64(2), 1)
        XCTAssertEqual(a.int64(3), Int64(samples.count))
        XCTAssertEqual(a.string(5), "audio/wav")
        for field in [1, 2, 3, 5] { XCTAssertEqual(a.first(field), b.first(field), "field \(field)") }
        func decode(_ wav: [UInt8]) -> [Int16] {
            XCTAssertEqual(Array(wav[0..<4]), Array("RIFF".utf8))
            return stride(from: 44, to: wav.count, by: 2).map { Int16(bitPattern: UInt16(wav[$0]) | UInt16(wav[$0 + 1]) << 8) }
        }
        let decoded = decode(a.bytes(4)!)
        XCTAssertEqual(decoded, decode(b.bytes(4)!))
        XCTAssertEqual(decoded.suffix(5), [32767, -32767, 0, 0, 0], "clipped, then truncated toward zero")
    }

    func testFileVersionAndSessionStart() throws {
        let theirs = try ProtobufFields(try fixture("file-version"))
        let mine = try ProtobufFields(Event.fileVersion(wallTime: theirs.double(1)!))
        XCTAssertEqual(mine.string(3), "brain.Event:2")
        XCTAssertEqual(mine.string(3), theirs.string(3))
        XCTAssertEqual(mine.double(1), theirs.double(1))
        XCTAssertEqual(try mine.message(10)?.string(1), "wavenet")
        XCTAssertNotNil(try theirs.message(10)?.string(1), "SummaryWriter names its writer the same way")
        let start = try ProtobufFields(Event.sessionStart(step: 42, wallTime: 1.5))
        XCTAssertEqual(start.int64(2), 42)
        XCTAssertEqual(try start.message(7)?.int64(1), 1, "SessionLog.START")
    }

    func testEventFileFolderRules() throws {
        let root = NSTemporaryDirectory() + "tb-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let file = try EventFile(folder: root + "/a/b", wallTime: 1_765_000_000)
        try file.append(Event.scalar("x", 1, step: 1, wallTime: 1_765_000_001))
        XCTAssertTrue(URL(fileURLWithPath: file.path).lastPathComponent.hasPrefix("events.out.tfevents.1765000000."))
        XCTAssertTrue(file.path.hasSuffix(".\(getpid()).0"))
        let records = try TFRecord.records(Array(try Data(contentsOf: URL(fileURLWithPath: file.path))))
        XCTAssertEqual(records.count, 2)
        XCTAssertEqual(try ProtobufFields(records[0]).string(3), "brain.Event:2")
        _ = FileManager.default.createFile(atPath: root + "/plain", contents: Data())
        XCTAssertThrowsError(try EventFile(folder: root + "/plain")) { XCTAssertTrue("\($0)".contains("is not a folder"), "\($0)") }
    }
}
