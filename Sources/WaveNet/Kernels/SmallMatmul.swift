import CKernels

/// Products for generation: a few rows times a weight matrix stored input-major (`Wt[in][out]`),
/// so one input value scales one contiguous weight row. For one row, a SIMD kernel that keeps
/// 64 outputs in registers beats sgemm, whose call overhead (0.3-0.5 µs for 64x64 on these
/// machines) dominates at these sizes; for several rows, sgemm reuses each weight across the rows.
/// The one-row kernel is C: AVX2/FMA where the CPU has it (Swift's SIMD types compile to SSE2 for
/// baseline x86-64), plain C otherwise; `KernelPath` chooses. `Matmul.reference` is their reference.
public enum SmallMatmul {
    /// y[K][N] = x[K][M] · Wt[M][N] (+ y when `accumulate`).
    @inline(__always)
    public static func multiply(_ K: Int, _ M: Int, _ N: Int, _ x: UnsafePointer<Float>, _ ldx: Int,
                                _ Wt: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ ldy: Int, accumulate: Bool) {
        if K == 1 {
            wavenet_vector_times_matrix(Int32(M), Int32(N), x, Wt, y, accumulate ? 1 : 0)
        } else {
            Matmul.nn(K, N, M, x, ldx, Wt, N, y, ldy, beta: accumulate ? 1 : 0)
        }
    }
}

/// The instruction-set path of the C kernels: the best the CPU has, or one forced for tests.
public enum KernelPath: Int32, CaseIterable, Sendable {
    case plain = 0  // WAVENET_ISA_PLAIN
    case avx2 = 1   // WAVENET_ISA_AVX2
    case avx512 = 2 // WAVENET_ISA_AVX512 (the fused step; the baseline one-row kernel uses AVX2 there)

    public var isSupported: Bool { wavenet_isa_supported(rawValue) != 0 }

    /// The paths this CPU runs, as a list for messages: "plain, avx2, avx512".
    public static var supported: String { allCases.filter(\.isSupported).map { "\($0)" }.joined(separator: ", ") }

    /// The path in use. Setting an unsupported path is refused (the current one stays).
    public static var current: KernelPath {
        get { KernelPath(rawValue: wavenet_current_isa()) ?? .plain }
        set { _ = wavenet_select_isa(newValue.rawValue) }
    }
}
