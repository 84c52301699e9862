import Dispatch

/// Timed generation: what `wavenet bench generate` reports.
public enum GenerationBenchmark {
    public struct Result: Codable, Sendable {
        public var samplesPerSecond: Double
        public var realtimeFactor: Double
        public var streams: Int
        public var samplesPerStream: Int
        public var threads: Int
        public var naive: Bool
        public var seconds: Double

        enum CodingKeys: String, CodingKey {
            case samplesPerSecond = "samples_per_second", realtimeFactor = "realtime_factor"
            case streams, samplesPerStream = "samples_per_stream", threads, naive, seconds
        }
    }

    /// Generates `samples` per stream after a short warm-up; samples/s counts all streams.
    public static func run(parameters: Parameters, streams: Int, samples: Int, naive: Bool, threads: Int, seed: UInt64 = 1) -> Result {
        let classIDs = parameters.config.isConditioned ? (0..<streams).map { $0 % parameters.config.classCount } : nil
        // A local model reads random frames, enough for the warm-up and the timed samples.
        var rng = SplitMix64(seed: seed)
        let frames = parameters.config.local.map { local in
            (0..<streams).map { _ in (0..<((samples + 64) / local.hop + 2) * local.channels).map { _ in 2 * rng.nextUnitFloat() - 1 } }
        }
        let seconds: Double
        if naive {
            let generator = NaiveGenerator(parameters: parameters, streams: streams, classIDs: classIDs, seed: seed)
            Matmul.setThreads(threads)
            _ = generator.generate(4)
            let start = DispatchTime.now().uptimeNanoseconds
            _ = generator.generate(samples)
            seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } else {
            let generator = Generator(parameters: parameters, streams: streams, classIDs: classIDs, frames: frames, seed: seed, threads: threads)
            _ = generator.generate(64)
            let start = DispatchTime.now().uptimeNanoseconds
            _ = generator.generate(samples)
            seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        let rate = Double(streams * samples) / seconds
        return Result(samplesPerSecond: rate, realtimeFactor: rate / Double(streams) / Double(parameters.config.sampleRate),
                      streams: streams, samplesPerStream: samples, threads: threads, naive: naive, seconds: seconds)
    }
}
