#include "wavenet_kernels.h"

float wavenet_read_sum_plain(const float *x, long n);
float wavenet_read_sum_avx2(const float *x, long n);
float wavenet_read_sum_avx512(const float *x, long n);

void wavenet_fused_step(const wavenet_step *step) {
    switch (wavenet_current_isa()) {
    case WAVENET_ISA_AVX512: wavenet_fused_step_avx512(step); break;
    case WAVENET_ISA_AVX2: wavenet_fused_step_avx2(step); break;
    default: wavenet_fused_step_plain(step); break;
    }
}

float wavenet_read_sum(const float *x, long n) {
    switch (wavenet_current_isa()) {
    case WAVENET_ISA_AVX512: return wavenet_read_sum_avx512(x, n);
    case WAVENET_ISA_AVX2: return wavenet_read_sum_avx2(x, n);
    default: return wavenet_read_sum_plain(x, n);
    }
}
