import Foundation

/// Progress on stderr: one line redrawn in place on a terminal, else a plain line every few seconds.
final class ProgressLine {
    let isTerminal = isatty(STDERR_FILENO) == 1
    let interval: Double
    var lastPrint = -Double.infinity
    var width = 0
    /// False for a process that shows nothing (a training rank other than 0).
    let enabled: Bool

    init(interval: Double = 5, enabled: Bool = true) { (self.interval, self.enabled) = (interval, enabled) }

    func update(_ text: String, now: Double) {
        guard enabled else { return }
        if isTerminal {
            let padded = text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0)
            width = text.count
            FileHandle.standardError.write(Data(("\r" + padded).utf8))
        } else if now - lastPrint >= interval {
            lastPrint = now
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }
    }

    /// Ends the redrawn line so that the next message starts on its own line.
    func finish() {
        if isTerminal && width > 0 { FileHandle.standardError.write(Data("\n".utf8)) }
        width = 0
    }
}

func formatDuration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "?" }
    let s = Int(seconds.rounded())
    return s >= 3600 ? String(format: "%dh%02dm", s / 3600, (s % 3600) / 60)
        : s >= 60 ? String(format: "%dm%02ds", s / 60, s % 60) : "\(s)s"
}

func monotonicSeconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// The size of the next block of generation: about a tenth of a second of work at the measured
/// speed, so that a stop request is seen within that time however slow the model, and never more
/// than a tenth of a second of audio, so that progress and playback stay fresh.
struct BlockSize {
    let limit: Int
    private(set) var next: Int

    /// - first: the first block, before any speed is known (small, so that even a very slow model
    ///   sees a stop request soon).
    init(sampleRate: Int, first: Int = 32) {
        limit = max(1, sampleRate / 10)
        next = max(1, min(first, limit))
    }

    /// Records that a block of `samples` per stream took `seconds`.
    mutating func measured(samples: Int, seconds: Double) {
        let perSecond = Double(samples) / max(seconds, 1e-9)
        next = max(1, min(limit, Int(min(perSecond * 0.1, Double(limit)))))
    }
}
