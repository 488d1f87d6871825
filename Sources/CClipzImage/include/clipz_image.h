/* Clipz image decoding shim: PNG (libpng 1.6) and JPEG (libjpeg-turbo) from memory into 8-bit RGB.
 * Colour handling follows Pillow's Image.convert("RGB"): grey is replicated, alpha is dropped
 * (not composited), palettes are expanded, 16-bit colour keeps the high byte, 16-bit grey
 * (Pillow mode "I;16") is clipped to 255, CMYK JPEG is read with Adobe (inverted) polarity.
 * No libpng/libjpeg error ever longjmps out of this library: every failure returns a status
 * and a message. */
#ifndef CLIPZ_IMAGE_H
#define CLIPZ_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Largest accepted width or height. */
#define CLIPZ_IMAGE_MAX_SIDE 16384
/** Largest accepted width × height. */
#define CLIPZ_IMAGE_MAX_PIXELS 100000000LL
/** Size of the message buffer callers pass in. */
#define CLIPZ_IMAGE_MESSAGE_CAP 256

typedef enum {
    CLIPZ_IMAGE_OK = 0,
    /** The bytes are malformed or truncated. */
    CLIPZ_IMAGE_CORRUPT = 1,
    /** The declared size exceeds CLIPZ_IMAGE_MAX_SIDE / CLIPZ_IMAGE_MAX_PIXELS or is zero. */
    CLIPZ_IMAGE_TOO_LARGE = 2,
    /** Well-formed but a variant this shim does not decode. */
    CLIPZ_IMAGE_UNSUPPORTED = 3,
    /** An allocation failed. */
    CLIPZ_IMAGE_NO_MEMORY = 4
} clipz_image_status;

/** A decoded image: `pixels` holds width*height*3 bytes, rows top to bottom, RGB interleaved. */
typedef struct {
    int32_t width;
    int32_t height;
    uint8_t *pixels;
} clipz_rgb_image;

/** Decodes a PNG held in memory. On failure `out` is zeroed and `message` names the problem. */
int clipz_decode_png(const uint8_t *data, size_t size, clipz_rgb_image *out,
                     char *message, size_t message_cap);

/** Decodes a JPEG held in memory. On failure `out` is zeroed and `message` names the problem. */
int clipz_decode_jpeg(const uint8_t *data, size_t size, clipz_rgb_image *out,
                      char *message, size_t message_cap);

/** Frees the pixels of an image returned by a decode function (safe on a zeroed image). */
void clipz_image_free(clipz_rgb_image *image);

#ifdef __cplusplus
}
#endif
#endif
