// The element-wise half of the fused step (exp, gate, ReLU, copies) and the read-bandwidth probe,
// written once over the vector vocabulary that each instruction set's file defines (see
// fused_step.h) and named ISA(x). Included once per instruction set.

#define ALWAYS __attribute__((always_inline)) inline

// exp(x) = 2^n * p(r), |r| <= ln2/2, degree-6 polynomial (relative error ~2e-7), the same
// approximation as the Swift reference path's exp8. n is rounded by adding 1.5 * 2^23.
static ALWAYS VEC ISA(vexp)(VEC x) {
    x = vmin(vmax(x, vset1(-87.33f)), vset1(88.3f));
    const VEC magic = vset1(12582912.0f);
    VEC shifted = vfma(x, vset1(1.44269504f), magic);
    VEC n = vsub(shifted, magic);
    VEC r = vsub(vsub(x, vmul(n, vset1(0.693145751953125f))), vmul(n, vset1(1.428606765330187e-6f)));
    VEC p = vset1(1.0f / 720);
    p = vfma(p, r, vset1(1.0f / 120));
    p = vfma(p, r, vset1(1.0f / 24));
    p = vfma(p, r, vset1(1.0f / 6));
    p = vfma(p, r, vset1(0.5f));
    p = vfma(p, r, vset1(1.0f));
    p = vfma(p, r, vset1(1.0f));
    return vmul(p, vexp_bits(shifted, magic));
}

// g = tanh(a) * sigmoid(b) for z = [a | b].   z: [2D] -> g: [D]
static ALWAYS VEC ISA(gate1)(VEC a, VEC b) {
    const VEC one = vset1(1.0f), two = vset1(2.0f);
    VEC t = vsub(vdiv(two, vadd(one, ISA(vexp)(vmul(a, vset1(-2.0f))))), one);
    VEC s = vdiv(one, vadd(one, ISA(vexp)(vsub(vzero(), b))));
    return vmul(t, s);
}

static void ISA(gate)(int D, const float *z, float *g) {
    int d = 0;
    for (; d + W <= D; d += W) vstore(g + d, ISA(gate1)(vload(z + d), vload(z + D + d)));
    if (d < D) {
        MASK m = tail_mask(D - d);
        vstorem(g + d, m, ISA(gate1)(vloadm(z + d, m), vloadm(z + D + d, m)));
    }
}

static void ISA(relu)(int n, const float *x, float *y) {
    int i = 0;
    for (; i + W <= n; i += W) vstore(y + i, vmax(vload(x + i), vzero()));
    if (i < n) { MASK m = tail_mask(n - i); vstorem(y + i, m, vmax(vloadm(x + i, m), vzero())); }
}

static void ISA(copy)(int n, const float *x, float *y) {
    for (int i = 0; i < n; i++) y[i] = x[i];
}

float ISA(wavenet_read_sum)(const float *x, long n) {
    VEC acc[8];
    for (int k = 0; k < 8; k++) acc[k] = vzero();
    long i = 0;
    for (; i + 8 * W <= n; i += 8 * W)
        for (int k = 0; k < 8; k++) acc[k] = vadd(acc[k], vload(x + i + k * W));
    float lanes[W], sum = 0;
    for (int k = 1; k < 8; k++) acc[0] = vadd(acc[0], acc[k]);
    vstore(lanes, acc[0]);
    for (int k = 0; k < W; k++) sum += lanes[k];
    for (; i < n; i++) sum += x[i];
    return sum;
}
