/// Class sequences to train or evaluate on: one per audio file, already mu-law encoded.
public struct Corpus: Sendable {
    public struct Item: Sendable {
        public var name: String
        public var classes: [Int32]
        /// Conditioning class id, with a conditioned model.
        public var classID: Int?

        public init(name: String, classes: [Int32], classID: Int? = nil) {
            self.name = name
            self.classes = classes
            self.classID = classID
        }
    }

    public var items: [Item]

    public init(_ items: [Item]) { self.items = items }

    public var sampleCount: Int { items.reduce(0) { $0 + $1.classes.count } }

    /// Splits off whole items for validation: `round(fraction * count)` of them, at least one when
    /// there are two or more items and fraction > 0, spread evenly through the (sorted) list.
    public func split(validationFraction fraction: Double) -> (training: Corpus, validation: Corpus) {
        let n = items.count
        guard fraction > 0, n >= 2 else { return (self, Corpus([])) }
        let held = min(n - 1, max(1, Int((fraction * Double(n)).rounded())))
        let picks = Set((0..<held).map { j in Int((Double(j) + 0.5) * Double(n) / Double(held)) })
        return (Corpus(items.enumerated().filter { !picks.contains($0.offset) }.map(\.element)),
                Corpus(items.enumerated().filter { picks.contains($0.offset) }.map(\.element)))
    }
}

/// Random training windows: `segment` scored samples with a full receptive field of real audio
/// before them. Which windows step k uses depends only on the seed and k, so a resumed run
/// sees exactly the data an uninterrupted one would.
public struct SegmentSampler: Sendable {
    public let corpus: Corpus
    public let segment: Int
    /// Classes per window: receptiveField - 1 of context, `segment` inputs scored, and one more target.
    public let window: Int
    public let seed: UInt64
    /// Items long enough for a window, and the cumulative count of window start positions.
    let usable: [Int]
    let cumulativeStarts: [Int]

    public init(corpus: Corpus, segment: Int, receptiveField: Int, seed: UInt64) throws {
        self.corpus = corpus
        self.segment = segment
        self.seed = seed
        window = segment + receptiveField
        var usable: [Int] = [], cumulative: [Int] = [0]
        for (index, item) in corpus.items.enumerated() where item.classes.count >= window {
            usable.append(index)
            cumulative.append(cumulative.last! + item.classes.count - window + 1)
        }
        guard !usable.isEmpty else {
            let longest = corpus.items.map(\.classes.count).max() ?? 0
            throw TrainingError.segmentTooLong(
                "a training window needs \(window) samples (segment \(segment) + receptive field \(receptiveField)), "
                + "but the longest training file has \(longest); use a shorter --segment or longer audio")
        }
        self.usable = usable
        cumulativeStarts = cumulative
    }

    /// Items too short to hold one window (they are not trained on).
    public var skippedItems: [String] {
        let used = Set(usable)
        return corpus.items.indices.filter { !used.contains($0) }.map { corpus.items[$0].name }
    }

    /// The batch for training step `step` (1-based): `count` windows drawn uniformly over all positions.
    public func batch(step: Int, count: Int) -> Batch {
        var rng = SplitMix64.derived(seed: seed, index: UInt64(step))
        let total = UInt64(cumulativeStarts.last!)
        var inputs: [[Int32]] = [], targets: [[Int32]] = [], classes: [Int] = []
        for _ in 0..<count {
            let position = Int(rng.next() % total)
            // The item whose range of starts holds `position`.
            var low = 0, high = usable.count - 1
            while low < high {
                let mid = (low + high + 1) / 2
                if cumulativeStarts[mid] <= position { low = mid } else { high = mid - 1 }
            }
            let item = corpus.items[usable[low]]
            let start = position - cumulativeStarts[low]
            let windowClasses = item.classes[start..<start + window]
            inputs.append(Array(windowClasses.dropLast()))
            targets.append(Array(windowClasses.suffix(segment)))
            if let id = item.classID { classes.append(id) }
        }
        return Batch(inputs: inputs, targets: targets, classes: classes.count == count ? classes : nil)
    }
}

public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case segmentTooLong(String)
    case invalid(String)

    public var description: String {
        switch self {
        case .segmentTooLong(let message), .invalid(let message): message
        }
    }
}
