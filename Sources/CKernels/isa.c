#include "wavenet_kernels.h"

// Which instruction-set paths this CPU runs, found once; `__builtin_cpu_supports` also checks
// that the operating system saves the wider registers (XCR0), so a reported path is safe to run.
int wavenet_isa_supported(int isa) {
    static int avx2 = -1, avx512 = -1;  // a benign race: every thread computes the same values
    if (avx2 < 0) {
        __builtin_cpu_init();
        int f16c = __builtin_cpu_supports("f16c");  // half-precision weights convert with it
        avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma") && f16c;
        avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && f16c;
    }
    switch (isa) {
    case WAVENET_ISA_PLAIN: return 1;
    case WAVENET_ISA_AVX2: return avx2;
    case WAVENET_ISA_AVX512: return avx512;
    default: return 0;
    }
}

static int selected = -1;  // -1: not chosen yet, take the best

int wavenet_current_isa(void) {
    if (selected < 0)
        selected = wavenet_isa_supported(WAVENET_ISA_AVX512) ? WAVENET_ISA_AVX512
                 : wavenet_isa_supported(WAVENET_ISA_AVX2)   ? WAVENET_ISA_AVX2
                                                             : WAVENET_ISA_PLAIN;
    return selected;
}

int wavenet_select_isa(int isa) {
    if (!wavenet_isa_supported(isa)) return 0;
    selected = isa;
    return 1;
}
