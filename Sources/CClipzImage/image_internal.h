/* Internal helpers shared by png.c and jpeg.c (not part of the public header). */
#ifndef CLIPZ_IMAGE_INTERNAL_H
#define CLIPZ_IMAGE_INTERNAL_H

#include "include/clipz_image.h"

/** snprintf into the caller's message buffer (NULL/0 tolerated). */
void clipz_image_message(char *message, size_t cap, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/** CLIPZ_IMAGE_OK when width×height is within the caps and non-zero, else TOO_LARGE with a message. */
int clipz_image_check_size(uint64_t width, uint64_t height, char *message, size_t cap);

/** malloc of width*height*3 bytes; only call after clipz_image_check_size. */
uint8_t *clipz_image_alloc_rgb(uint32_t width, uint32_t height);

#endif
