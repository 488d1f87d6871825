// File-writing helpers the Swift overlay does not expose.
#define _GNU_SOURCE
#include "clipz_kernels.h"
#include <fcntl.h>

void clipz_start_writeback(int fd, int64_t offset, int64_t length) {
#if defined(__linux__)
    // Asynchronous: queues the range for writeback and returns; errors surface at fsync.
    (void)sync_file_range(fd, (off_t)offset, (off_t)length, SYNC_FILE_RANGE_WRITE);
#else
    (void)fd; (void)offset; (void)length;
#endif
}

void clipz_drop_cached(int fd, int64_t offset, int64_t length) {
#if defined(__linux__)
    // Pages still dirty or under writeback are skipped by the kernel, so this never loses data.
    (void)posix_fadvise(fd, (off_t)offset, (off_t)length, POSIX_FADV_DONTNEED);
#else
    (void)fd; (void)offset; (void)length;
#endif
}
