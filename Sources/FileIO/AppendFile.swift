import Foundation

/// A file opened for appending (the training log): every write goes to the end, and every
/// error (a full disk, a removed device) becomes one `FileError` instead of a trap.
public final class AppendFile {
    public let path: String
    private let descriptor: Int32

    /// Opens `path` for appending, creating it if missing. Refuses anything but a regular file.
    public init(_ path: String) throws {
        try AtomicFile.checkWritable(path)
        self.path = path
        descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileError(path, "cannot open for appending: \(String(cString: strerror(errno)))") }
    }

    deinit { close(descriptor) }

    /// Appends all of `data`.
    public func write(_ data: Data) throws { try writeFully(descriptor, data, path: path) }
}

/// Writes all of `data` to `descriptor`, retrying short writes; an error names `path`.
func writeFully(_ descriptor: Int32, _ data: Data, path: String) throws {
    try data.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
            let n = Foundation.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw FileError(path, "cannot write: \(String(cString: strerror(n < 0 ? errno : ENOSPC)))") }
            offset += n
        }
    }
}
