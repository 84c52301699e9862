import Foundation

/// Set by SIGINT or SIGTERM; checked between training steps or generated blocks.
nonisolated(unsafe) var stopRequested: sig_atomic_t = 0

/// Routes Ctrl-C and SIGTERM to `stopRequested` instead of killing the process.
func installStopHandlers() {
    signal(SIGINT) { _ in stopRequested = 1 }
    signal(SIGTERM) { _ in stopRequested = 1 }
}
