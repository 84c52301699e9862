import Foundation

/// An advisory lock (`flock`) that one process holds on a path for as long as this object lives,
/// so that two trainings of the same checkpoint refuse each other instead of overwriting each
/// other's work. The lock is on a hidden sidecar `.NAME.lock`, because saving renames a new
/// file over the checkpoint, which a lock on the checkpoint itself would not survive.
public final class FileLock {
    public let path: String
    private let descriptor: Int32

    public init(for path: String) throws {
        let url = URL(fileURLWithPath: path)
        let lockPath = url.deletingLastPathComponent().path + "/." + url.lastPathComponent + ".lock"
        self.path = lockPath
        descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileError(path, "cannot create the lock \(lockPath): \(String(cString: strerror(errno)))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let busy = errno == EWOULDBLOCK
            close(descriptor)
            throw FileError(path, busy ? "another wavenet run is training this checkpoint (it holds \(lockPath)); wait for it to finish"
                                       : "cannot lock \(lockPath): \(String(cString: strerror(errno)))")
        }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
