import Foundation

/// An existing file's identity, links followed: two paths name the same file when their
/// identities are equal (device and inode), whatever their spelling (`./a.wav`, a symlink, a hard link).
public struct FileIdentity: Hashable, Sendable {
    public let device: UInt64
    public let inode: UInt64
    public let isRegular: Bool
    public let isDirectory: Bool
    public let isFIFO: Bool
    public let isCharacterDevice: Bool
    /// Bytes, for a regular file.
    public let size: Int

    /// nil when nothing exists at `path` (or a link is broken), with `errno` telling why.
    public init?(_ path: String) {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
        isRegular = (status.st_mode & S_IFMT) == S_IFREG
        isDirectory = (status.st_mode & S_IFMT) == S_IFDIR
        isFIFO = (status.st_mode & S_IFMT) == S_IFIFO
        isCharacterDevice = (status.st_mode & S_IFMT) == S_IFCHR
        size = Int(status.st_size)
    }

    public static func == (a: FileIdentity, b: FileIdentity) -> Bool { a.device == b.device && a.inode == b.inode }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(device)
        hasher.combine(inode)
    }

    /// The size of the regular file at `path`, links followed; throws for anything else, so that a
    /// FIFO or a device is refused before anything opens it (opening a FIFO blocks until a writer
    /// comes). `expected` names what a folder should have been ("an audio file").
    public static func regularFileSize(_ path: String, expected: String) throws -> Int {
        guard let identity = FileIdentity(path) else {
            throw FileError(path, errno == ENOENT ? "no such file" : "cannot read: \(String(cString: strerror(errno)))")
        }
        if identity.isDirectory { throw FileError(path, "is a directory, expected \(expected)") }
        guard identity.isRegular else { throw FileError(path, "not a regular file") }
        return identity.size
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
