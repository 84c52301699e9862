import Foundation

/// Set by the first SIGINT or SIGTERM; checked between training steps and generated blocks.
nonisolated(unsafe) var stopRequested: sig_atomic_t = 0

/// Routes Ctrl-C and SIGTERM to `stopRequested` instead of killing the process, so that the
/// current step or block finishes and what is done is kept. A second signal ends the process at
/// once (exit 130): the user asked twice.
func installStopHandlers() {
    let handler: @convention(c) (Int32) -> Void = { _ in
        if stopRequested != 0 { _exit(130) }
        stopRequested = 1
    }
    signal(SIGINT, handler)
    signal(SIGTERM, handler)
}
