// The symmetric int8 scale of a row, one definition for activations (clipz_quantize_rows_ref) and
// weights (clipz_quantize_weights): s = max|x| / qmax (127 unless weights use 7 bits), or 1 for an
// all-zero row.
#ifndef CLIPZ_INT8_SCALE_H
#define CLIPZ_INT8_SCALE_H
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

// s = max|x| / qmax for a symmetric grid -qmax..qmax (127, or 63 for 7-bit weights).
static inline float clipz_row_scale(const float *x, size_t n, float qmax) {
    float mx = 0;
    for (size_t i = 0; i < n; i++) { float a = fabsf(x[i]); mx = a > mx ? a : mx; }
    return mx > 0 ? mx / qmax : 1.0f;
}
static inline float clipz_int8_row_scale(const float *x, size_t n) { return clipz_row_scale(x, n, 127.0f); }

// max |x[i]| as the largest bit pattern without the sign: an integer max, which vectorizes (a float max
// reduction does not without -ffinite-math-only). NaN patterns count as 0, so the result equals the float
// loop's (`a > mx ? a : mx` never takes a NaN). Inlined into each ISA build of its callers.
static inline float clipz_abs_max(const float *x, size_t n) {
    uint32_t top = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t b;
        memcpy(&b, x + i, 4);
        b &= 0x7FFFFFFFu;
        b = b > 0x7F800000u ? 0 : b;
        top = b > top ? b : top;
    }
    float mx;
    memcpy(&mx, &top, 4);
    return mx;
}
#endif
