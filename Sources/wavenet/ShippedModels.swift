import FileIO
import Foundation

/// The shipped models (`Checkpoints/NAME.safetensors`), found by short name wherever the tool
/// runs: `--checkpoint vocoder`, or the default of each mode.
enum ShippedModels {
    /// The folders searched, in order: $WAVENET_CHECKPOINTS, Checkpoints/ in the working folder,
    /// the package whose build tree holds
    /// the executable (`.build/release/wavenet` -> `Checkpoints/`; the link `.build/release`
    /// resolves one level deeper), and the installed share folder (`PREFIX/bin/wavenet` ->
    /// `PREFIX/share/wavenet`).
    static func folders(environment: [String: String] = ProcessInfo.processInfo.environment,
                        executable: String = executablePath()) -> [String] {
        var folders: [String] = []
        if let folder = environment["WAVENET_CHECKPOINTS"], !folder.isEmpty { folders.append(folder) }
        folders.append("Checkpoints")  // the package's own folder, when run from it
        let binFolder = URL(fileURLWithPath: executable).deletingLastPathComponent()
        folders.append(binFolder.appendingPathComponent("../../Checkpoints").standardized.path)
        folders.append(binFolder.appendingPathComponent("../../../Checkpoints").standardized.path)
        folders.append(binFolder.appendingPathComponent("../share/wavenet").standardized.path)
        return folders
    }

    /// This process's executable, links resolved (Linux's /proc/self/exe; argv[0] elsewhere).
    static func executablePath() -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        return URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
    }

    /// The path of shipped model `name`, or an error listing where it looked.
    static func find(_ name: String, folders: [String] = folders()) throws -> String {
        for folder in folders {
            let path = "\(folder)/\(name).safetensors"
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        throw FileError(name, "no shipped model of that name; looked for \(name).safetensors in "
                        + folders.joined(separator: ", ") + " (set WAVENET_CHECKPOINTS, or pass --checkpoint PATH)")
    }

    /// True for a value that names a shipped model rather than a file: no file by that name,
    /// no '/', no extension.
    static func isName(_ value: String) -> Bool {
        !value.isEmpty && !value.contains("/") && !value.contains(".") && FileIdentity(value)?.isRegular != true
    }

    /// A `--checkpoint` value as a path: a shipped model's name resolved, anything else as given
    /// (whose loading then says what is wrong with it).
    static func resolve(_ value: String) throws -> String {
        isName(value) ? try find(value) : value
    }
}
