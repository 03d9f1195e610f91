// CTFEventsMappingGuard: the SIGBUS guard of mapped files, in C because a
// signal handler must be async-signal-safe, which Swift code cannot promise
// (a Swift global is initialised lazily, and its accessor may take a lock).
//
// A file truncated while it is mapped makes a read of a page past its new
// end raise SIGBUS. Mappings register their address range in a fixed table
// of slots; the handler, finding the faulting address inside a registered
// range, maps a page of zeros over it, marks the slot poisoned and returns,
// so the read completes (with zeros, which fail their CRC) and the reader
// reports "truncated while reading". A SIGBUS anywhere else goes to the
// handler that was installed before ours (the Swift runtime's backtracer,
// or a host application's); if that was the default action, the default
// action is restored and the fault repeats into it.
//
// The handler touches only the static table (lock-free atomics), `mmap`
// and `sigaction`, all async-signal-safe.
#ifndef CTFEVENTS_MAPPING_GUARD_H
#define CTFEVENTS_MAPPING_GUARD_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Slots in the table: mappings that can be guarded at once.
#define TFE_GUARD_SLOTS 1024

/// Installs the handler, saving the previous one (once per process; later
/// calls return the first result). 1 when installed, 0 when `sigaction`
/// failed.
int tfe_guard_install(void);

/// Claims a free slot: its index, or -1 when the handler is not installed
/// or all TFE_GUARD_SLOTS slots are taken.
int tfe_guard_claim(void);

/// Records the range of `slot` (`start == NULL` clears it) and clears its
/// poisoned mark.
void tfe_guard_register(int slot, const void *start, size_t length);

/// Clears the range of `slot` and gives it back.
void tfe_guard_release(int slot);

/// 1 when a SIGBUS was absorbed in the range of `slot` since it was last
/// registered, else 0.
int tfe_guard_is_poisoned(int slot);

#ifdef __cplusplus
}
#endif

#endif
