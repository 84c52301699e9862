import Foundation

/// Writes a file under a temporary name in the destination folder, then renames it,
/// so that a reader (or a crash) never sees a partial file at the final path.
public enum AtomicFile {
    /// Throws unless a file could be written at `path`: its folder exists and is writable, and
    /// `path` is not a folder nor an existing non-regular file (a device node, FIFO or socket,
    /// which a rename would replace with a plain file).
    public static func checkWritable(_ path: String) throws {
        guard !path.isEmpty else { throw FileError("\"\"", "an empty output path") }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FileError(path, "cannot write: folder \(folder) does not exist")
        }
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { throw FileError(path, "cannot write: is a directory") }
            if FileIdentity(path)?.isRegular == false {
                throw FileError(path, "exists and is not a regular file (a device, FIFO or socket); refusing to replace it")
            }
        }
        guard access(folder, W_OK) == 0 else { throw FileError(path, "cannot write: folder \(folder) is not writable") }
    }

    /// Calls `body` with a temporary path to fill; renames it to `path` if `body` returns.
    /// On error the temporary file is removed and `path` is left as it was.
    public static func write(to path: String, _ body: (String) throws -> Void) throws {
        try writeAll([path]) { _, temp in try body(temp) }
    }

    /// All or nothing: fills a temporary file for each of `paths` (`body(i, temp)`), and renames
    /// them into place only when every one was written; on any error all temporaries are removed
    /// and every path is left as it was. A symlink at a path is written through to its target.
    public static func writeAll(_ paths: [String], _ body: (Int, String) throws -> Void) throws {
        let targets = paths.map { FileManager.default.fileExists(atPath: $0) ? URL(fileURLWithPath: $0).resolvingSymlinksInPath().path : $0 }
        for target in targets { try checkWritable(target) }
        var temps: [String] = []
        do {
            for (i, target) in targets.enumerated() {
                removeStaleTemporaries(of: target)
                let temp = temporaryPath(for: target)
                temps.append(temp)
                try body(i, temp)
            }
            for (temp, target) in zip(temps, targets) {
                guard rename(temp, target) == 0 else {
                    throw FileError(target, "cannot write: rename failed: \(String(cString: strerror(errno)))")
                }
            }
        } catch {
            for temp in temps { unlink(temp) }
            throw error
        }
    }

    /// Writes `data` atomically with an fsync before the rename.
    public static func write(_ data: Data, to path: String) throws {
        try write(to: path) { temp in
            let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw FileError(path, "cannot write: \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            try writeFully(fd, data, path: path)
            guard fsync(fd) == 0 else { throw FileError(path, "cannot write: fsync: \(String(cString: strerror(errno)))") }
        }
    }

    // MARK: - Temporary names

    /// `.NAME.tmp-PID-RANDOM.EXT` beside `path`: hidden, and with the real extension so that
    /// libraries choosing a format by extension see the right one.
    static func temporaryPath(for path: String) -> String {
        let (folder, stem, ext) = parts(of: path)
        return folder + "/." + stem + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))" + ext
    }

    /// Removes temporaries of `path` left by processes that no longer exist (killed during a save).
    static func removeStaleTemporaries(of path: String) {
        let (folder, stem, ext) = parts(of: path)
        let prefix = "." + stem + ".tmp-"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for entry in entries where entry.hasPrefix(prefix) && entry.hasSuffix(ext) {
            let rest = entry.dropFirst(prefix.count).dropLast(ext.count)
            let fields = rest.split(separator: "-")
            guard fields.count == 2, let pid = Int32(fields[0]), UInt32(fields[1]) != nil, pid > 0 else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { unlink(folder + "/" + entry) }
        }
    }

    static func parts(of path: String) -> (folder: String, stem: String, ext: String) {
        let url = URL(fileURLWithPath: path)
        return (url.deletingLastPathComponent().path, url.deletingPathExtension().lastPathComponent,
                url.pathExtension.isEmpty ? "" : "." + url.pathExtension)
    }
}
