// Arithmetic shared by the hardware kernels: moving a CRC register past
// runs of zero bytes, which is how interleaved streams are merged.
#ifndef CTFEVENTS_CRC_COMBINE_H
#define CTFEVENTS_CRC_COMBINE_H

#include <stdint.h>

/// A "shift table": the linear map r -> r * x^(8n) mod P, split per byte of
/// r so that applying it costs four lookups. Entry [k][b] is the image of
/// byte value b placed at byte position k of the register.
typedef struct {
    uint32_t byte[4][256];
} tfe_shift_table;

/// Fills `table` for a shift of `byte_count` zero bytes.
void tfe_shift_table_init(tfe_shift_table *table, uint64_t byte_count);

static inline uint32_t tfe_shift_apply(const tfe_shift_table *table, uint32_t r) {
    return table->byte[0][r & 0xff] ^ table->byte[1][(r >> 8) & 0xff] ^
           table->byte[2][(r >> 16) & 0xff] ^ table->byte[3][r >> 24];
}

#endif
