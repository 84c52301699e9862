import Foundation

/// Training steps on synthetic data, timed: what `wavenet bench train` reports.
public struct TrainingBenchmark {
    public struct Result: Codable, Sendable {
        public var samplesPerSecond: Double
        public var secondsPerStep: [Double]
        public var peakMemoryBytes: Int
        public var parameters: Int
        public var batch: Int
        public var segment: Int
        public var threads: Int
        public var steps: Int

        enum CodingKeys: String, CodingKey {
            case samplesPerSecond = "samples_per_second", secondsPerStep = "seconds_per_step"
            case peakMemoryBytes = "peak_memory_bytes", parameters, batch, segment, threads, steps
        }
    }

    /// Runs `warmup + steps` Adam steps on random classes and reports the median step time.
    public static func run(config: ModelConfig, batch: Int, segment: Int, steps: Int, warmup: Int = 1,
                           threads: Int, seed: UInt64 = 1) throws -> Result {
        let parameters = try Parameters(config: config)
        parameters.initialize(seed: seed)
        let length = segment + config.receptiveField - 1
        let engine = GradientEngine(parameters: parameters, threads: threads, batch: batch, length: length, outputs: segment)
        let adam = Adam()
        let state = AdamState(count: parameters.layout.count)
        var rng = SplitMix64(seed: seed)
        let Q = UInt64(config.quantizationChannels)
        let data = Batch(inputs: (0..<batch).map { _ in (0..<length).map { _ in Int32(rng.next() % Q) } },
                         targets: (0..<batch).map { _ in (0..<segment).map { _ in Int32(rng.next() % Q) } },
                         classIDs: config.isConditioned ? (0..<batch).map { $0 % config.classCount } : nil)
        var times: [Double] = []
        for step in 1...(warmup + steps) {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = engine.lossAndGradients(data)
            Adam.clip(engine.gradients, maxNorm: nil)
            adam.update(parameters.values, engine.gradients, state, step: step)
            if step > warmup { times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
        }
        let median = times.sorted()[times.count / 2]
        return Result(samplesPerSecond: Double(batch * segment) / median, secondsPerStep: times,
                      peakMemoryBytes: peakMemoryBytes(), parameters: parameters.parameterCount,
                      batch: batch, segment: segment, threads: threads, steps: steps)
    }
}

/// The process's peak resident memory (VmHWM), in bytes; 0 where /proc is unavailable.
public func peakMemoryBytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return 0 }
    let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
    return kilobytes * 1024
}
