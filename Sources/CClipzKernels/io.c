// File-writing helpers the Swift overlay does not expose.
#define _GNU_SOURCE
#include "clipz_kernels.h"
#include <fcntl.h>

// Both are advice to the kernel, so they return nothing: errors surface at fsync, and pages still dirty or
// under writeback are skipped by FADV_DONTNEED, so neither can lose data. Elsewhere they do nothing.
void clipz_start_writeback(int fd, int64_t offset, int64_t length) {
#if defined(__linux__)
    (void)sync_file_range(fd, (off_t)offset, (off_t)length, SYNC_FILE_RANGE_WRITE);  // queue writeback, return
#endif
    (void)fd; (void)offset; (void)length;
}

void clipz_drop_cached(int fd, int64_t offset, int64_t length) {
#if defined(__linux__)
    (void)posix_fadvise(fd, (off_t)offset, (off_t)length, POSIX_FADV_DONTNEED);
#endif
    (void)fd; (void)offset; (void)length;
}
