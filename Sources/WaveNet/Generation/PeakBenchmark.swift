import CKernels
import Dispatch

/// The machine's own yardsticks for generation speed (`wavenet bench peak`): what one and
/// several threads of sgemm reach, and how fast one core reads a buffer from cache and from
/// memory. One stream of generation reads every weight once per sample, so its bound is the
/// lower of sgemm and (read bandwidth at the weights' size) / (weight bytes per sample).
public enum PeakBenchmark {
    public struct Result: Codable, Sendable {
        public var sgemmGFLOPS: Double
        public var sgemmThreads: Int
        public var sgemmThreadsGFLOPS: Double
        public var bufferBytes: Int
        public var bufferGBPerSecond: Double
        public var memoryGBPerSecond: Double
        public var isa: String

        enum CodingKeys: String, CodingKey {
            case sgemmGFLOPS = "sgemm_gflops", sgemmThreads = "sgemm_threads", sgemmThreadsGFLOPS = "sgemm_threads_gflops"
            case bufferBytes = "buffer_bytes", bufferGBPerSecond = "buffer_gb_per_second"
            case memoryGBPerSecond = "memory_gb_per_second", isa
        }
    }

    static func seconds(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

    /// sgemm GFLOP/s at n x n x n on `threads` threads: the median of `repeats` products.
    public static func sgemm(threads: Int, n: Int = 1024, repeats: Int = 5) -> Double {
        let a = FloatBuffer(count: n * n), b = FloatBuffer(count: n * n), c = FloatBuffer(count: n * n)
        var rng = SplitMix64(seed: 1)
        for i in 0..<n * n { a.base[i] = rng.nextUnitFloat(); b.base[i] = rng.nextUnitFloat() }
        Matmul.setThreads(threads)
        defer { Matmul.setThreads(1) }
        Matmul.nn(n, n, n, a.base, n, b.base, n, c.base, n, beta: 0)  // warm-up: threads started, pages touched
        let times = (0..<repeats).map { _ in seconds { Matmul.nn(n, n, n, a.base, n, b.base, n, c.base, n, beta: 0) } }
        return 2 * Double(n * n * n) / median(times) / 1e9
    }

    /// GB/s of one core reading a `bytes`-sized buffer over and over (about 30 ms a pass set,
    /// the median of 5), with the widest loads the current kernel path has.
    public static func readBandwidth(bytes: Int) -> Double {
        let count = max(bytes / 4, 1024)
        let buffer = FloatBuffer(count: count)
        for i in 0..<count { buffer.base[i] = Float(i & 7) }
        var sink: Float = 0
        sink += wavenet_read_sum(buffer.base, count)
        let passes = max(1, 30_000_000 / count)  // ~120 MB read per measurement
        let times = (0..<5).map { _ in seconds { for _ in 0..<passes { sink += wavenet_read_sum(buffer.base, count) } } }
        if sink == .infinity { print("") }  // keeps the reads
        return Double(passes * count * 4) / median(times) / 1e9
    }

    public static func run(threads: Int, bufferBytes: Int) -> Result {
        Result(sgemmGFLOPS: sgemm(threads: 1), sgemmThreads: threads, sgemmThreadsGFLOPS: sgemm(threads: threads),
               bufferBytes: bufferBytes, bufferGBPerSecond: readBandwidth(bytes: bufferBytes),
               memoryGBPerSecond: readBandwidth(bytes: 512 << 20), isa: "\(KernelPath.current)")
    }
}
