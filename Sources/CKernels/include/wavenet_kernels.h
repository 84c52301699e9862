#ifndef WAVENET_KERNELS_H
#define WAVENET_KERNELS_H

/// Instruction-set paths of the kernels, best last.
enum {
    WAVENET_ISA_PLAIN = 0,  // portable C, the fallback on every CPU
    WAVENET_ISA_AVX2 = 1,   // AVX2 + FMA
};

/// 1 when this CPU can run `isa`'s path (checked once at run time).
int wavenet_isa_supported(int isa);

/// The path in use: the best the CPU has unless `wavenet_select_isa` chose another.
int wavenet_current_isa(void);

/// Forces a path (tests and benchmarks); returns 0 and changes nothing if the CPU lacks it.
int wavenet_select_isa(int isa);

/// y[N] = x[M] · Wt[M][N] (+ y when accumulate): one row times an input-major weight matrix,
/// on the current path.
void wavenet_vector_times_matrix(int M, int N, const float *x, const float *Wt, float *y, int accumulate);

#endif
