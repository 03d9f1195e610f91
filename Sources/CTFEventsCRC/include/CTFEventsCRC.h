// CTFEventsCRC: the CPU's CRC instructions (the SIGBUS guard is the other C target).
//
// It exists because Swift cannot name the CPU's CRC32C instructions
// (SSE4.2 `crc32` on x86-64, the ARMv8 CRC extension on aarch64) nor probe
// the CPU for them. Kernels are compiled with __attribute__((target(...))),
// so the package needs no unsafe compiler flags; callers must check the
// matching `tfe_cpu_has_*` probe before calling a kernel.
#ifndef CTFEVENTS_CRC_H
#define CTFEVENTS_CRC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when this x86-64 CPU implements SSE4.2 (cpuid leaf 1, ECX bit 20), else 0.
int tfe_cpu_has_sse42(void);

/// 1 when this aarch64 CPU implements the CRC32 extension (HWCAP_CRC32), else 0.
int tfe_cpu_has_arm64_crc(void);

/// Continues the finished CRC-32C `crc` over `length` bytes at `data` using
/// SSE4.2, with three interleaved streams on long buffers.
/// Precondition: tfe_cpu_has_sse42() returned 1. Returns `crc` unchanged on
/// other architectures.
uint32_t tfe_crc32c_sse42(uint32_t crc, const void *data, size_t length);

/// The two CRC-32Cs of one TFRecord in one call: of the 8 length bytes at
/// `record` (returned in the high 32 bits) and of the `payload_length`
/// payload bytes at `record + 12` (low 32 bits). Plain CRCs, not masked.
/// Saves a record reader one call and a loop per record.
/// Precondition: tfe_cpu_has_sse42() returned 1 and `record` holds
/// 12 + payload_length readable bytes. Returns 0 on other architectures.
uint64_t tfe_crc32c_sse42_record(const void *record, size_t payload_length);

/// Same contract as tfe_crc32c_sse42, using the ARMv8 CRC32C instructions.
/// Precondition: tfe_cpu_has_arm64_crc() returned 1.
uint32_t tfe_crc32c_arm64(uint32_t crc, const void *data, size_t length);

/// Single-stream SSE4.2 loop, one `crc32` quadword instruction per 8 bytes.
/// Kept as a reference for tests (a second, independent hardware result).
uint32_t tfe_crc32c_sse42_single(uint32_t crc, const void *data, size_t length);

/// Multiplies two polynomials modulo the Castagnoli polynomial (bit-reflected
/// representation). Exposed for tests of the stream-merging arithmetic.
uint32_t tfe_crc32c_multiply(uint32_t a, uint32_t b);

/// Returns x^(8*byte_count) modulo the Castagnoli polynomial, reflected: the
/// factor that moves a CRC register past `byte_count` zero bytes.
uint32_t tfe_crc32c_zeros_factor(uint64_t byte_count);

#ifdef __cplusplus
}
#endif

#endif
