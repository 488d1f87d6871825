// The symmetric int8 scale of a row, one definition for activations (clipz_quantize_rows_ref) and
// weights (clipz_quantize_weights): s = max|x| / 127, or 1 for an all-zero row.
#ifndef CLIPZ_INT8_SCALE_H
#define CLIPZ_INT8_SCALE_H
#include <math.h>
#include <stddef.h>

static inline float clipz_int8_row_scale(const float *x, size_t n) {
    float mx = 0;
    for (size_t i = 0; i < n; i++) { float a = fabsf(x[i]); mx = a > mx ? a : mx; }
    return mx > 0 ? mx / 127.0f : 1.0f;
}
#endif
