import Foundation

/// Writes a file under a temporary name in the destination folder, then renames it,
/// so that a reader (or a crash) never sees a partial file at the final path.
public enum AtomicFile {
    /// Throws unless a file could be written at `path`: its folder exists and it is not a folder.
    public static func checkWritable(_ path: String) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FileError(path, "cannot write: folder \(folder) does not exist")
        }
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw FileError(path, "cannot write: is a directory")
        }
        guard access(folder, W_OK) == 0 else { throw FileError(path, "cannot write: folder \(folder) is not writable") }
    }

    /// Calls `body` with a temporary path to fill; renames it to `path` if `body` returns.
    /// On error the temporary file is removed and `path` is left as it was.
    public static func write(to path: String, _ body: (String) throws -> Void) throws {
        try checkWritable(path)
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let ext = url.pathExtension.isEmpty ? "" : "." + url.pathExtension
        let temp = folder + "/." + url.deletingPathExtension().lastPathComponent
            + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))" + ext
        do {
            try body(temp)
            guard rename(temp, path) == 0 else {
                throw FileError(path, "cannot write: rename failed: \(String(cString: strerror(errno)))")
            }
        } catch {
            unlink(temp)
            throw error
        }
    }

    /// Writes `data` atomically with an fsync before the rename.
    public static func write(_ data: Data, to path: String) throws {
        try write(to: path) { temp in
            let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0 else { throw FileError(path, "cannot write: \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            try data.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                    guard n > 0 else { throw FileError(path, "cannot write: \(String(cString: strerror(errno)))") }
                    offset += n
                }
            }
            guard fsync(fd) == 0 else { throw FileError(path, "cannot write: fsync: \(String(cString: strerror(errno)))") }
        }
    }
}
