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

    /// Parses a whole file; any deviation from the format throws with `path` in the message.
    public init(data: Data, path: String) throws {
        func fail(_ problem: String) -> FileError { FileError(path, "not a valid safetensors file: \(problem)") }
        guard data.count >= 8 else { throw fail("file is \(data.count) bytes, shorter than the 8-byte header length") }
        let headerLength = data.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength >= 2, headerLength <= UInt64(data.count - 8), headerLength <= 100_000_000 else {
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
            guard let shape = (info["shape"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  shape.count == (info["shape"] as? [Any])?.count, shape.allSatisfy({ $0 >= 0 }) else {
                throw fail("\(name) has an invalid shape")
            }
            guard let offsets = (info["data_offsets"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1] else {
                throw fail("\(name) has invalid data_offsets")
            }
            let elements = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).partialValue }
            guard offsets[1] - offsets[0] == elements * 4 else {
                throw fail("\(name): shape \(shape) needs \(elements * 4) bytes, data_offsets give \(offsets[1] - offsets[0])")
            }
            guard offsets[1] <= dataSize else {
                throw fail("\(name) ends at byte \(offsets[1]) but the data is \(dataSize) bytes (truncated file?)")
            }
            entries.append((name, offsets[0], offsets[1], shape))
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

    public init(contentsOf path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FileError(path, "no such file")
        }
        guard !isDirectory.boolValue else { throw FileError(path, "is a directory, expected a .safetensors file") }
        guard let data = FileManager.default.contents(atPath: path) else { throw FileError(path, "cannot read file") }
        try self.init(data: data, path: path)
    }
}

/// A JSON string literal.
func jsonString(_ s: String) -> String {
    let data = try! JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes])
    return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
}
