import Foundation

/// The protobuf wire format, as much as TensorBoard's event messages need: varints, 32- and
/// 64-bit fixed fields, and length-delimited fields (strings, bytes, nested messages). Fields are
/// written in the order given; proto3 leaves out fields at their default, and so do the callers.
public struct ProtobufWriter {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func key(_ field: Int, _ wireType: UInt64) { varint(UInt64(field) << 3 | wireType) }

    public mutating func int64(_ field: Int, _ value: Int64) {
        key(field, 0)
        varint(UInt64(bitPattern: value))
    }

    public mutating func float(_ field: Int, _ value: Float) {
        key(field, 5)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func double(_ field: Int, _ value: Double) {
        key(field, 1)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func bytes(_ field: Int, _ value: [UInt8]) {
        key(field, 2)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    public mutating func string(_ field: Int, _ value: String) { bytes(field, Array(value.utf8)) }

    public mutating func message(_ field: Int, _ build: (inout ProtobufWriter) -> Void) {
        var inner = ProtobufWriter()
        build(&inner)
        bytes(field, inner.bytes)
    }
}

/// Reads the wire format back into fields, for the tests and the TFRecord reader's checks:
/// every length checked against the bytes left.
public struct ProtobufFields {
    public enum Value: Equatable {
        case varint(UInt64), fixed64(UInt64), fixed32(UInt32), bytes([UInt8])
    }

    public private(set) var fields: [(number: Int, value: Value)] = []

    public struct Malformed: Error, CustomStringConvertible {
        public let description: String
    }

    public init(_ data: [UInt8]) throws {
        var i = 0
        func varint() throws -> UInt64 {
            var result: UInt64 = 0, shift: UInt64 = 0
            while true {
                guard i < data.count, shift < 64 else { throw Malformed(description: "truncated or overlong varint at byte \(i)") }
                let byte = data[i]
                i += 1
                result |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return result }
                shift += 7
            }
        }
        func fixed(_ n: Int) throws -> UInt64 {
            guard data.count - i >= n else { throw Malformed(description: "truncated fixed field at byte \(i)") }
            var value: UInt64 = 0
            for k in 0..<n { value |= UInt64(data[i + k]) << (8 * UInt64(k)) }
            i += n
            return value
        }
        while i < data.count {
            let key = try varint()
            let number = Int(key >> 3)
            switch key & 7 {
            case 0: fields.append((number, .varint(try varint())))
            case 1: fields.append((number, .fixed64(try fixed(8))))
            case 5: fields.append((number, .fixed32(UInt32(try fixed(4)))))
            case 2:
                let length = try varint()
                guard length <= UInt64(data.count - i) else { throw Malformed(description: "field \(number) claims \(length) bytes, \(data.count - i) left") }
                fields.append((number, .bytes(Array(data[i..<i + Int(length)]))))
                i += Int(length)
            default: throw Malformed(description: "wire type \(key & 7) of field \(number) is not used here")
            }
        }
    }

    /// Every value of field `number`, in order.
    public func all(_ number: Int) -> [Value] { fields.filter { $0.number == number }.map(\.value) }
    public func first(_ number: Int) -> Value? { fields.first { $0.number == number }?.value }

    public func bytes(_ number: Int) -> [UInt8]? { if case .bytes(let b) = first(number) { return b } else { return nil } }
    public func string(_ number: Int) -> String? { bytes(number).map { String(decoding: $0, as: UTF8.self) } }
    public func message(_ number: Int) throws -> ProtobufFields? { try bytes(number).map(ProtobufFields.init) }
    public func int64(_ number: Int) -> Int64? { if case .varint(let v) = first(number) { return Int64(bitPattern: v) } else { return nil } }
    public func float(_ number: Int) -> Float? { if case .fixed32(let v) = first(number) { return Float(bitPattern: v) } else { return nil } }
    public func double(_ number: Int) -> Double? { if case .fixed64(let v) = first(number) { return Double(bitPattern: v) } else { return nil } }
}
