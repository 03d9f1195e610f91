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

// The last 8 + r bytes of a buffer (r = length % 8, 1 <= r <= 7), in
// exactly two `crc32` quadword steps and no data-dependent branch.
//
// Record payloads have all sorts of lengths, so a byte-at-a-time tail costs
// a branch misprediction or two per record, more than the CRC itself.
// Instead the r odd bytes are processed as a quadword whose first 8 - r
// bytes are zero: with a zero register, leading zero bytes leave a CRC
// register unchanged, so the register `c` is folded into the message
// where the data starts (a CRC register equals the same value XORed into
// the next four message bytes). Bytes of `c` that do not fit before the
// end of that quadword land at the start of the final 8 bytes.
__attribute__((target("sse4.2"), always_inline))
static inline uint32_t tfe_tail(uint64_t c, const unsigned char *p, size_t r) {
    uint64_t head = tfe_load64(p);     // its first r bytes are data
    uint64_t last = tfe_load64(p + r); // the final 8 bytes
    uint64_t first = (head ^ c) << (64 - 8 * r);
    last ^= c >> (8 * r);
    uint64_t x = _mm_crc32_u64(0, first);
    return (uint32_t)_mm_crc32_u64(x, last);
}

// The kernel body, inlined into both entry points below.
__attribute__((target("sse4.2"), always_inline))
static inline uint32_t tfe_sse42_extend(uint32_t crc, const unsigned char *p, size_t length) {
    uint64_t c = (uint32_t)~crc;

    if (length < 8) {
        while (length > 0) {
            c = _mm_crc32_u8((uint32_t)c, *p++);
            length--;
        }
        return ~(uint32_t)c;
    }
    if (length >= 3 * TFE_SHORT_BLOCK) {
        pthread_once(&tfe_tables_once, tfe_build_tables);
        c = tfe_three_streams(c, &p, &length, TFE_LONG_BLOCK, &tfe_long_shift);
        c = tfe_three_streams(c, &p, &length, TFE_MEDIUM_BLOCK, &tfe_medium_shift);
        c = tfe_three_streams(c, &p, &length, TFE_SHORT_BLOCK, &tfe_short_shift);
        if (length < 8) {
            while (length > 0) {
                c = _mm_crc32_u8((uint32_t)c, *p++);
                length--;
            }
            return ~(uint32_t)c;
        }
    }
    // At least 8 bytes left. A whole number of quadwords is one plain chain
    // (the tail trick would add a step to it); otherwise the quadwords, then
    // the last 8 + r bytes. The test on r costs a misprediction on about one
    // record in eight.
    size_t r = length & 7;
    if (r == 0) {
        const unsigned char *end = p + length;
        while (p < end) {
            c = _mm_crc32_u64(c, tfe_load64(p));
            p += 8;
        }
        return ~(uint32_t)c;
    }
    const unsigned char *tail = p + length - 8 - r;
    while (p < tail) {
        c = _mm_crc32_u64(c, tfe_load64(p));
        p += 8;
    }
    return ~tfe_tail(c, tail, r);
}

__attribute__((target("sse4.2")))
uint32_t tfe_crc32c_sse42(uint32_t crc, const void *data, size_t length) {
    return tfe_sse42_extend(crc, (const unsigned char *)data, length);
}

__attribute__((target("sse4.2")))
uint64_t tfe_crc32c_sse42_record(const void *record, size_t payload_length) {
    const unsigned char *p = (const unsigned char *)record;
    // The 8 length bytes: one step from the inverted zero register.
    uint32_t length_crc = ~(uint32_t)_mm_crc32_u64(0xFFFFFFFFu, tfe_load64(p));
    uint32_t payload_crc = tfe_sse42_extend(0, p + 12, payload_length);
    return (uint64_t)length_crc << 32 | payload_crc;
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
uint64_t tfe_crc32c_sse42_record(const void *record, size_t payload_length) {
    (void)record; (void)payload_length;
    return 0;
}

#endif
