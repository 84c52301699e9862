import Foundation

/// NumPy's `.npy` format, version 1.0 to 3.0, for feature arrays: little-endian float32 or
/// float64, C or Fortran order, any number of dimensions. Bytes in, arrays out: reading the file
/// is the caller's. Nothing in the header is trusted: its length, the shape's product and the
/// data size are checked against the bytes present before anything is allocated.
public enum Npy {
    public struct Array: Equatable, Sendable {
        public var shape: [Int]
        /// Row-major (C order) values.
        public var values: [Float]

        public init(shape: [Int], values: [Float]) {
            self.shape = shape
            self.values = values
        }
    }

    /// Largest header accepted; NumPy's own are under 200 bytes.
    static let maxHeader = 65_536

    /// Parses `data`; errors are messages for "PATH: ...".
    public static func parse(_ data: Data) throws -> Array {
        func fail(_ problem: String) -> FeatureError { .invalid("not a valid .npy file: \(problem)") }
        let bytes = [UInt8](data.prefix(12))
        guard bytes.count >= 10, bytes[0] == 0x93, Swift.Array(bytes[1...5]) == Swift.Array("NUMPY".utf8) else {
            throw fail("no \\x93NUMPY magic")
        }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw fail("unsupported version \(major).\(bytes[7])")
        }
        guard headerLength <= maxHeader, headerStart + headerLength <= data.count else {
            throw fail("header length \(headerLength) does not fit a file of \(data.count) bytes")
        }
        let header = String(decoding: data.subdata(in: headerStart..<headerStart + headerLength), as: UTF8.self)
        guard let descr = field("descr", in: header), let order = field("fortran_order", in: header),
              let shapeText = field("shape", in: header) else {
            throw fail("header lacks descr, fortran_order or shape: \(printable(header))")
        }
        let itemSize: Int
        switch descr {
        case "'<f4'", "'float32'": itemSize = 4
        case "'<f8'", "'float64'": itemSize = 8
        default: throw fail("dtype \(printable(descr)) is not supported; save the features as float32 or float64 (little-endian)")
        }
        guard order == "False" || order == "True" else { throw fail("fortran_order is \(printable(order))") }
        let shape = try parseShape(shapeText, fail)
        var count = 1
        for n in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: n)
            guard !overflow else { throw fail("shape \(shape) overflows") }
            count = product
        }
        let dataStart = headerStart + headerLength
        let (needed, overflow) = count.multipliedReportingOverflow(by: itemSize)
        guard !overflow, needed == data.count - dataStart else {
            throw fail("shape \(shape) needs \(overflow ? "too many" : String(needed)) data bytes, the file has \(data.count - dataStart)")
        }
        var values = [Float](repeating: 0, count: count)
        data.withUnsafeBytes { raw in
            for i in 0..<count {
                if itemSize == 4 {
                    values[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: dataStart + 4 * i, as: UInt32.self)))
                } else {
                    values[i] = Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: dataStart + 8 * i, as: UInt64.self))))
                }
            }
        }
        if order == "True" { values = fortranToC(values, shape) }
        return Array(shape: shape, values: values)
    }

    /// A float32, C-order `.npy` (version 1.0) of `values` with `shape`.
    public static func serialize(_ values: [Float], shape: [Int]) -> Data {
        precondition(shape.reduce(1, *) == values.count, "shape does not match the values")
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        // Pad with spaces and a newline so that the data starts at a multiple of 64 bytes.
        let total = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
        var data = Data([0x93] + Swift.Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Swift.Array(header.utf8))
        values.withUnsafeBufferPointer { buffer in
            for v in buffer { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        }
        return data
    }

    // MARK: - Header parsing

    /// The text of `key`'s value in the header's Python dict literal.
    static func field(_ key: String, in header: String) -> String? {
        guard let range = header.range(of: "'\(key)':") ?? header.range(of: "\"\(key)\":") else { return nil }
        let rest = header[range.upperBound...].drop(while: { $0 == " " })
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { return nil }
            return String(rest[...close])
        }
        let end = rest.firstIndex(where: { $0 == "," || $0 == "}" }) ?? rest.endIndex
        return rest[..<end].trimmingCharacters(in: .whitespaces)
    }

    static func parseShape(_ text: String, _ fail: (String) -> FeatureError) throws -> [Int] {
        let inner = text.dropFirst().dropLast()
        let parts = inner.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var shape: [Int] = []
        for part in parts {
            guard let n = Int(part), n >= 0 else { throw fail("shape \(printable(text)) is not a tuple of whole numbers") }
            shape.append(n)
        }
        guard shape.count <= 8 else { throw fail("shape \(printable(text)) has more than 8 dimensions") }
        return shape
    }

    /// Header text as it may appear in a one-line message: printable ASCII, at most 80 characters.
    static func printable(_ text: String) -> String {
        let cleaned = String(text.trimmingCharacters(in: .whitespacesAndNewlines).unicodeScalars.prefix(80)
            .map { $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "?" })
        return text.unicodeScalars.count > 80 ? cleaned + "..." : cleaned
    }

    static func fortranToC(_ values: [Float], _ shape: [Int]) -> [Float] {
        guard shape.count > 1 else { return values }
        var result = [Float](repeating: 0, count: values.count)
        var index = [Int](repeating: 0, count: shape.count)
        for i in 0..<values.count {
            // index is the C-order multi-index of i; its Fortran-order offset reads the value.
            var offset = 0, stride = 1
            for d in 0..<shape.count {
                offset += index[d] * stride
                stride *= shape[d]
            }
            result[i] = values[offset]
            var d = shape.count - 1
            while d >= 0 {
                index[d] += 1
                if index[d] < shape[d] { break }
                index[d] = 0
                d -= 1
            }
        }
        return result
    }
}

/// Feature frames for a model with `channels` channels: [channels][frames], row-major.
public struct FeatureFrames: Equatable, Sendable {
    public var channels: Int
    public var frames: Int
    public var values: [Float]

    public init(channels: Int, frames: Int, values: [Float]) {
        precondition(values.count == channels * frames, "values do not fill channels x frames")
        (self.channels, self.frames, self.values) = (channels, frames, values)
    }

    /// Reads an array in any layout people save features in: `[F, frames]`, `[1, F, frames]`, or
    /// `[frames, F]` (r9y9's tools), for a model with `channels` = F. Refuses other channel
    /// counts (saying both), NaN or infinite values, and fewer than two frames.
    public init(_ array: Npy.Array, channels F: Int) throws {
        var shape = array.shape
        if shape.count == 3 && shape[0] == 1 { shape.removeFirst() }
        guard shape.count == 2 else {
            throw FeatureError.invalid("has shape \(array.shape); expected [\(F), frames], [1, \(F), frames] or [frames, \(F)]")
        }
        var values = array.values
        let frames: Int
        if shape[0] == F {
            frames = shape[1]
        } else if shape[1] == F {
            frames = shape[0]
            values = Self.transpose(values, rows: frames, columns: F)
        } else {
            throw FeatureError.invalid("has shape \(array.shape): \(shape.min()!) or \(shape.max()!) channels, but the model reads \(F)")
        }
        guard frames >= 2 else { throw FeatureError.invalid("has \(frames) frame(s); at least 2 are needed for one hop of audio") }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw FeatureError.invalid("holds \(values[bad]) at channel \(bad / frames), frame \(bad % frames) (NaN or infinite features)")
        }
        self.init(channels: F, frames: frames, values: values)
    }

    /// A row-major [rows][columns] array as [columns][rows]: between the channel-major layout files
    /// store features in and the time-major one the model reads.
    public static func transpose(_ x: [Float], rows: Int, columns: Int) -> [Float] {
        var y = [Float](repeating: 0, count: x.count)
        for r in 0..<rows { for c in 0..<columns { y[c * rows + r] = x[r * columns + c] } }
        return y
    }
}
