#ifndef WAVENET_KERNELS_H
#define WAVENET_KERNELS_H

#include <stdint.h>

/// Instruction-set paths of the kernels, best last.
enum {
    WAVENET_ISA_PLAIN = 0,   // portable C, the fallback on every CPU
    WAVENET_ISA_AVX2 = 1,    // AVX2 + FMA + F16C
    WAVENET_ISA_AVX512 = 2,  // AVX-512F + FMA + F16C
};

/// 1 when this CPU can run `isa`'s path (checked once at run time).
int wavenet_isa_supported(int isa);

/// The path in use: the best the CPU has unless `wavenet_select_isa` chose another.
int wavenet_current_isa(void);

/// Forces a path (tests and benchmarks); returns 0 and changes nothing if the CPU lacks it.
int wavenet_select_isa(int isa);

/// y[N] = x[M] · Wt[M][N] (+ y when accumulate): one row times an input-major weight matrix,
/// on the current path. The baseline generation kernel.
void wavenet_vector_times_matrix(int M, int N, const float *x, const float *Wt, float *y, int accumulate);

/// One generation step of K streams through every residual layer and the output head, on the
/// current path. `weights` is packed in the order the step reads it:
///   per layer: dilated [2R][2D] (rows 0..R-1 the past tap, R..2R-1 the present tap),
///              then residual-skip [D+1][R+S] (row d: gate d's residual and skip weights;
///              row D: the residual bias, then S zeros, read against a constant 1);
///   then output1 [S][S], its bias [S], output2 [S][Q], its bias [Q].
/// Every matrix is input-major: one input scales one contiguous row of outputs.
typedef struct {
    int streams, R, D, S, Q, layers;
    const int32_t *dilations;      // [layers]
    const float *weights;          // packed, as above
    const uint16_t *weights_half;  // NULL, or the same in IEEE half precision (read instead), padded by 16
    float *const *queues;          // per layer [d][streams][R]: the inputs of the last d steps
    int32_t *positions;            // per layer: the oldest slot, read then overwritten and advanced
    const float *const *gate_bias; // per stream: [layers][2D], every term of z but the products
    float *state;                  // [streams][R+S]: the layer input h, then the skip sum
    float *z;                      // [streams][2D] scratch
    float *g;                      // [streams][D+1] scratch
    float *head;                   // [streams][S] scratch
    float *hidden;                 // [streams][S] scratch
    float *logits;                 // [streams][Q] out
} wavenet_step;

/// Consumes the layer input h already in `state` (with the skip sum set to its bias) and leaves
/// the next sample's logits in `logits`. Reads `weights_half` when it is set. Allocates nothing.
void wavenet_fused_step(const wavenet_step *step);


/// Sum of n floats read with the widest loads the current path has: the read-bandwidth probe
/// of `wavenet bench peak` (the sum keeps the reads from being optimised away).
float wavenet_read_sum(const float *x, long n);

#endif
