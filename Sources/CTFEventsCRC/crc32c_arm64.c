// CRC-32C with the ARMv8 CRC32 extension (`crc32cx` and friends).
//
// Same structure as the x86 kernel: three interleaved streams on long
// buffers, merged with shift tables, then a single stream for the rest.
#include "CTFEventsCRC.h"
#include "crc32c_combine.h"

#if defined(__aarch64__)
#include <arm_acle.h>
#include <pthread.h>
#include <string.h>
#include <sys/auxv.h>

#ifndef HWCAP_CRC32
#define HWCAP_CRC32 (1 << 7)
#endif

int tfe_cpu_has_arm64_crc(void) {
    return (getauxval(AT_HWCAP) & HWCAP_CRC32) != 0;
}

enum { TFE_ARM_LONG_BLOCK = 8192, TFE_ARM_SHORT_BLOCK = 256 };

static tfe_shift_table tfe_arm_long_shift, tfe_arm_short_shift;
static pthread_once_t tfe_arm_tables_once = PTHREAD_ONCE_INIT;

static void tfe_arm_build_tables(void) {
    tfe_shift_table_init(&tfe_arm_long_shift, TFE_ARM_LONG_BLOCK);
    tfe_shift_table_init(&tfe_arm_short_shift, TFE_ARM_SHORT_BLOCK);
}

static inline uint64_t tfe_arm_load64(const unsigned char *p) {
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

__attribute__((target("crc"), always_inline))
static inline uint32_t tfe_arm_three_streams(uint32_t c0, const unsigned char **pp, size_t *remaining,
                                             size_t block, const tfe_shift_table *shift) {
    const unsigned char *p = *pp;
    size_t length = *remaining;
    while (length >= 3 * block) {
        uint32_t c1 = 0, c2 = 0;
        const unsigned char *end = p + block;
        do {
            c0 = __crc32cd(c0, tfe_arm_load64(p));
            c1 = __crc32cd(c1, tfe_arm_load64(p + block));
            c2 = __crc32cd(c2, tfe_arm_load64(p + 2 * block));
            p += 8;
        } while (p < end);
        c0 = tfe_shift_apply(shift, c0) ^ c1;
        c0 = tfe_shift_apply(shift, c0) ^ c2;
        p += 2 * block;
        length -= 3 * block;
    }
    *pp = p;
    *remaining = length;
    return c0;
}

__attribute__((target("crc")))
uint32_t tfe_crc32c_arm64(uint32_t crc, const void *data, size_t length) {
    const unsigned char *p = (const unsigned char *)data;
    uint32_t c = ~crc;
    if (length >= 3 * TFE_ARM_SHORT_BLOCK) {
        pthread_once(&tfe_arm_tables_once, tfe_arm_build_tables);
        c = tfe_arm_three_streams(c, &p, &length, TFE_ARM_LONG_BLOCK, &tfe_arm_long_shift);
        c = tfe_arm_three_streams(c, &p, &length, TFE_ARM_SHORT_BLOCK, &tfe_arm_short_shift);
    }
    while (length >= 8) {
        c = __crc32cd(c, tfe_arm_load64(p));
        p += 8;
        length -= 8;
    }
    while (length > 0) {
        c = __crc32cb(c, *p++);
        length--;
    }
    return ~c;
}

#else

int tfe_cpu_has_arm64_crc(void) { return 0; }
uint32_t tfe_crc32c_arm64(uint32_t crc, const void *data, size_t length) {
    (void)data; (void)length;
    return crc;
}

#endif
