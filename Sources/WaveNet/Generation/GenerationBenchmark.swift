import Dispatch

/// Timed generation: what `wavenet bench generate` reports.
public enum GenerationBenchmark {
    public struct Result: Codable, Sendable {
        public var samplesPerSecond: Double
        public var realtimeFactor: Double
        public var streams: Int
        public var samplesPerStream: Int
        public var threads: Int
        public var kernel: String
        public var precision: String
        /// The instruction set of the C kernels (the naive path runs through sgemm).
        public var isa: String
        public var seconds: Double
        /// Operations of one sample of one stream (products counted twice), and their rate.
        public var flopsPerSample: Int
        public var gflops: Double
        /// Weight bytes one step of one lane reads.
        public var weightBytesPerStep: Int

        enum CodingKeys: String, CodingKey {
            case samplesPerSecond = "samples_per_second", realtimeFactor = "realtime_factor"
            case streams, samplesPerStream = "samples_per_stream", threads, kernel, precision, isa, seconds
            case flopsPerSample = "flops_per_sample", gflops, weightBytesPerStep = "weight_bytes_per_step"
        }
    }

    /// The kernels `bench generate --kernel` compares: the naive reference, then `GenerationKernel`'s.
    public enum Kernel: String, CaseIterable, Sendable {
        case naive, baseline, fused
    }

    /// Generates `samples` per stream after a short warm-up; samples/s counts all streams.
    public static func run(parameters: Parameters, streams: Int, samples: Int, kernel: Kernel, precision: WeightPrecision = .float,
                           threads: Int, seed: UInt64 = 1) -> Result {
        let classIDs = parameters.config.isConditioned ? (0..<streams).map { $0 % parameters.config.classCount } : nil
        // A local model reads random frames, enough for the warm-up and the timed samples.
        var rng = SplitMix64(seed: seed)
        let frames = parameters.config.local.map { local in
            (0..<streams).map { _ in (0..<((samples + 64) / local.hop + 2) * local.channels).map { _ in 2 * rng.nextUnitFloat() - 1 } }
        }
        let seconds: Double
        if kernel == .naive {
            let generator = NaiveGenerator(parameters: parameters, streams: streams, classIDs: classIDs, seed: seed)
            Matmul.setThreads(threads)
            _ = generator.generate(4)
            let start = DispatchTime.now().uptimeNanoseconds
            _ = generator.generate(samples)
            seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } else {
            let generator = Generator(parameters: parameters, streams: streams, classIDs: classIDs, frames: frames, seed: seed,
                                      threads: threads, kernel: kernel == .fused ? .fused : .baseline, precision: precision)
            _ = generator.generate(64)
            let start = DispatchTime.now().uptimeNanoseconds
            _ = generator.generate(samples)
            seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        let rate = Double(streams * samples) / seconds
        return Result(samplesPerSecond: rate, realtimeFactor: rate / Double(streams) / Double(parameters.config.sampleRate),
                      streams: streams, samplesPerStream: samples, threads: threads, kernel: kernel.rawValue, precision: precision.rawValue,
                      isa: kernel == .naive ? "sgemm" : "\(KernelPath.current)", seconds: seconds,
                      flopsPerSample: Generator.flopsPerSample(parameters.config),
                      gflops: rate * Double(Generator.flopsPerSample(parameters.config)) / 1e9,
                      weightBytesPerStep: Generator.weightBytesPerStep(parameters.config, precision: precision))
    }
}
