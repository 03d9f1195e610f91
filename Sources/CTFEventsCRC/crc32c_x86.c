// CRC-32C with the SSE4.2 `crc32` instruction.
//
// One `crc32` on a quadword has a latency of three cycles but a throughput
// of one per cycle, so a single dependency chain uses a third of the unit.
// Long buffers are therefore cut into three adjacent blocks whose CRCs run
// as three independent chains in the same loop; the three registers are then
// merged with shift tables (see crc32c_combine.h), which is exact because a
// CRC register is linear over GF(2).
#include "CTFEventsCRC.h"
#include "crc32c_combine.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <nmmintrin.h>
#include <pthread.h>
#include <string.h>

int tfe_cpu_has_sse42(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    return (ecx & bit_SSE4_2) != 0;
}

// Block sizes of the interleaved tiers. Each tier consumes 3 * size bytes per
// round and merges with one shift table built for `size` bytes.
enum { TFE_LONG_BLOCK = 8192, TFE_MEDIUM_BLOCK = 512, TFE_SHORT_BLOCK = 64 };

static tfe_shift_table tfe_long_shift, tfe_medium_shift, tfe_short_shift;
static pthread_once_t tfe_tables_once = PTHREAD_ONCE_INIT;

static void tfe_build_tables(void) {
    tfe_shift_table_init(&tfe_long_shift, TFE_LONG_BLOCK);
    tfe_shift_table_init(&tfe_medium_shift, TFE_MEDIUM_BLOCK);
    tfe_shift_table_init(&tfe_short_shift, TFE_SHORT_BLOCK);
}

static inline uint64_t tfe_load64(const unsigned char *p) {
    uint64_t v;
    memcpy(&v, p, sizeof v); // one unaligned load on x86
    return v;
}

// Runs rounds of three interleaved streams of `block` bytes while at least
// 3 * block bytes remain. `block` is a compile-time constant at each call
// site, so the inner loop is fully specialised.
__attribute__((target("sse4.2"), always_inline))
static inline uint64_t tfe_three_streams(uint64_t c0, const unsigned char **pp, size_t *remaining,
                                         size_t block, const tfe_shift_table *shift) {
    const unsigned char *p = *pp;
    size_t length = *remaining;
    while (length >= 3 * block) {
        uint64_t c1 = 0, c2 = 0;
        const unsigned char *end = p + block;
        do {
            c0 = _mm_crc32_u64(c0, tfe_load64(p));
            c1 = _mm_crc32_u64(c1, tfe_load64(p + block));
            c2 = _mm_crc32_u64(c2, tfe_load64(p + 2 * block));
            p += 8;
        } while (p < end);
        // Stream 0 is followed by `block` bytes of stream 1, then by `block`
        // bytes of stream 2: shift and fold in that order.
        c0 = tfe_shift_apply(shift, (uint32_t)c0) ^ (uint32_t)c1;
        c0 = tfe_shift_apply(shift, (uint32_t)c0) ^ (uint32_t)c2;
        p += 2 * block;
        length -= 3 * block;
    }
    *pp = p;
    *remaining = length;
    return c0;
}

__attribute__((target("sse4.2")))
uint32_t tfe_crc32c_sse42(uint32_t crc, const void *data, size_t length) {
    const unsigned char *p = (const unsigned char *)data;
    uint64_t c = (uint32_t)~crc;

    if (length >= 3 * TFE_SHORT_BLOCK) {
        pthread_once(&tfe_tables_once, tfe_build_tables);
        c = tfe_three_streams(c, &p, &length, TFE_LONG_BLOCK, &tfe_long_shift);
        c = tfe_three_streams(c, &p, &length, TFE_MEDIUM_BLOCK, &tfe_medium_shift);
        c = tfe_three_streams(c, &p, &length, TFE_SHORT_BLOCK, &tfe_short_shift);
    }
    while (length >= 8) {
        c = _mm_crc32_u64(c, tfe_load64(p));
        p += 8;
        length -= 8;
    }
    if (length >= 4) {
        uint32_t v;
        memcpy(&v, p, sizeof v);
        c = _mm_crc32_u32((uint32_t)c, v);
        p += 4;
        length -= 4;
    }
    while (length > 0) {
        c = _mm_crc32_u8((uint32_t)c, *p++);
        length--;
    }
    return ~(uint32_t)c;
}

__attribute__((target("sse4.2")))
uint32_t tfe_crc32c_sse42_single(uint32_t crc, const void *data, size_t length) {
    const unsigned char *p = (const unsigned char *)data;
    uint64_t c = (uint32_t)~crc;
    while (length >= 8) {
        c = _mm_crc32_u64(c, tfe_load64(p));
        p += 8;
        length -= 8;
    }
    while (length > 0) {
        c = _mm_crc32_u8((uint32_t)c, *p++);
        length--;
    }
    return ~(uint32_t)c;
}

#else

int tfe_cpu_has_sse42(void) { return 0; }
uint32_t tfe_crc32c_sse42(uint32_t crc, const void *data, size_t length) {
    (void)data; (void)length;
    return crc;
}
uint32_t tfe_crc32c_sse42_single(uint32_t crc, const void *data, size_t length) {
    (void)data; (void)length;
    return crc;
}

#endif
