// CBareDecompressor: the yardstick of the Decompress benchmark. The system
// zlib and zstd decoding a whole mapped file into a reused buffer, nothing
// else: what reading a compressed log costs before any framing, checksum
// or decoding of events.
#ifndef CBARE_DECOMPRESSOR_H
#define CBARE_DECOMPRESSOR_H

#include <stddef.h>
#include <stdint.h>

/// Inflates the gzip or zlib stream in the file at `path` (the header
/// decides) into `buffer` of `capacity` bytes, over and over.
/// Returns the uncompressed byte count, or -1 on any error.
int64_t bare_inflate_file(const char *path, void *buffer, size_t capacity);

/// Decodes the zstd frames in the file at `path` the same way.
/// Returns the uncompressed byte count, or -1 on any error.
int64_t bare_zstd_file(const char *path, void *buffer, size_t capacity);

#endif
