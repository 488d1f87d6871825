/* JPEG → 8-bit RGB with libjpeg-turbo, matching Pillow's Image.open(...).convert("RGB"). */
#include "image_internal.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

/* A hostile progressive file can hold thousands of tiny scans; libjpeg-turbo's own tools stop at 500. */
#define MAX_SCANS 500

typedef struct {
    struct jpeg_error_mgr pub; /* must stay first: libjpeg hands us this pointer */
    jmp_buf jump;
    char *message;
    size_t cap;
    int status;
} jpeg_ctx;

static void fail(j_common_ptr cinfo, int status) {
    jpeg_ctx *ctx = (jpeg_ctx *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    ctx->status = status;
    clipz_image_message(ctx->message, ctx->cap, "JPEG: %s", text);
    longjmp(ctx->jump, 1);
}

static void on_error_exit(j_common_ptr cinfo) { fail(cinfo, CLIPZ_IMAGE_CORRUPT); }

/* Warnings are ignored (as Pillow does) except running out of data: libjpeg would pad the
 * rest of the image with grey, where Pillow reports a truncated file. */
static void on_message(j_common_ptr cinfo, int level) {
    if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) fail(cinfo, CLIPZ_IMAGE_CORRUPT);
}

static void on_progress(j_common_ptr cinfo) {
    j_decompress_ptr d = (j_decompress_ptr)cinfo;
    if (d->is_decompressor && d->input_scan_number > MAX_SCANS) {
        jpeg_ctx *ctx = (jpeg_ctx *)cinfo->err;
        ctx->status = CLIPZ_IMAGE_UNSUPPORTED;
        clipz_image_message(ctx->message, ctx->cap, "JPEG: more than %d progressive scans", MAX_SCANS);
        longjmp(ctx->jump, 1);
    }
}

/* Pillow reads CMYK JPEGs as "CMYK;I" (Adobe polarity: stored values are inverted) and converts
 * with r = nk - nk*c/255, nk = 255 - k, using its rounding MULDIV255. */
static inline uint8_t cmyk_channel(uint8_t stored_c, uint8_t stored_k) {
    int c = 255 - stored_c, nk = stored_k; /* nk = 255 - (255 - stored_k) */
    int t = c * nk + 128;
    int v = nk - (((t >> 8) + t) >> 8);
    return (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v));
}

static void row_to_rgb(const uint8_t *in, uint8_t *out, JDIMENSION width, int components) {
    for (JDIMENSION x = 0; x < width; x++, in += components, out += 3) {
        if (components == 1) {
            out[0] = out[1] = out[2] = in[0];
        } else if (components == 3) {
            out[0] = in[0]; out[1] = in[1]; out[2] = in[2];
        } else {
            out[0] = cmyk_channel(in[0], in[3]);
            out[1] = cmyk_channel(in[1], in[3]);
            out[2] = cmyk_channel(in[2], in[3]);
        }
    }
}

int clipz_decode_jpeg(const uint8_t *data, size_t size, clipz_rgb_image *out,
                      char *message, size_t message_cap) {
    memset(out, 0, sizeof *out);
    if (size < 3 || data[0] != 0xFF || data[1] != 0xD8) {
        clipz_image_message(message, message_cap, "JPEG: missing SOI marker");
        return CLIPZ_IMAGE_CORRUPT;
    }
    struct jpeg_decompress_struct cinfo;
    struct jpeg_progress_mgr progress;
    jpeg_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.message = message;
    ctx.cap = message_cap;
    cinfo.err = jpeg_std_error(&ctx.pub);
    ctx.pub.error_exit = on_error_exit;
    ctx.pub.emit_message = on_message;
    /* Both buffers are only touched through these volatile pointers after a longjmp. */
    uint8_t *volatile rgb = NULL;
    uint8_t *volatile row = NULL;
    if (setjmp(ctx.jump)) {
        free(rgb); free(row);
        jpeg_destroy_decompress(&cinfo);
        return ctx.status == CLIPZ_IMAGE_OK ? CLIPZ_IMAGE_CORRUPT : ctx.status;
    }
    jpeg_create_decompress(&cinfo);
    /* Progressive files buffer all coefficients (≈2 bytes per sample); without a backing store,
     * libjpeg fails cleanly once its virtual arrays would exceed this. */
    cinfo.mem->max_memory_to_use = 1536L << 20;
    progress.progress_monitor = on_progress;
    cinfo.progress = &progress;
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);

    int st = clipz_image_check_size(cinfo.image_width, cinfo.image_height, message, message_cap);
    if (st != CLIPZ_IMAGE_OK) {
        ctx.status = st;
        longjmp(ctx.jump, 1);
    }
    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE: cinfo.out_color_space = JCS_GRAYSCALE; break;
    case JCS_CMYK:
    case JCS_YCCK: cinfo.out_color_space = JCS_CMYK; break;
    default: cinfo.out_color_space = JCS_RGB; break;
    }
    jpeg_start_decompress(&cinfo);
    const int comps = cinfo.output_components;
    if (cinfo.output_width != cinfo.image_width || cinfo.output_height != cinfo.image_height ||
        (comps != 1 && comps != 3 && comps != 4)) {
        ctx.status = CLIPZ_IMAGE_UNSUPPORTED;
        clipz_image_message(message, message_cap, "JPEG: unexpected output layout (%d components)", comps);
        longjmp(ctx.jump, 1);
    }
    const JDIMENSION width = cinfo.output_width, height = cinfo.output_height;
    rgb = clipz_image_alloc_rgb(width, height);
    row = (uint8_t *)malloc((size_t)width * (size_t)comps);
    if (rgb == NULL || row == NULL) {
        ctx.status = CLIPZ_IMAGE_NO_MEMORY;
        clipz_image_message(message, message_cap, "JPEG: out of memory for %ux%u", width, height);
        longjmp(ctx.jump, 1);
    }
    while (cinfo.output_scanline < height) {
        JSAMPROW rows[1] = {row};
        JDIMENSION y = cinfo.output_scanline;
        if (jpeg_read_scanlines(&cinfo, rows, 1) != 1) {
            ctx.status = CLIPZ_IMAGE_CORRUPT;
            clipz_image_message(message, message_cap, "JPEG: decoder stalled at row %u", y);
            longjmp(ctx.jump, 1);
        }
        row_to_rgb(row, rgb + (size_t)y * width * 3, width, comps);
    }
    /* No jpeg_finish_decompress: bytes after the last scan do not change the pixels. */
    uint8_t *result = rgb;
    free(row);
    jpeg_destroy_decompress(&cinfo);
    out->width = (int32_t)width;
    out->height = (int32_t)height;
    out->pixels = result;
    return CLIPZ_IMAGE_OK;
}
