#include "wavenet_kernels.h"

#include <immintrin.h>

// Compiled for AVX2/FMA through a function attribute, so the rest of the program keeps the
// baseline instruction set and this path runs only where the CPU supports it.
__attribute__((target("avx2,fma")))
static void vector_times_matrix_avx2(int M, int N, const float *x, const float *Wt, float *y, int accumulate) {
    int c = 0;
    // 64 outputs in eight registers: each weight row segment is loaded once per input.
    for (; c + 64 <= N; c += 64) {
        __m256 a[8];
        for (int k = 0; k < 8; k++) a[k] = accumulate ? _mm256_loadu_ps(y + c + 8 * k) : _mm256_setzero_ps();
        const float *w = Wt + c;
        for (int j = 0; j < M; j++, w += N) {
            __m256 xj = _mm256_broadcast_ss(x + j);
            for (int k = 0; k < 8; k++) a[k] = _mm256_fmadd_ps(xj, _mm256_loadu_ps(w + 8 * k), a[k]);
        }
        for (int k = 0; k < 8; k++) _mm256_storeu_ps(y + c + 8 * k, a[k]);
    }
    for (; c + 8 <= N; c += 8) {
        __m256 a = accumulate ? _mm256_loadu_ps(y + c) : _mm256_setzero_ps();
        for (int j = 0; j < M; j++) a = _mm256_fmadd_ps(_mm256_broadcast_ss(x + j), _mm256_loadu_ps(Wt + j * N + c), a);
        _mm256_storeu_ps(y + c, a);
    }
    for (; c < N; c++) {
        float a = accumulate ? y[c] : 0;
        for (int j = 0; j < M; j++) a += x[j] * Wt[j * N + c];
        y[c] = a;
    }
}

static void vector_times_matrix_plain(int M, int N, const float *x, const float *Wt, float *y, int accumulate) {
    if (!accumulate)
        for (int c = 0; c < N; c++) y[c] = 0;
    for (int j = 0; j < M; j++) {
        const float xj = x[j], *w = Wt + j * N;
        for (int c = 0; c < N; c++) y[c] += xj * w[c];
    }
}

void wavenet_vector_times_matrix(int M, int N, const float *x, const float *Wt, float *y, int accumulate) {
    // The baseline kernel has no AVX-512 variant: the AVX2 one serves AVX-512 CPUs too.
    if (wavenet_current_isa() >= WAVENET_ISA_AVX2)
        vector_times_matrix_avx2(M, N, x, Wt, y, accumulate);
    else
        vector_times_matrix_plain(M, N, x, Wt, y, accumulate);
}
