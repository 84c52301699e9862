import ArgumentParser

@main
struct WaveNetCommand: ParsableCommand {

    static let configuration = CommandConfiguration(
        commandName: "wavenet",
        abstract: "Train WaveNet models on your audio, generate new audio, and hear it live.",
        subcommands: [Train.self, Generate.self, Play.self, Eval.self, Info.self, Bench.self])
}
