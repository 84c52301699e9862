#include "wavenet_kernels.h"

void wavenet_fused_step_plain(const wavenet_step *step);
void wavenet_fused_step_avx2(const wavenet_step *step);
void wavenet_fused_step_avx512(const wavenet_step *step);
void wavenet_fused_step_half_plain(const wavenet_step *step);
void wavenet_fused_step_half_avx2(const wavenet_step *step);
void wavenet_fused_step_half_avx512(const wavenet_step *step);
float wavenet_read_sum_plain(const float *x, long n);
float wavenet_read_sum_avx2(const float *x, long n);
float wavenet_read_sum_avx512(const float *x, long n);

void wavenet_fused_step(const wavenet_step *step) {
    if (step->weights_half) {
        switch (wavenet_current_isa()) {
        case WAVENET_ISA_AVX512: wavenet_fused_step_half_avx512(step); break;
        case WAVENET_ISA_AVX2: wavenet_fused_step_half_avx2(step); break;
        default: wavenet_fused_step_half_plain(step); break;
        }
        return;
    }
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
