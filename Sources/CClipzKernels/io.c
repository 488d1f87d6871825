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
