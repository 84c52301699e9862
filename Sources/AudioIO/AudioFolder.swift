import FileIO
import Foundation

/// Finding the audio files in a folder tree.
public enum AudioFolder {
    public struct Scan: Sendable {
        /// Readable audio files, sorted by path so that the order is the same on every run.
        public var files: [String]
        /// One line for each file that was skipped, and why.
        public var warnings: [String]
    }

    /// Lists every readable audio file below `folder`, recursively, in a stable order.
    /// Symlinked files and folders are followed; a folder or file reached a second time (a
    /// symlink loop, two links to one folder, a link beside its target) is taken once. Hidden files and folders are passed over;
    /// other non-audio files, non-regular files (FIFOs, devices, sockets) and broken links give
    /// one warning each. MIDI files (`.mid`, `.midi`), the companions of a notes model's audio,
    /// and documents (`.md`, `.txt`, `.csv`, `.json`, `.pdf`, `.html`) are passed over without one. Throws if `folder` is not a folder or holds no usable audio.
    public static func scan(_ folder: String) throws -> Scan {
        guard let root = FileIdentity(folder) else { throw FileError(folder, "no such folder") }
        guard root.isDirectory else { throw FileError(folder, "is a file, expected a folder of audio files") }
        let base = folder.hasSuffix("/") ? String(folder.dropLast()) : folder
        var candidates: [(relative: String, identity: FileIdentity)] = []
        var warnings: [String] = []
        // (device, inode) of every folder scanned so far, with the path it was first scanned under.
        var visited: [FileIdentity: String] = [root: base]

        func walk(_ relative: String, ancestors: [FileIdentity]) throws {
            let folderPath = relative.isEmpty ? base : base + "/" + relative
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: folderPath)
            } catch {
                if relative.isEmpty { throw FileError(folder, "cannot list folder") }
                warnings.append("warning: skipping \(folderPath): cannot list folder")
                return
            }
            // Byte-wise order: independent of locale and of the file system's listing order.
            for name in names.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) where !name.hasPrefix(".") {
                let child = relative.isEmpty ? name : relative + "/" + name
                let path = base + "/" + child
                guard let entry = FileIdentity(path) else {
                    // Listed a moment ago, so a missing target means a broken link.
                    let problem = errno == ENOENT ? "broken symbolic link" : String(cString: strerror(errno))
                    warnings.append("warning: skipping \(path): \(problem)")
                    continue
                }
                if entry.isRegular {
                    candidates.append((child, entry))
                } else if entry.isDirectory {
                    if ancestors.contains(entry) {
                        warnings.append("warning: skipping \(path): symbolic link loop back to \(visited[entry] ?? base)")
                    } else if let first = visited[entry] {
                        warnings.append("warning: skipping \(path): same folder as \(first), already scanned")
                    } else {
                        visited[entry] = path
                        try walk(child, ancestors: ancestors + [entry])
                    }
                } else {
                    warnings.append("warning: skipping \(path): not a regular file")
                }
            }
        }
        try walk("", ancestors: [root])

        // Byte-wise order of the relative path, over the whole tree.
        candidates.sort { Array($0.relative.utf8).lexicographicallyPrecedes(Array($1.relative.utf8)) }
        var files: [String] = []
        // A file reached through two names (a symlink beside its target, a hard link) counts once.
        var seen: [FileIdentity: String] = [:]
        for (relative, identity) in candidates {
            let path = base + "/" + relative
            if let first = seen[identity] {
                warnings.append("warning: skipping \(path): same file as \(first)")
                continue
            }
            seen[identity] = path
            if companionExtensions.contains((relative as NSString).pathExtension.lowercased()) { continue }
            switch AudioFile.isReadableAudio(path) {
            case .success: files.append(path)
            case .failure(let error): warnings.append("warning: skipping \(error)")
            }
        }
        guard !files.isEmpty else {
            throw FileError(folder, candidates.isEmpty ? "folder is empty, no audio files found" : "no readable audio files among \(candidates.count) files")
        }
        return Scan(files: files, warnings: warnings)
    }

    /// Files that sit beside audio on purpose: a notes model's MIDI, and a corpus's documents
    /// (its README, licence, transcripts, metadata tables), which no one expects a warning for.
    static let companionExtensions: Set<String> = ["mid", "midi", "md", "txt", "csv", "json", "pdf", "html"]

    /// Expands a mix of files and folders into files, folders scanned recursively. A named path
    /// that exists but is neither a regular file nor a folder is refused ("not a regular file");
    /// a missing one is kept, for the reader to report.
    public static func expand(_ paths: [String]) throws -> Scan {
        var result = Scan(files: [], warnings: [])
        for path in paths {
            if let entry = FileIdentity(path), !entry.isRegular {
                guard entry.isDirectory else { throw FileError(path, "not a regular file") }
                let scan = try scan(path)
                result.files += scan.files
                result.warnings += scan.warnings
            } else {
                result.files.append(path)
            }
        }
        return result
    }

    /// The classes of a conditioned corpus: the immediate sub-folders of `folder`, sorted, hidden
    /// ones passed over. Audio directly in `folder` is refused (it would have no class); a single
    /// class gives a warning, since conditioning then has nothing to tell apart.
    public static func classFolders(_ folder: String) throws -> (names: [String], warnings: [String]) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) else { throw FileError(folder, "no such folder") }
        guard isDirectory.boolValue else { throw FileError(folder, "is a file, expected a folder of class folders") }
        var names: [String] = []
        for entry in try FileManager.default.contentsOfDirectory(atPath: folder).sorted() where !entry.hasPrefix(".") {
            let path = folder + "/" + entry
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                names.append(entry)
            } else if case .success = AudioFile.isReadableAudio(path) {
                throw FileError(path, "audio directly in the data folder has no class; with --conditioned put every file in a class sub-folder")
            }
        }
        guard !names.isEmpty else {
            throw FileError(folder, "no class sub-folders; with --conditioned every immediate sub-folder is a class")
        }
        let warnings = names.count == 1 ? ["warning: \(folder) has a single class (\(names[0])); conditioning has nothing to tell apart"] : []
        return (names, warnings)
    }
}
