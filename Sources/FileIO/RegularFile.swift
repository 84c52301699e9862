import Foundation

/// Whole-file reads of inputs: regular files only (symlinks followed), checked before opening so
/// that a FIFO never blocks, and never more than `limit` bytes.
public enum RegularFile {
    public static func read(_ path: String, limit: Int) throws -> Data {
        _ = try FileIdentity.regularFileSize(path, expected: "a file")
        guard let handle = FileHandle(forReadingAtPath: path) else { throw FileError(path, "cannot open: \(String(cString: strerror(errno)))") }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: limit + 1) ?? Data()
        } catch {
            throw FileError(path, "cannot read: \(error.localizedDescription)")
        }
        guard data.count <= limit else { throw FileError(path, "is larger than \(limit) bytes, the most this input may hold") }
        return data
    }
}
