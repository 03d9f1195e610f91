// GF(2) arithmetic modulo the CRC-32C polynomial, in the bit-reflected form
// that CRC registers use: bit 31 is the coefficient of x^0, bit 0 that of x^31.
#include "CTFEventsCRC.h"
#include "crc32c_combine.h"

#define TFE_POLY_REFLECTED 0x82F63B78u
#define TFE_ONE (1u << 31) /* the polynomial 1 (x^0) in reflected form */

uint32_t tfe_crc32c_multiply(uint32_t a, uint32_t b) {
    // Schoolbook multiply: walk the coefficients of `a` from x^0 upwards
    // while `b` is multiplied by x (a right shift in reflected form, folding
    // the polynomial back in when x^32 appears).
    uint32_t product = 0;
    for (int i = 0; i < 32; i++) {
        if (a & (TFE_ONE >> i)) product ^= b;
        b = (b & 1) ? (b >> 1) ^ TFE_POLY_REFLECTED : (b >> 1);
    }
    return product;
}

uint32_t tfe_crc32c_zeros_factor(uint64_t byte_count) {
    // x^(8n) by square-and-multiply over the bits of 8n.
    uint32_t result = TFE_ONE;
    uint32_t power = TFE_ONE >> 1; // x^1
    uint64_t exponent = byte_count * 8;
    while (exponent != 0) {
        if (exponent & 1) result = tfe_crc32c_multiply(result, power);
        power = tfe_crc32c_multiply(power, power);
        exponent >>= 1;
    }
    return result;
}

void tfe_shift_table_init(tfe_shift_table *table, uint64_t byte_count) {
    uint32_t factor = tfe_crc32c_zeros_factor(byte_count);
    for (int position = 0; position < 4; position++) {
        for (uint32_t value = 0; value < 256; value++) {
            uint32_t r = value << (8 * position);
            table->byte[position][value] = tfe_crc32c_multiply(r, factor);
        }
    }
}
