/// Class sequences to train or evaluate on: one per audio file, already mu-law encoded.
public struct Corpus: Sendable {
    public struct Item: Sendable {
        public var name: String
        public var classes: [Int32]
        /// Conditioning class id, with a conditioned model.
        public var classID: Int?
        /// [frames, F] time-major feature frames, with a locally conditioned model.
        public var features: [Float]?

        public init(name: String, classes: [Int32], classID: Int? = nil, features: [Float]? = nil) {
            self.name = name
            self.classes = classes
            self.classID = classID
            self.features = features
        }

        /// The frames `n` inputs from file position `start` read, with the context the spec asks
        /// for (4 frames before, 2 after, cut at the file's edges); nil without features.
        public func frameWindow(start: Int, length n: Int, local: LocalConfig?) -> FrameWindow? {
            guard let features, let local else { return nil }
            let F = local.channels, frames = features.count / F
            let first = max(0, (start + 1) / local.hop - LocalConfig.framesBefore)
            let end = min(frames, (start + n) / local.hop + LocalConfig.framesAfter + 1)
            return FrameWindow(values: Array(features[first * F..<end * F]), count: end - first, start: start, firstFrame: first)
        }
    }

    public var items: [Item]

    public init(_ items: [Item]) { self.items = items }

    public var sampleCount: Int { items.reduce(0) { $0 + $1.classes.count } }

    /// Splits off whole items for validation: `round(fraction * count)` of them, at least one when
    /// there are two or more items and fraction > 0, spread evenly through the (sorted) list.
    /// With class ids each class is split on its own, so every class is validated.
    public func split(validationFraction fraction: Double) -> (training: Corpus, validation: Corpus) {
        var training: [Item] = [], validation: [Item] = []
        for group in classGroups {
            let n = group.count
            guard fraction > 0, n >= 2 else {
                training += group.map { items[$0] }
                continue
            }
            let held = min(n - 1, max(1, Int((fraction * Double(n)).rounded())))
            let picks = Set((0..<held).map { j in Int((Double(j) + 0.5) * Double(n) / Double(held)) })
            for (position, index) in group.enumerated() {
                if picks.contains(position) { validation.append(items[index]) } else { training.append(items[index]) }
            }
        }
        return (Corpus(training), Corpus(validation))
    }

    /// Item indices grouped by class id (one group without classes), in order of class id.
    public var classGroups: [[Int]] {
        let ids = Array(Set(items.map { $0.classID ?? -1 })).sorted()
        return ids.map { id in items.indices.filter { (items[$0].classID ?? -1) == id } }
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
    /// With a locally conditioned model: how items' features become each window's frames.
    public let local: LocalConfig?
    /// Per class (one group without classes): items long enough for a window, and the
    /// cumulative count of window start positions over them.
    struct Group: Sendable {
        var items: [Int]
        var cumulativeStarts: [Int]
    }
    let groups: [Group]

    public init(corpus: Corpus, segment: Int, receptiveField: Int, seed: UInt64, local: LocalConfig? = nil) throws {
        self.corpus = corpus
        self.local = local
        self.segment = segment
        self.seed = seed
        window = segment + receptiveField
        var groups: [Group] = []
        for members in corpus.classGroups {
            var group = Group(items: [], cumulativeStarts: [0])
            for index in members where corpus.items[index].classes.count >= window {
                group.items.append(index)
                group.cumulativeStarts.append(group.cumulativeStarts.last! + corpus.items[index].classes.count - window + 1)
            }
            if !group.items.isEmpty { groups.append(group) }
        }
        guard !groups.isEmpty else {
            let longest = corpus.items.map(\.classes.count).max() ?? 0
            throw TrainingError.segmentTooLong(
                "a training window needs \(window) samples (segment \(segment) + receptive field \(receptiveField)), "
                + "but the longest training file has \(longest); use a shorter --segment or longer audio")
        }
        self.groups = groups
    }

    /// Items too short to hold one window (they are not trained on).
    public var skippedItems: [String] {
        let used = Set(groups.flatMap(\.items))
        return corpus.items.indices.filter { !used.contains($0) }.map { corpus.items[$0].name }
    }

    /// Class ids that have no item long enough for a window.
    public var classesWithoutWindows: Set<Int> {
        let trained = Set(groups.flatMap { $0.items.compactMap { corpus.items[$0].classID } })
        return Set(corpus.items.compactMap(\.classID)).subtracting(trained)
    }

    /// The batch for training step `step` (1-based): each window picks a class uniformly (so that
    /// batches mix classes evenly whatever their amounts of audio), then a position uniformly
    /// within that class's audio. With `share`, only those windows of the batch are returned (one
    /// process's part of a distributed step); the others are drawn all the same, so each window is
    /// the same whatever the number of processes.
    public func batch(step: Int, count: Int, share: Range<Int>? = nil) -> Batch {
        var rng = SplitMix64.derived(seed: seed, index: UInt64(step))
        var inputs: [[Int32]] = [], targets: [[Int32]] = [], classIDs: [Int] = [], frames: [FrameWindow] = []
        let share = share ?? 0..<count
        for index in 0..<count {
            let group = groups.count == 1 ? groups[0] : groups[Int(rng.next() % UInt64(groups.count))]
            let position = Int(rng.next() % UInt64(group.cumulativeStarts.last!))
            // The item whose range of starts holds `position`.
            var low = 0, high = group.items.count - 1
            while low < high {
                let mid = (low + high + 1) / 2
                if group.cumulativeStarts[mid] <= position { low = mid } else { high = mid - 1 }
            }
            guard share.contains(index) else { continue }
            let item = corpus.items[group.items[low]]
            let start = position - group.cumulativeStarts[low]
            let windowClasses = item.classes[start..<start + window]
            inputs.append(Array(windowClasses.dropLast()))
            targets.append(Array(windowClasses.suffix(segment)))
            if let id = item.classID { classIDs.append(id) }
            if let window = item.frameWindow(start: start, length: window - 1, local: local) { frames.append(window) }
        }
        return Batch(inputs: inputs, targets: targets, classIDs: classIDs.count == share.count ? classIDs : nil,
                     frames: frames.count == share.count ? frames : nil)
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
