import Foundation

/// An existing file's identity, links followed: two paths name the same file when their
/// identities are equal, whatever their spelling (`./a.wav`, a symlink, a hard link).
public struct FileIdentity: Hashable, Sendable {
    public let device: UInt64
    public let inode: UInt64
    public let isRegular: Bool

    /// nil when nothing exists at `path`.
    public init?(_ path: String) {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
        isRegular = (status.st_mode & S_IFMT) == S_IFREG
    }

    /// True when `a` and `b` name the same file: the same existing file, or, for paths that do
    /// not exist yet, the same absolute path once `.`, `..` and symlinked folders are resolved.
    public static func same(_ a: String, _ b: String) -> Bool {
        if let x = FileIdentity(a), let y = FileIdentity(b) { return x == y }
        func resolved(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path }
        return resolved(a) == resolved(b)
    }
}

/// The rules every output path obeys before anything is written to it.
public enum OutputFile {
    /// Throws unless `path` can be written without harm: its folder exists and is writable, it is
    /// not a folder, anything already there is a regular file (a device node, FIFO or socket is
    /// never replaced), and it is none of `inputs` (each named by its flag, for the message).
    public static func check(_ path: String, inputs: [(flag: String, path: String)] = []) throws {
        try AtomicFile.checkWritable(path)
        for input in inputs where FileIdentity.same(path, input.path) {
            throw FileError(path, "is also the \(input.flag) input; refusing to write over it (choose another output)")
        }
    }
}
