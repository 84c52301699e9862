import COpenBLAS

/// Row-major matrix products through OpenBLAS, named by which operand is transposed.
/// Leading dimensions are explicit so that a view into a wider buffer (a dilated tap,
/// one layer's block of the gate matrix) needs no copy.
public enum Matmul {
    /// C[M, N] = alpha * A[M, K] · B[N, K]^T + beta * C: a linear layer with weights B = W[out, in].
    @inline(__always)
    public static func nt(_ M: Int, _ N: Int, _ K: Int, _ A: UnsafePointer<Float>, _ lda: Int,
                          _ B: UnsafePointer<Float>, _ ldb: Int, _ C: UnsafeMutablePointer<Float>, _ ldc: Int,
                          alpha: Float = 1, beta: Float) {
        guard M > 0, N > 0 else { return }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(M), Int32(N), Int32(K),
                    alpha, A, Int32(lda), B, Int32(ldb), beta, C, Int32(ldc))
    }

    /// C[M, N] = alpha * A[M, K] · B[K, N] + beta * C: the input gradient of a linear layer.
    @inline(__always)
    public static func nn(_ M: Int, _ N: Int, _ K: Int, _ A: UnsafePointer<Float>, _ lda: Int,
                          _ B: UnsafePointer<Float>, _ ldb: Int, _ C: UnsafeMutablePointer<Float>, _ ldc: Int,
                          alpha: Float = 1, beta: Float) {
        guard M > 0, N > 0 else { return }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(M), Int32(N), Int32(K),
                    alpha, A, Int32(lda), B, Int32(ldb), beta, C, Int32(ldc))
    }

    /// C[M, N] = alpha * A[K, M]^T · B[K, N] + beta * C: the weight gradient of a linear layer.
    @inline(__always)
    public static func tn(_ M: Int, _ N: Int, _ K: Int, _ A: UnsafePointer<Float>, _ lda: Int,
                          _ B: UnsafePointer<Float>, _ ldb: Int, _ C: UnsafeMutablePointer<Float>, _ ldc: Int,
                          alpha: Float = 1, beta: Float) {
        guard M > 0, N > 0, K > 0 else { return }
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(M), Int32(N), Int32(K),
                    alpha, A, Int32(lda), B, Int32(ldb), beta, C, Int32(ldc))
    }

    /// The naive reference for all three: C = alpha * op(A) · op(B) + beta * C, with plain loops.
    public static func reference(transposeA: Bool, transposeB: Bool, _ M: Int, _ N: Int, _ K: Int,
                                 _ A: UnsafePointer<Float>, _ lda: Int, _ B: UnsafePointer<Float>, _ ldb: Int,
                                 _ C: UnsafeMutablePointer<Float>, _ ldc: Int, alpha: Float = 1, beta: Float) {
        for m in 0..<M {
            for n in 0..<N {
                var sum: Double = 0
                for k in 0..<K {
                    let a = transposeA ? A[k * lda + m] : A[m * lda + k]
                    let b = transposeB ? B[n * ldb + k] : B[k * ldb + n]
                    sum += Double(a) * Double(b)
                }
                C[m * ldc + n] = alpha * Float(sum) + (beta == 0 ? 0 : beta * C[m * ldc + n])
            }
        }
    }

    /// Threads OpenBLAS may use for one product.
    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }
}
