// Symmetric per-row int8 quantization of weights (what `clipz quantize --type int8` stores).
#include "isa_dispatch.h"
#include "int8_scale.h"
#include <math.h>

// Row maximum, then q = clamp(rint(w / s), -qmax, qmax) with s = max|w| / qmax (1 for an all-zero row); the
// division (not a multiply by 1/s) keeps q bit-identical to the Swift reference it replaced. The squared
// error and norm sums are diagnostics: the compiler may reorder them (-fassociative-math).
CLIPZ_ISA_BODY void quantize_weights_body(const float *w, size_t rows, size_t cols, int qmax, int8_t *q, float *scales,
                                          double *err_out, double *norm_out) {
    const float hi = (float)qmax;
    double err = 0, norm = 0;
    for (size_t r = 0; r < rows; r++) {
        const float *x = w + r * cols;
        int8_t *y = q + r * cols;
        float s = clipz_row_scale(x, cols, hi);
        scales[r] = s;
        float e = 0, n = 0;  // per row in float lanes, then into double: rows are ≤ a few thousand wide
        for (size_t c = 0; c < cols; c++) {
            float v = x[c];
            float t = __builtin_rintf(v / s);
            t = t < -hi ? -hi : (t > hi ? hi : t);
            y[c] = (int8_t)t;
            float d = v - t * s;
            e += d * d;
            n += v * v;
        }
        err += e; norm += n;
    }
    *err_out = err; *norm_out = norm;
}
CLIPZ_ISA_VARIANTS(quantize_weights, (const float *w, size_t rows, size_t cols, int qmax, int8_t *q, float *scales, double *err, double *norm),
                   (w, rows, cols, qmax, q, scales, err, norm))

void clipz_quantize_weights(const float *w, size_t rows, size_t cols, int qmax, int8_t *q, float *scales, double *err, double *norm) {
    if (qmax < 1 || qmax > 127) qmax = 127;
    CLIPZ_ISA_CALL(clipz_isa_level(), quantize_weights, (w, rows, cols, qmax, q, scales, err, norm));
}
