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
    /// Hidden files and folders are passed over; other non-audio files give one warning each.
    /// Throws if `folder` is not a folder or holds no usable audio.
    public static func scan(_ folder: String) throws -> Scan {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) else {
            throw FileError(folder, "no such folder")
        }
        guard isDirectory.boolValue else { throw FileError(folder, "is a file, expected a folder of audio files") }
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else {
            throw FileError(folder, "cannot list folder")
        }
        var candidates: [String] = []
        while let relative = enumerator.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if name.hasPrefix(".") {
                if (enumerator.fileAttributes?[.type] as? FileAttributeType) == .typeDirectory { enumerator.skipDescendants() }
                continue
            }
            if (enumerator.fileAttributes?[.type] as? FileAttributeType) == .typeRegular { candidates.append(relative) }
        }
        // Byte-wise order of the relative path: independent of locale and of the file system's listing order.
        candidates.sort { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        var files: [String] = []
        var warnings: [String] = []
        let base = folder.hasSuffix("/") ? String(folder.dropLast()) : folder
        for relative in candidates {
            let path = base + "/" + relative
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

    /// Expands a mix of files and folders into files, folders scanned recursively.
    public static func expand(_ paths: [String]) throws -> Scan {
        var result = Scan(files: [], warnings: [])
        for path in paths {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
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
