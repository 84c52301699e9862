import CKernels

/// Products for generation: a few rows times a weight matrix stored input-major (`Wt[in][out]`),
/// so one input value scales one contiguous weight row. For one row, a SIMD kernel that keeps
/// 32 outputs in registers beats sgemm, whose call overhead dominates at these sizes (FIELD_NOTES);
/// for several rows, sgemm reuses each weight across the rows. The one-row kernel is C with
/// AVX2/FMA (Swift's SIMD types compile to SSE2 for baseline x86-64); `vectorTimesMatrix` below is
/// the portable Swift version, kept as its reference.
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

    /// y[N] = x[M] · Wt[M][N] (+ y), 32 outputs at a time held in four SIMD8 accumulators (Swift reference).
    @inline(__always)
    public static func vectorTimesMatrix(_ M: Int, _ N: Int, _ x: UnsafePointer<Float>, _ Wt: UnsafePointer<Float>,
                                         _ y: UnsafeMutablePointer<Float>, accumulate: Bool) {
        var c = 0
        while c + 32 <= N {
            var a0 = accumulate ? load8(y + c) : Float8(), a1 = accumulate ? load8(y + c + 8) : Float8()
            var a2 = accumulate ? load8(y + c + 16) : Float8(), a3 = accumulate ? load8(y + c + 24) : Float8()
            var w = Wt + c
            for j in 0..<M {
                let xj = Float8(repeating: x[j])
                a0 += xj * load8(w)
                a1 += xj * load8(w + 8)
                a2 += xj * load8(w + 16)
                a3 += xj * load8(w + 24)
                w += N
            }
            store8(a0, y + c)
            store8(a1, y + c + 8)
            store8(a2, y + c + 16)
            store8(a3, y + c + 24)
            c += 32
        }
        while c + 8 <= N {
            var a = accumulate ? load8(y + c) : Float8()
            for j in 0..<M { a += Float8(repeating: x[j]) * load8(Wt + j * N + c) }
            store8(a, y + c)
            c += 8
        }
        while c < N {
            var a: Float = accumulate ? y[c] : 0
            for j in 0..<M { a += x[j] * Wt[j * N + c] }
            y[c] = a
            c += 1
        }
    }
}
