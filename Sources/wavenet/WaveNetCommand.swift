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
        do {
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

/// `generate` or `play` stopped by a signal after writing partial output, which `description` names.
struct Interrupted: Error, CustomStringConvertible {
    let description: String
}
