import FileIO
import Foundation

/// The safetensors container: an 8-byte little-endian header length, a JSON header
/// (`__metadata__` string map, and per tensor `dtype`, `shape`, `data_offsets` relative to
/// the end of the header), then the tensors' bytes packed in offset order, no gaps.
/// Only `F32` tensors are read and written here.
public struct Safetensors {
    public struct Tensor: Equatable {
        public var shape: [Int]
        public var values: [Float]

        public init(shape: [Int], values: [Float]) {
            self.shape = shape
            self.values = values
        }
    }

    public var metadata: [String: String]
    /// Tensors in the order they are written.
    public var names: [String]
    public var tensors: [String: Tensor]

    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
        names = []
        tensors = [:]
    }

    public mutating func append(_ name: String, shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "\(name): shape \(shape) does not match \(values.count) values")
        precondition(tensors[name] == nil, "\(name) written twice")
        names.append(name)
        tensors[name] = Tensor(shape: shape, values: values)
    }

    // MARK: - Writing

    public func serialized() -> Data {
        var header = "{\"__metadata__\":{"
        header += metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }.joined(separator: ",")
        header += "}"
        var offset = 0
        for name in names {
            let tensor = tensors[name]!
            let bytes = tensor.values.count * 4
            header += ",\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],"
            header += "\"data_offsets\":[\(offset),\(offset + bytes)]}"
            offset += bytes
        }
        header += "}"
        // Pad with spaces so the data starts 8-byte aligned.
        while (header.utf8.count % 8) != 0 { header += " " }
        var data = Data(capacity: 8 + header.utf8.count + offset)
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: Array(header.utf8))
        for name in names {
            tensors[name]!.values.withUnsafeBufferPointer { buffer in
                for value in buffer { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            }
        }
        return data
    }

    public func write(to path: String) throws {
        try AtomicFile.write(serialized(), to: path)
    }

    // MARK: - Reading

    /// The longest JSON header read.
    public static let maxHeaderLength = 100_000_000
    /// The largest file read: the largest legal checkpoint (the weights and the optimizer's two
    /// moments, each at most `ModelConfig.maxParameterCount` floats) plus the header allowance.
    public static let maxFileSize = 8 + maxHeaderLength + 3 * 4 * ModelConfig.maxParameterCount

    /// Parses a whole file; any deviation from the format throws with `path` in the message.
    /// Every number of the header is checked (whole, in range, products and offsets without
    /// overflow, tensors inside the data) before anything is allocated from it.
    public init(data: Data, path: String) throws {
        func fail(_ problem: String) -> FileError { FileError(path, "not a valid safetensors file: \(problem)") }
        guard data.count >= 8 else { throw fail("file is \(data.count) bytes, shorter than the 8-byte header length") }
        let headerLength = data.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength >= 2, headerLength <= UInt64(data.count - 8), headerLength <= UInt64(Self.maxHeaderLength) else {
            throw fail("header length \(headerLength) does not fit a file of \(data.count) bytes")
        }
        let headerBytes = data.subdata(in: 8..<(8 + Int(headerLength)))
        guard let object = try? JSONSerialization.jsonObject(with: headerBytes), let header = object as? [String: Any] else {
            throw fail("header is not a JSON object")
        }
        let dataStart = 8 + Int(headerLength)
        let dataSize = data.count - dataStart
        metadata = [:]
        if let meta = header["__metadata__"] {
            guard let map = meta as? [String: Any] else { throw fail("__metadata__ is not an object") }
            for (key, value) in map {
                guard let string = value as? String else { throw fail("__metadata__.\(key) is not a string") }
                metadata[key] = string
            }
        }
        var entries: [(name: String, start: Int, end: Int, shape: [Int])] = []
        for (name, value) in header where name != "__metadata__" {
            guard let info = value as? [String: Any] else { throw fail("entry \(name) is not an object") }
            guard let dtype = info["dtype"] as? String else { throw fail("\(name) has no dtype") }
            guard dtype == "F32" else { throw fail("\(name) has dtype \(dtype), only F32 is supported") }
            guard let list = info["shape"] as? [Any] else { throw fail("\(name) has no shape list") }
            var shape: [Int] = []
            for item in list {
                guard let size = Self.wholeNumber(item), size >= 0 else {
                    throw fail("\(name) has an invalid shape: \(item) is not a whole number of 0 or more")
                }
                shape.append(size)
            }
            guard let offsetList = info["data_offsets"] as? [Any], offsetList.count == 2,
                  let start = Self.wholeNumber(offsetList[0]), let end = Self.wholeNumber(offsetList[1]),
                  start >= 0, start <= end else {
                throw fail("\(name) has invalid data_offsets")
            }
            var bytes = 4
            for size in shape {
                let (product, overflow) = bytes.multipliedReportingOverflow(by: size)
                guard !overflow else { throw fail("\(name): shape \(shape) overflows (more bytes than Int can count)") }
                bytes = product
            }
            guard end - start == bytes else {
                throw fail("\(name): shape \(shape) needs \(bytes) bytes, data_offsets give \(end - start)")
            }
            guard end <= dataSize else {
                throw fail("\(name) ends at byte \(end) but the data is \(dataSize) bytes (truncated file?)")
            }
            entries.append((name, start, end, shape))
        }
        entries.sort { ($0.start, $0.end) < ($1.start, $1.end) }
        var expected = 0
        for entry in entries {
            guard entry.start == expected else {
                throw fail(entry.start < expected ? "\(entry.name) overlaps the tensor before it" : "gap before \(entry.name)")
            }
            expected = entry.end
        }
        guard expected == dataSize else { throw fail("\(dataSize - expected) bytes after the last tensor") }
        names = entries.map(\.name)
        tensors = [:]
        data.withUnsafeBytes { raw in
            for entry in entries {
                checkBounds(dataStart + entry.end <= raw.count, "\(entry.name) ends past the file")
                let count = (entry.end - entry.start) / 4
                var values = [Float](repeating: 0, count: count)
                for i in 0..<count {
                    let bits = raw.loadUnaligned(fromByteOffset: dataStart + entry.start + 4 * i, as: UInt32.self)
                    values[i] = Float(bitPattern: UInt32(littleEndian: bits))
                }
                tensors[entry.name] = Tensor(shape: entry.shape, values: values)
            }
        }
    }

    /// Reads and parses a file. Only a regular file (links followed) of at most `maxFileSize`
    /// bytes is read; a FIFO or device is refused before it is opened.
    public init(contentsOf path: String) throws {
        let size = try FileIdentity.regularFileSize(path, expected: "a .safetensors file")
        guard size <= Self.maxFileSize else {
            throw FileError(path, "is \(size) bytes, larger than the largest checkpoint (\(Self.maxFileSize) bytes: \(ModelConfig.maxParameterCount) weights with their optimizer state)")
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError(path, "cannot read: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        // Exactly the size stat gave: a file that grows meanwhile cannot make us read more.
        var data = Data(count: size)
        let got = data.withUnsafeMutableBytes { raw -> Int in
            var offset = 0
            while offset < size {
                let n = read(fd, raw.baseAddress! + offset, size - offset)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return n < 0 ? -1 : offset }
                offset += n
            }
            return offset
        }
        guard got >= 0 else { throw FileError(path, "cannot read: \(String(cString: strerror(errno)))") }
        try self.init(data: data.prefix(got), path: path)
    }

    /// A JSON number that is a whole number in `Int`'s range (8 and 8.0, not 8.5, 1e30 or true).
    static func wholeNumber(_ value: Any) -> Int? {
        // JSON true and false arrive as NSNumber's boolean subclass (`is Bool` would catch 0 and 1 too).
        guard let number = value as? NSNumber, type(of: number) != type(of: NSNumber(value: true)) else { return nil }
        // Foundation's bridging is exact: 8.5 and 2^64 give nil.
        return number as? Int
    }
}

/// A JSON string literal.
func jsonString(_ s: String) -> String {
    let data = try! JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes])
    return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
}
