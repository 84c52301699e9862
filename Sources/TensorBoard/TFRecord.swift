/// TFRecord framing: each record is its length (UInt64, little-endian), the masked CRC-32C of
/// those 8 bytes, the payload, and the masked CRC-32C of the payload.
public enum TFRecord {
    public static func frame(_ payload: [UInt8]) -> [UInt8] {
        var length: [UInt8] = []
        withUnsafeBytes(of: UInt64(payload.count).littleEndian) { length.append(contentsOf: $0) }
        var out = length
        out += littleEndian(CRC32C.masked(length))
        out += payload
        out += littleEndian(CRC32C.masked(payload))
        return out
    }

    static func littleEndian(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }

    public struct Malformed: Error, CustomStringConvertible {
        public let description: String
    }

    /// The payloads of a file's records, both CRCs of each checked; a truncated last record (a
    /// writer stopped mid-write) is an error like any other damage.
    public static func records(_ data: [UInt8]) throws -> [[UInt8]] {
        var records: [[UInt8]] = [], i = 0
        func u32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(data[at + $1]) << (8 * UInt32($1)) } }
        while i < data.count {
            guard data.count - i >= 12 else { throw Malformed(description: "record at byte \(i): truncated header") }
            let length = (0..<8).reduce(UInt64(0)) { $0 | UInt64(data[i + $1]) << (8 * UInt64($1)) }
            guard CRC32C.masked(data[i..<i + 8]) == u32(i + 8) else { throw Malformed(description: "record at byte \(i): length CRC mismatch") }
            guard data.count - i >= 16, length <= UInt64(data.count - i - 16) else { throw Malformed(description: "record at byte \(i): \(length) bytes claimed, fewer left") }
            let start = i + 12, end = start + Int(length)
            guard CRC32C.masked(data[start..<end]) == u32(end) else { throw Malformed(description: "record at byte \(i): payload CRC mismatch") }
            records.append(Array(data[start..<end]))
            i = end + 4
        }
        return records
    }
}
