// The fused generation step, written once over a small vector vocabulary and included by one
// file per instruction set (fused_plain.c, fused_avx2.c, fused_avx512.c), each of which defines:
//   VEC, W (floats per vector), ACC (accumulator vectors the registers hold), MASK,
//   vload vstore vloadm vstorem vset1 vfma vadd vsub vmul vdiv vmin vmax vzero, tail_mask(n),
//   vexp_bits(shifted, magic) (2^n from the rounding trick in fused_math.h), ISA(x) (the suffix of
//   fused_math.h's functions), and per weight precision, before each inclusion of this file:
//   WT (the stored weight type), wload(p) and wloadm(p, mask) (W weights as floats), wscalar(p) (one weight),
//   WEIGHTS(a) (the packed buffer of that type) and NAME(x) (a suffix).
// Why fused: at one stream a step is ~50 small products of a vector by a matrix; what costs is
// not the arithmetic but call overhead, passes over scratch buffers and weights scattered over
// many allocations. Here every layer reads its packed weights once, front to back.
// Half-precision weights are loaded a whole vector at a time even in a masked tail: the buffer is
// padded by a vector, and the lanes past the tail only reach accumulator lanes never stored.

// y[k][0..NB*W) += x[k][0..M) · w[0..M)[0..NB*W) for KB rows at once: KB * NB accumulators stay
// in registers across the whole input loop, so each weight vector is loaded once for KB streams.
// With `masked`, the last vector covers only the lanes in `tail`.
static ALWAYS void NAME(block)(const int KB, const int NB, const int masked, int M, const float *x, int ldx,
                              const WT *w, long ldw, float *y, int ldy, MASK tail) {
    VEC acc[8][16];
    for (int k = 0; k < KB; k++)
        for (int n = 0; n < NB; n++)
            acc[k][n] = masked && n == NB - 1 ? vloadm(y + k * ldy + n * W, tail) : vload(y + k * ldy + n * W);
    for (int j = 0; j < M; j++) {
        VEC xb[8];
        for (int k = 0; k < KB; k++) xb[k] = vset1(x[k * ldx + j]);
        const WT *wj = w + j * ldw;
        for (int n = 0; n < NB; n++) {
            VEC wv = masked && n == NB - 1 ? wloadm(wj + n * W, tail) : wload(wj + n * W);
            for (int k = 0; k < KB; k++) acc[k][n] = vfma(xb[k], wv, acc[k][n]);
        }
    }
    for (int k = 0; k < KB; k++)
        for (int n = 0; n < NB; n++) {
            if (masked && n == NB - 1) vstorem(y + k * ldy + n * W, tail, acc[k][n]);
            else vstore(y + k * ldy + n * W, acc[k][n]);
        }
}

// KB rows over all N columns: blocks as wide as the registers allow, then one block for the
// rest, its last vector masked to the columns left. Up to ACC / KB vectors wide (256 columns at
// one stream on AVX-512), a product is one pass that reads its weights front to back.
static ALWAYS void NAME(rows)(const int KB, int M, const float *x, int ldx, const WT *w, long ldw, int N,
                             float *y, int ldy) {
    const int widest = ACC / KB;
    int c = 0;
    for (; N - c > widest * W; c += widest * W)
        NAME(block)(KB, widest, 0, M, x, ldx, w + c, ldw, y + c, ldy, tail_mask(W));
    const int left = N - c, vectors = (left + W - 1) / W;
    const MASK tail = tail_mask(left - (vectors - 1) * W);
#define CASE(NB) case NB: if ((NB) * KB <= ACC) NAME(block)(KB, NB, 1, M, x, ldx, w + c, ldw, y + c, ldy, tail); break;
    switch (vectors) {
        CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8)
        CASE(9) CASE(10) CASE(11) CASE(12) CASE(13) CASE(14) CASE(15) CASE(16)
    }
#undef CASE
}

// y[K][N] += x[K][M] · w[M][N] (row stride ldw): streams in groups of 8, 4, 2, 1 (8 measured
// 5% faster than 4 at 16 streams on two threads: each weight vector loaded once per 8 streams).
static void NAME(gemv)(int K, int M, const float *x, int ldx, const WT *w, long ldw, int N, float *y, int ldy) {
    int k = 0;
    if (ACC >= 16)  // groups of 8 need 8 accumulators and 8 broadcasts: AVX2 has registers for 4
        for (; k + 8 <= K; k += 8) NAME(rows)(8, M, x + k * ldx, ldx, w, ldw, N, y + k * ldy, ldy);
    for (; k + 4 <= K; k += 4) NAME(rows)(4, M, x + k * ldx, ldx, w, ldw, N, y + k * ldy, ldy);
    for (; k + 2 <= K; k += 2) NAME(rows)(2, M, x + k * ldx, ldx, w, ldw, N, y + k * ldy, ldy);
    for (; k < K; k++) NAME(rows)(1, M, x + k * ldx, ldx, w, ldw, N, y + k * ldy, ldy);
}

void NAME(wavenet_fused_step)(const wavenet_step *a) {
    const int K = a->streams, R = a->R, D = a->D, S = a->S, Q = a->Q, L = a->layers, RS = R + S;
    const WT *w = WEIGHTS(a);
    float *state = a->state, *z = a->z, *g = a->g;
    for (int i = 0; i < L; i++) {
        const WT *dilated = w, *residualSkip = w + 4L * R * D;
        w = residualSkip + (long)(D + 1) * RS;
        // Dilated convolution on [h[t-d] | h[t]]: z = bias + W_past h[t-d] + W_present h[t].   [K, 2R] -> [K, 2D]
        float *slot = a->queues[i] + (long)a->positions[i] * K * R;
        for (int k = 0; k < K; k++) ISA(copy)(2 * D, a->gate_bias[k] + (long)i * 2 * D, z + k * 2 * D);
        NAME(gemv)(K, R, slot, R, dilated, 2 * D, 2 * D, z, 2 * D);
        NAME(gemv)(K, R, state, RS, dilated + 2L * R * D, 2 * D, 2 * D, z, 2 * D);
        // The oldest slot now takes h[t].
        for (int k = 0; k < K; k++) ISA(copy)(R, state + k * RS, slot + k * R);
        if (++a->positions[i] == a->dilations[i]) a->positions[i] = 0;
        // Gate, then residual (with its bias, against g's constant 1) and skip in one product.   [K, 2D] -> [K, D+1] -> [K, R+S]
        for (int k = 0; k < K; k++) {
            ISA(gate)(D, z + k * 2 * D, g + k * (D + 1));
            g[k * (D + 1) + D] = 1;
        }
        if (i + 1 < L)
            NAME(gemv)(K, D + 1, g, D + 1, residualSkip, RS, RS, state, RS);
        else  // the last layer's residual output is never read: skip columns only
            NAME(gemv)(K, D, g, D + 1, residualSkip + R, RS, S, state + R, RS);
    }
    // Head: logits = W2 relu(W1 relu(skip) + b1) + b2.   [K, S] -> [K, S] -> [K, Q]
    const WT *output1 = w, *bias1 = w + (long)S * S, *output2 = bias1 + S, *bias2 = output2 + (long)S * Q;
    for (int k = 0; k < K; k++) {
        ISA(relu)(S, state + k * RS + R, a->head + k * S);
        for (int s = 0; s < S; s++) a->hidden[k * S + s] = wscalar(bias1 + s);
        for (int q = 0; q < Q; q++) a->logits[k * Q + q] = wscalar(bias2 + q);
    }
    NAME(gemv)(K, S, a->head, S, output1, S, S, a->hidden, S);
    for (int k = 0; k < K; k++) ISA(relu)(S, a->hidden + k * S, a->hidden + k * S);
    NAME(gemv)(K, S, a->hidden, S, output2, Q, Q, a->logits, Q);
}

