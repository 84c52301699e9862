// Instantiates fused_step.h for both weight precisions on the instruction set whose vocabulary
// is defined (see fused_step.h), which also defines half_load(p) (W half weights as floats) and
// half_scalar(p) (one). Names: NAME(x) is x_ISA for float weights, x_half_ISA for half.
#include "fused_math.h"

// Float weights: the default; a masked tail loads only its lanes.
#define WT float
#define WEIGHTS(a) ((a)->weights)
#define wload(p) vload(p)
#define wloadm(p, m) vloadm(p, m)
#define wscalar(p) (*(p))
#define NAME(x) ISA(x)
#include "fused_step.h"
#undef WT
#undef WEIGHTS
#undef wload
#undef wloadm
#undef wscalar
#undef NAME

// Half-precision weights (`--precision half`): half the bytes to read, converted as loaded.
#define WT uint16_t
#define WEIGHTS(a) ((a)->weights_half)
#define wload(p) half_load(p)
#define wloadm(p, m) half_load(p)
#define wscalar(p) half_scalar(p)
#define NAME(x) ISA(x##_half)
#include "fused_step.h"
