/// The reference for `Generator`: every new sample runs the full forward pass over the last
/// receptive field of its stream. Same sampling and random streams, so with equal logits it
/// draws the same samples. O(receptive field) per sample: for tests and benchmarks.
public final class NaiveGenerator {
    public let config: ModelConfig
    let parameters: Parameters
    let classIDs: [Int]?
    let workspace: SequenceWorkspace
    var histories: [[Int32]]
    var rngs: [SplitMix64]
    public var temperature: Float

    public init(parameters: Parameters, streams: Int, classIDs: [Int]? = nil, temperature: Float = 1, seed: UInt64 = 1) {
        self.parameters = parameters
        config = parameters.config
        self.classIDs = classIDs
        self.temperature = temperature
        workspace = SequenceWorkspace(config: config, capacity: config.receptiveField, targetCapacity: 1)
        histories = [[Int32]](repeating: [], count: streams)
        rngs = (0..<streams).map { SplitMix64.derived(seed: seed, index: UInt64($0)) }
    }

    public func prime(_ prime: [Int32]) {
        for k in histories.indices { histories[k] += prime }
    }

    /// Logits after the history of stream k: [Q].
    public func logits(stream k: Int) -> [Float] {
        let window = Array(histories[k].suffix(config.receptiveField))
        _ = window.withUnsafeBufferPointer { Network.forward(parameters, workspace, input: $0, outputs: 1, classID: classIDs?[k]) }
        return workspace.logitsCopy()
    }

    public func generate(_ count: Int) -> [[Int32]] {
        let Q = config.quantizationChannels
        var output = [[Int32]](repeating: [], count: histories.count)
        for k in histories.indices {
            // The class of silence at position 0, after the same lead-in as Generator's.
            if histories[k].isEmpty {
                histories[k] = [Int32](repeating: MuLaw(classes: Q).silence, count: GeneratorLane.leadIn(config) + 1)
            }
            for _ in 0..<count {
                var row = logits(stream: k)
                let next = row.withUnsafeMutableBufferPointer {
                    Sampling.sample($0.baseAddress!, Q, temperature: temperature, rng: &rngs[k])
                }
                output[k].append(next)
                histories[k].append(next)
            }
        }
        return output
    }
}
