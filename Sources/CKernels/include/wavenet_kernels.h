#ifndef WAVENET_KERNELS_H
#define WAVENET_KERNELS_H

/// y[N] = x[M] · Wt[M][N] (+ y when accumulate): one row times an input-major weight matrix.
/// Uses AVX2/FMA when the CPU has them (checked once at run time), plain C otherwise.
void wavenet_vector_times_matrix(int M, int N, const float *x, const float *Wt, float *y, int accumulate);

/// 1 when the AVX2/FMA path is in use.
int wavenet_kernels_use_avx2(void);

#endif
