/* PNG → 8-bit RGB with libpng 1.6, matching Pillow's Image.open(...).convert("RGB"). */
#include "image_internal.h"

#include <png.h>
#include <stdlib.h>
#include <string.h>

/* Everything the libpng callbacks and the error path need. Its address is handed to libpng,
 * so after a longjmp its fields are re-read from memory (no stale registers). */
typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
    char *message;
    size_t cap;
    int status;
    uint8_t *rows;   /* whole decoded image, only for interlaced files */
    uint8_t *row;    /* one decoded row otherwise */
    uint8_t *rgb;    /* the result */
} png_ctx;

static void on_error(png_structp png, png_const_charp text) {
    png_ctx *ctx = (png_ctx *)png_get_error_ptr(png);
    if (ctx->status == CLIPZ_IMAGE_OK) {
        /* libpng's own 1,000,000-pixel side limit trips before our check for absurd headers. */
        ctx->status = strstr(text, "exceeds user limit") ? CLIPZ_IMAGE_TOO_LARGE : CLIPZ_IMAGE_CORRUPT;
        clipz_image_message(ctx->message, ctx->cap, "PNG: %s", text);
    }
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp text) {
    (void)png; (void)text; /* Pillow ignores the same conditions; stay quiet. */
}

static void on_read(png_structp png, png_bytep dest, size_t length) {
    png_ctx *ctx = (png_ctx *)png_get_io_ptr(png);
    if (length > ctx->size - ctx->offset) {
        ctx->status = CLIPZ_IMAGE_CORRUPT;
        clipz_image_message(ctx->message, ctx->cap, "PNG: file is truncated at byte %zu", ctx->size);
        png_longjmp(png, 1);
    }
    memcpy(dest, ctx->data + ctx->offset, length);
    ctx->offset += length;
}

/* One libpng output row (channels 1–4, depth 8 or 16 big-endian) → RGB. 16-bit samples keep the
 * high byte, except single-channel 16-bit grey, which Pillow opens as "I;16" and clips at 255. */
static void row_to_rgb(const uint8_t *in, uint8_t *out, uint32_t width, int channels, int depth16) {
    const int step = depth16 ? 2 : 1;
    for (uint32_t x = 0; x < width; x++, in += channels * step, out += 3) {
        if (channels <= 2) {
            uint8_t g;
            if (depth16 && channels == 1) {
                unsigned v = ((unsigned)in[0] << 8) | in[1];
                g = v > 255 ? 255 : (uint8_t)v;
            } else {
                g = in[0];
            }
            out[0] = out[1] = out[2] = g;
        } else {
            out[0] = in[0];
            out[1] = in[step];
            out[2] = in[2 * step];
        }
    }
}

int clipz_decode_png(const uint8_t *data, size_t size, clipz_rgb_image *out,
                     char *message, size_t message_cap) {
    memset(out, 0, sizeof *out);
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        clipz_image_message(message, message_cap, "PNG: missing PNG signature");
        return CLIPZ_IMAGE_CORRUPT;
    }
    png_ctx ctx = {data, size, 0, message, message_cap, CLIPZ_IMAGE_OK, NULL, NULL, NULL};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, on_error, on_warning);
    if (png == NULL) return CLIPZ_IMAGE_NO_MEMORY;
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        return CLIPZ_IMAGE_NO_MEMORY;
    }
    png_ctx *volatile c = &ctx;
    if (setjmp(png_jmpbuf(png))) {
        free(c->rows); free(c->row); free(c->rgb);
        png_destroy_read_struct(&png, &info, NULL);
        return c->status == CLIPZ_IMAGE_OK ? CLIPZ_IMAGE_CORRUPT : c->status;
    }
    png_set_read_fn(png, &ctx, on_read);
    png_set_chunk_malloc_max(png, 64u << 20); /* caps ancillary chunks (iCCP, zTXt, ...) */
    png_read_info(png, info);

    png_uint_32 width = 0, height = 0;
    int depth = 0, color = 0, interlace = 0;
    png_get_IHDR(png, info, &width, &height, &depth, &color, &interlace, NULL, NULL);
    int st = clipz_image_check_size(width, height, message, message_cap);
    if (st != CLIPZ_IMAGE_OK) {
        ctx.status = st;
        png_longjmp(png, 1);
    }
    if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png); /* may add alpha from tRNS */
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    int passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);

    const int channels = png_get_channels(png, info);
    const int depth16 = png_get_bit_depth(png, info) == 16;
    const size_t rowbytes = png_get_rowbytes(png, info);
    if (channels < 1 || channels > 4 || rowbytes < (size_t)width * channels * (depth16 ? 2 : 1)) {
        ctx.status = CLIPZ_IMAGE_UNSUPPORTED;
        clipz_image_message(message, message_cap, "PNG: unexpected layout (%d channels)", channels);
        png_longjmp(png, 1);
    }
    ctx.rgb = clipz_image_alloc_rgb(width, height);
    if (ctx.rgb == NULL) {
        ctx.status = CLIPZ_IMAGE_NO_MEMORY;
        clipz_image_message(message, message_cap, "PNG: out of memory for %ux%u", width, height);
        png_longjmp(png, 1);
    }
    if (passes > 1) {
        /* Interlaced: libpng fills rows over several passes, so keep the whole image. rowbytes is
         * at most 8 × 16384, height at most 16384: the product fits in size_t. */
        ctx.rows = (uint8_t *)malloc(rowbytes * height);
        png_bytep *pointers = ctx.rows ? (png_bytep *)malloc(sizeof(png_bytep) * height) : NULL;
        if (pointers == NULL) {
            ctx.status = CLIPZ_IMAGE_NO_MEMORY;
            clipz_image_message(message, message_cap, "PNG: out of memory for interlaced %ux%u", width, height);
            png_longjmp(png, 1);
        }
        for (png_uint_32 y = 0; y < height; y++) pointers[y] = ctx.rows + rowbytes * y;
        /* row pointers are parked in ctx.row so the error path frees them */
        ctx.row = (uint8_t *)pointers;
        png_read_image(png, pointers);
        for (png_uint_32 y = 0; y < height; y++)
            row_to_rgb(pointers[y], ctx.rgb + (size_t)y * width * 3, width, channels, depth16);
    } else {
        ctx.row = (uint8_t *)malloc(rowbytes);
        if (ctx.row == NULL) {
            ctx.status = CLIPZ_IMAGE_NO_MEMORY;
            png_longjmp(png, 1);
        }
        for (png_uint_32 y = 0; y < height; y++) {
            png_read_row(png, ctx.row, NULL);
            row_to_rgb(ctx.row, ctx.rgb + (size_t)y * width * 3, width, channels, depth16);
        }
    }
    /* Trailing chunks after the pixels are not read: Pillow ignores them too. */
    free(ctx.rows); free(ctx.row);
    png_destroy_read_struct(&png, &info, NULL);
    out->width = (int32_t)width;
    out->height = (int32_t)height;
    out->pixels = ctx.rgb;
    return CLIPZ_IMAGE_OK;
}
