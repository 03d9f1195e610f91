#include "CBareDecompressor.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

/// Maps the whole file read-only; NULL on error (size 0 included).
static const unsigned char *map_file(const char *path, size_t *size) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    struct stat info;
    if (fstat(fd, &info) != 0 || info.st_size <= 0) { close(fd); return NULL; }
    void *base = mmap(NULL, (size_t)info.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (base == MAP_FAILED) return NULL;
    *size = (size_t)info.st_size;
    return base;
}

int64_t bare_inflate_file(const char *path, void *buffer, size_t capacity) {
    size_t size = 0;
    const unsigned char *input = map_file(path, &size);
    if (input == NULL) return -1;
    z_stream stream = {0};
    int64_t total = -1;
    // 15 + 32: a 32 KiB window, gzip or zlib header detected.
    if (inflateInit2(&stream, 15 + 32) == Z_OK) {
        total = 0;
        size_t consumed = 0;
        int status = Z_OK;
        while (status != Z_STREAM_END) {
            if (stream.avail_in == 0) {
                size_t chunk = size - consumed > (1u << 30) ? (1u << 30) : size - consumed;
                if (chunk == 0) { total = -1; break; }
                stream.next_in = (unsigned char *)input + consumed;
                stream.avail_in = (uInt)chunk;
                consumed += chunk;
            }
            stream.next_out = buffer;
            stream.avail_out = (uInt)capacity;
            status = inflate(&stream, Z_NO_FLUSH);
            if (status != Z_OK && status != Z_STREAM_END) { total = -1; break; }
            total += (int64_t)(capacity - stream.avail_out);
        }
        inflateEnd(&stream);
    }
    munmap((void *)input, size);
    return total;
}

int64_t bare_zstd_file(const char *path, void *buffer, size_t capacity) {
    size_t size = 0;
    const unsigned char *input = map_file(path, &size);
    if (input == NULL) return -1;
    ZSTD_DCtx *context = ZSTD_createDCtx();
    int64_t total = context == NULL ? -1 : 0;
    ZSTD_inBuffer in = {input, size, 0};
    while (context != NULL && in.pos < in.size) {
        ZSTD_outBuffer out = {buffer, capacity, 0};
        size_t status = ZSTD_decompressStream(context, &out, &in);
        if (ZSTD_isError(status)) { total = -1; break; }
        total += (int64_t)out.pos;
    }
    ZSTD_freeDCtx(context);
    munmap((void *)input, size);
    return total;
}
