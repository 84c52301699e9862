// The fused step for AVX-512F: 16 floats per vector, 32 registers (16 accumulators).
#include "wavenet_kernels.h"
#include <immintrin.h>
#pragma clang attribute push(__attribute__((target("avx512f,fma,f16c"))), apply_to = function)

#define VEC __m512
#define W 16
#define ACC 16
#define MASK __mmask16
#define vload(p) _mm512_loadu_ps(p)
#define vstore(p, v) _mm512_storeu_ps(p, v)
#define vloadm(p, m) _mm512_maskz_loadu_ps(m, p)
#define vstorem(p, m, v) _mm512_mask_storeu_ps(p, m, v)
#define vset1(x) _mm512_set1_ps(x)
#define vfma(a, b, c) _mm512_fmadd_ps(a, b, c)
#define vadd(a, b) _mm512_add_ps(a, b)
#define vsub(a, b) _mm512_sub_ps(a, b)
#define vmul(a, b) _mm512_mul_ps(a, b)
#define vdiv(a, b) _mm512_div_ps(a, b)
#define vmin(a, b) _mm512_min_ps(a, b)
#define vmax(a, b) _mm512_max_ps(a, b)
#define vzero() _mm512_setzero_ps()
#define tail_mask(n) ((__mmask16)((1u << (n)) - 1))
#define vexp_bits(shifted, magic) _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32( \
        _mm512_sub_epi32(_mm512_castps_si512(shifted), _mm512_castps_si512(magic)), _mm512_set1_epi32(127)), 23))
#define ISA(x) x##_avx512
#define half_load(p) _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(p)))
#define half_scalar(p) _cvtsh_ss(*(p))
#include "fused_precisions.h"
#pragma clang attribute pop
