import FileIO
import Foundation

/// One TensorBoard event file in a log folder, appended to event by event (each a whole TFRecord
/// in one write), so that `tensorboard --logdir` shows a run while it trains.
public final class EventFile {
    public let path: String
    let file: AppendFile

    /// A new file `events.out.tfevents.<seconds>.<host>.<pid>.0` in `folder` (created if missing;
    /// refused if it is not a folder), starting with the `file_version` event.
    public init(folder: String, wallTime: Double = Date().timeIntervalSince1970) throws {
        try EventFile.prepare(folder)
        var host = [CChar](repeating: 0, count: 256)
        let hostName = gethostname(&host, host.count) == 0 ? String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "localhost"
        path = "\(folder)/events.out.tfevents.\(Int(wallTime)).\(hostName).\(getpid()).0"
        file = try AppendFile(path)
        try append(Event.fileVersion(wallTime: wallTime))
    }

    /// Creates `folder` (and its parents) if missing; a path that exists and is not a folder is refused.
    public static func prepare(_ folder: String) throws {
        guard !folder.isEmpty else { throw FileError("\"\"", "an empty --tensorboard folder") }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw FileError(folder, "is not a folder (--tensorboard takes a folder for event files)") }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw FileError(folder, "cannot create the folder: \((error as NSError).localizedDescription)")
        }
    }

    /// Appends one event (an encoded `Event` message) as a TFRecord.
    public func append(_ event: [UInt8]) throws { try file.write(Data(TFRecord.frame(event))) }
}
