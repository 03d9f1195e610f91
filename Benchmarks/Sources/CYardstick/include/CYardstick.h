// CYardstick: the reference the CRC32C benchmark compares against.
#ifndef CYARDSTICK_H
#define CYARDSTICK_H

#include <stddef.h>
#include <stdint.h>

/// 1 when the CPU has SSE4.2 (the yardstick can run), else 0.
int yardstick_has_sse42(void);

/// CRC-32C of `length` bytes at `data`, continuing `crc`: the textbook
/// loop, one `_mm_crc32_u64` per 8 bytes, then one `_mm_crc32_u8` per byte.
/// Returns `crc` unchanged on CPUs without SSE4.2.
uint32_t yardstick_crc32c(uint32_t crc, const void *data, size_t length);

#endif
