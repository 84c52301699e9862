// The fused step in portable C: one float per "vector", so no tails and no masks; the compiler
// vectorises what it can for the baseline instruction set.
#include "wavenet_kernels.h"
#include <string.h>

static inline float plain_bits(float shifted, float magic) {
    int32_t s, m;
    memcpy(&s, &shifted, 4);
    memcpy(&m, &magic, 4);
    int32_t bits = (s - m + 127) << 23;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

// IEEE half to float in portable C (normal, subnormal, zero, infinity, NaN).
static inline float wavenet_half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff, bits;
    if (exponent == 0) {
        float f = mantissa * (1.0f / 16777216.0f);  // 2^-24 per unit
        return sign ? -f : f;
    }
    bits = exponent == 31 ? sign | 0x7f800000 | (mantissa << 13) : sign | ((exponent + 112) << 23) | (mantissa << 13);
    float f;
    memcpy(&f, &bits, 4);
    return f;
}


#define VEC float
#define W 1
#define ACC 16
#define MASK int
#define vload(p) (*(p))
#define vstore(p, v) (*(p) = (v))
#define vloadm(p, m) (*(p))
#define vstorem(p, m, v) (*(p) = (v))
#define vset1(x) (x)
#define vfma(a, b, c) ((a) * (b) + (c))
#define vadd(a, b) ((a) + (b))
#define vsub(a, b) ((a) - (b))
#define vmul(a, b) ((a) * (b))
#define vdiv(a, b) ((a) / (b))
#define vmin(a, b) ((a) < (b) ? (a) : (b))
#define vmax(a, b) ((a) > (b) ? (a) : (b))
#define vzero() 0.0f
#define tail_mask(n) (n)
#define vexp_bits(shifted, magic) plain_bits(shifted, magic)
#define ISA(x) x##_plain
#define half_load(p) wavenet_half_to_float(*(p))
#define half_scalar(p) wavenet_half_to_float(*(p))
#include "fused_precisions.h"
