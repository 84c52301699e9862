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

int wavenet_isa_supported(int isa) {
    static int avx2 = -1;  // a benign race: every thread computes the same value
    if (avx2 < 0) {
        __builtin_cpu_init();
        avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    switch (isa) {
    case WAVENET_ISA_PLAIN: return 1;
    case WAVENET_ISA_AVX2: return avx2;
    default: return 0;
    }
}

static int selected = -1;  // -1: not chosen yet, take the best

int wavenet_current_isa(void) {
    if (selected < 0) selected = wavenet_isa_supported(WAVENET_ISA_AVX2) ? WAVENET_ISA_AVX2 : WAVENET_ISA_PLAIN;
    return selected;
}

int wavenet_select_isa(int isa) {
    if (!wavenet_isa_supported(isa)) return 0;
    selected = isa;
    return 1;
}

void wavenet_vector_times_matrix(int M, int N, const float *x, const float *Wt, float *y, int accumulate) {
    if (wavenet_current_isa() == WAVENET_ISA_AVX2)
        vector_times_matrix_avx2(M, N, x, Wt, y, accumulate);
    else
        vector_times_matrix_plain(M, N, x, Wt, y, accumulate);
}
