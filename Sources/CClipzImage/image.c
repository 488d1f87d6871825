/* Shared helpers of the image shim: size caps, output allocation, messages, freeing. */
#include "image_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void clipz_image_message(char *message, size_t cap, const char *format, ...) {
    if (message == NULL || cap == 0) return;
    va_list args;
    va_start(args, format);
    vsnprintf(message, cap, format, args);
    va_end(args);
}

int clipz_image_check_size(uint64_t width, uint64_t height, char *message, size_t cap) {
    if (width == 0 || height == 0) {
        clipz_image_message(message, cap, "image has zero size (%llux%llu)",
                            (unsigned long long)width, (unsigned long long)height);
        return CLIPZ_IMAGE_TOO_LARGE;
    }
    /* Both sides are capped first, so the product below cannot overflow 64 bits. */
    if (width > CLIPZ_IMAGE_MAX_SIDE || height > CLIPZ_IMAGE_MAX_SIDE ||
        width * height > (uint64_t)CLIPZ_IMAGE_MAX_PIXELS) {
        clipz_image_message(message, cap, "image is %llux%llu; the limit is %d per side and %lld pixels",
                            (unsigned long long)width, (unsigned long long)height,
                            CLIPZ_IMAGE_MAX_SIDE, (long long)CLIPZ_IMAGE_MAX_PIXELS);
        return CLIPZ_IMAGE_TOO_LARGE;
    }
    return CLIPZ_IMAGE_OK;
}

uint8_t *clipz_image_alloc_rgb(uint32_t width, uint32_t height) {
    /* Callers have passed clipz_image_check_size, so this fits comfortably in size_t. */
    return (uint8_t *)malloc((size_t)width * (size_t)height * 3u);
}

void clipz_image_free(clipz_rgb_image *image) {
    if (image == NULL) return;
    free(image->pixels);
    image->pixels = NULL;
    image->width = 0;
    image->height = 0;
}
