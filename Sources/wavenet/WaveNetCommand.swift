import ArgumentParser
import Cluster
import Foundation
import WaveNet

@main
struct WaveNetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wavenet",
        abstract: "Train WaveNet models on your audio, generate new audio, and hear it live.",
        discussion: """
            Exit status: 0 success; 1 a runtime or file error; 64 a usage error (a wrong value or combination \
            of flags, found before any file is opened); 130 generate or play stopped by Ctrl-C or SIGTERM after \
            writing partial output.
            """,
        version: "wavenet \(Version.current)",
        subcommands: [Train.self, Generate.self, Play.self, Eval.self, Info.self, FeaturesCommand.self, Bench.self])

    /// Parses, runs, and turns every error into one line on stderr and the exit status above.
    static func main() {
        // A closed pipe (an ALSA `file:'|cmd'` device, a closed stdout) becomes EPIPE, reported
        // as an error where it happens, instead of a silent death by SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        // Likewise a file-size limit (ulimit -f) becomes EFBIG from write, not death by SIGXFSZ.
        signal(SIGXFSZ, SIG_IGN)
        do {
            try checkSubcommand(Array(CommandLine.arguments.dropFirst()))
            var command = try parseAsRoot()
            try command.run()
        } catch let error as Interrupted {
            printStatus("Error: \(error)")
            Foundation.exit(130)
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                // One line, no usage block: the subcommand's --help has the rest. Under mpirun every
                // process finds the same mistake; rank 0 alone says it.
                let message = self.message(for: error).split(separator: "\n").joined(separator: "; ")
                if (MPIEnvironment.detect()?.rank ?? 0) == 0 { printStatus("Error: \(message)") }
                Foundation.exit(code.rawValue)
            }
            exit(withError: error)  // help, version, and runtime errors (exit 1)
        }
    }
}

extension WaveNetCommand {
    /// A first argument that is no subcommand is named as such (ArgumentParser would complain
    /// about the next option instead: `wavenet generte --out x.wav` -> "Unknown option '--out'").
    static func checkSubcommand(_ arguments: [String]) throws {
        guard let first = arguments.first, !first.hasPrefix("-"), first != "help" else { return }
        let names = configuration.subcommands.map { $0._commandName }
        guard !names.contains(first) else { return }
        let closest = names.min { editDistance($0, first) < editDistance($1, first) }
        let hint = closest.flatMap { editDistance($0, first) <= 2 ? "did you mean '\($0)'? " : nil } ?? ""
        throw ValidationError("'\(first)' is not a subcommand; \(hint)the subcommands are \(names.joined(separator: ", "))")
    }

    /// Levenshtein distance, for the suggestion above.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }
}

/// `generate` or `play` stopped by a signal after writing partial output, which `description` names.
struct Interrupted: Error, CustomStringConvertible {
    let description: String
}
