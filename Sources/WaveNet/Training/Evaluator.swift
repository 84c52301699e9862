import Foundation

/// Negative log-likelihood of whole sequences, the figure `wavenet eval` reports.
///
/// Every class but the first of each sequence is a target, predicted from everything before it
/// with zeros before the start; the result is the mean over all targets of all sequences. Long
/// sequences are cut into chunks of `chunk` targets, each with a full receptive field of real
/// context, which gives exactly the full-sequence figure.
public final class Evaluator {
    public struct Result: Codable, Sendable, Equatable {
        public var natsPerSample: Double
        public var samples: Int
        /// Entropy of the targets' class histogram: what a model that ignores context would score.
        public var unigramBitsPerSample: Double
        public var bitsPerSample: Double { natsPerSample / log(2) }

        enum CodingKeys: String, CodingKey {
            case natsPerSample = "nats_per_sample", samples, bitsPerSample = "bits_per_sample"
            case unigramBitsPerSample = "unigram_bits_per_sample"
        }

        public init(natsPerSample: Double, samples: Int, unigramBitsPerSample: Double) {
            self.natsPerSample = natsPerSample
            self.samples = samples
            self.unigramBitsPerSample = unigramBitsPerSample
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            natsPerSample = try container.decode(Double.self, forKey: .natsPerSample)
            samples = try container.decode(Int.self, forKey: .samples)
            unigramBitsPerSample = try container.decode(Double.self, forKey: .unigramBitsPerSample)
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(natsPerSample, forKey: .natsPerSample)
            try container.encode(bitsPerSample, forKey: .bitsPerSample)
            try container.encode(samples, forKey: .samples)
            try container.encode(unigramBitsPerSample, forKey: .unigramBitsPerSample)
        }

        /// Entropy in bits of the histogram of every class but the first of each sequence.
        public static func unigramBits(_ sequences: [[Int32]], classes: Int) -> Double {
            var counts = [Int](repeating: 0, count: classes)
            var total = 0
            for sequence in sequences {
                for c in sequence.dropFirst() { counts[Int(c)] += 1 }
                total += max(sequence.count - 1, 0)
            }
            guard total > 0 else { return 0 }
            return counts.reduce(0.0) { sum, n in
                n == 0 ? sum : sum - Double(n) / Double(total) * log2(Double(n) / Double(total))
            }
        }
    }

    let engine: GradientEngine
    let classes: Int
    let chunk: Int
    let batchSize: Int
    let context: Int
    let local: LocalConfig?
    let group: ProcessGroup

    /// With a `group` of several processes, each evaluates every size-th batch of chunks and the
    /// sums are added up, so every process gets the whole figure.
    public init(parameters: Parameters, threads: Int, chunk: Int = 8000, group: ProcessGroup = SingleProcess()) {
        local = parameters.config.local
        self.group = group
        self.chunk = chunk
        classes = parameters.config.quantizationChannels
        context = parameters.config.receptiveField - 1
        batchSize = max(threads, 1) * 2
        engine = GradientEngine(parameters: parameters, threads: threads, batch: batchSize,
                                length: chunk + context, outputs: chunk)
    }

    /// Bytes an evaluator of this size allocates.
    public static func estimatedBytes(config: ModelConfig, threads: Int, chunk: Int = 8000) -> Double {
        GradientEngine.estimatedBytes(config: config, threads: threads, batch: max(threads, 1) * 2,
                                      length: chunk + config.receptiveField - 1, outputs: chunk)
    }

    /// Mean cross-entropy over all targets of `items`; per item when asked.
    public func evaluate(_ items: [Corpus.Item]) throws -> (total: Result, perItem: [Result]) {
        var chunks: [(item: Int, input: [Int32], targets: [Int32], classID: Int?, frames: FrameWindow?)] = []
        for (index, item) in items.enumerated() {
            let c = item.classes
            var p = 0
            while p + 1 < c.count {
                let outputs = min(chunk, c.count - 1 - p)
                let first = max(0, p - context)
                chunks.append((index, Array(c[first..<p + outputs]), Array(c[p + 1..<p + outputs + 1]), item.classID,
                               item.frameWindow(start: first, length: p + outputs - first, local: local)))
                p += outputs
            }
        }
        var sums = [Double](repeating: 0, count: items.count)
        for (number, start) in stride(from: 0, to: chunks.count, by: batchSize).enumerated() where number % group.size == group.rank {
            let part = chunks[start..<min(start + batchSize, chunks.count)]
            let batch = Batch(inputs: part.map(\.input), targets: part.map(\.targets),
                              classIDs: part.first?.classID == nil ? nil : part.map { $0.classID! },
                              frames: local == nil ? nil : part.map { $0.frames! })
            for (chunkLoss, entry) in zip(engine.sequenceLosses(batch), part) { sums[entry.item] += chunkLoss }
        }
        if group.size > 1 { try group.sum(&sums) }
        let counts = items.map { max($0.classes.count - 1, 0) }
        let perItem = items.indices.map { i in
            Result(natsPerSample: counts[i] > 0 ? sums[i] / Double(counts[i]) : 0, samples: counts[i],
                   unigramBitsPerSample: Result.unigramBits([items[i].classes], classes: classes))
        }
        let totalCount = counts.reduce(0, +)
        let total = Result(natsPerSample: totalCount > 0 ? sums.reduce(0, +) / Double(totalCount) : 0, samples: totalCount,
                           unigramBitsPerSample: Result.unigramBits(items.map(\.classes), classes: classes))
        return (total, perItem)
    }
}
