#include "CTFEventsMappingGuard.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

// Per slot: start, end (exclusive), poisoned, owned. Static storage is
// zero-initialised before main: nothing here is initialised lazily.
static _Atomic uintptr_t slot_start[TFE_GUARD_SLOTS];
static _Atomic uintptr_t slot_end[TFE_GUARD_SLOTS];
static _Atomic int slot_poisoned[TFE_GUARD_SLOTS];
static _Atomic int slot_owned[TFE_GUARD_SLOTS];

// Written once, before the handler is installed; only read afterwards.
static struct sigaction previous_action;
static uintptr_t page_size;
// 0: not yet; 1: installed; 2: failed.
static _Atomic int install_state;
static _Atomic int installing;

static void restore_default(int signal, const siginfo_t *info) {
    struct sigaction fallback;
    memset(&fallback, 0, sizeof fallback);
    fallback.sa_handler = SIG_DFL;
    sigemptyset(&fallback.sa_mask);
    sigaction(SIGBUS, &fallback, NULL);
    // A fault (si_code > 0) repeats when the handler returns, into the
    // default action (terminate with a core dump); a signal sent by a
    // process (kill, raise) does not, so send it again.
    if (info == NULL || info->si_code <= 0) raise(signal);
}

static void handle_sigbus(int signal, siginfo_t *info, void *context) {
    if (info != NULL) {
        uintptr_t address = (uintptr_t)info->si_addr;
        for (int slot = 0; slot < TFE_GUARD_SLOTS; slot++) {
            uintptr_t start = atomic_load_explicit(&slot_start[slot], memory_order_acquire);
            if (start == 0 || address < start) continue;
            if (address >= atomic_load_explicit(&slot_end[slot], memory_order_acquire)) continue;
            uintptr_t page = address & ~(page_size - 1);
            void *zeros = mmap((void *)page, page_size, PROT_READ, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (zeros != MAP_FAILED) {
                atomic_store_explicit(&slot_poisoned[slot], 1, memory_order_release);
                return;
            }
            break;
        }
    }
    // Not one of ours: hand it to whoever handled SIGBUS before us.
    if (previous_action.sa_flags & SA_SIGINFO) {
        if (previous_action.sa_sigaction != NULL) {
            previous_action.sa_sigaction(signal, info, context);
            return;
        }
    } else if (previous_action.sa_handler != SIG_DFL && previous_action.sa_handler != SIG_IGN) {
        previous_action.sa_handler(signal);
        return;
    }
    // SIG_DFL, or SIG_IGN (which cannot stop a fault from repeating).
    restore_default(signal, info);
}

int tfe_guard_install(void) {
    int state = atomic_load_explicit(&install_state, memory_order_acquire);
    if (state != 0) return state == 1;
    int expected = 0;
    if (!atomic_compare_exchange_strong(&installing, &expected, 1)) {
        // Another thread is installing: wait for its verdict.
        while ((state = atomic_load_explicit(&install_state, memory_order_acquire)) == 0) {}
        return state == 1;
    }
    long size = sysconf(_SC_PAGESIZE);
    page_size = size > 0 ? (uintptr_t)size : 4096;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = handle_sigbus;
    action.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    int ok = sigaction(SIGBUS, &action, &previous_action) == 0;
    atomic_store_explicit(&install_state, ok ? 1 : 2, memory_order_release);
    return ok;
}

int tfe_guard_claim(void) {
    if (!tfe_guard_install()) return -1;
    for (int slot = 0; slot < TFE_GUARD_SLOTS; slot++) {
        int expected = 0;
        if (atomic_compare_exchange_strong(&slot_owned[slot], &expected, 1)) return slot;
    }
    return -1;
}

void tfe_guard_register(int slot, const void *start, size_t length) {
    if (slot < 0 || slot >= TFE_GUARD_SLOTS) return;
    uintptr_t begin = (uintptr_t)start;
    // Clear the start first so the handler never sees a new start with an
    // old end; set it last.
    atomic_store(&slot_start[slot], 0);
    atomic_store(&slot_end[slot], begin + length);
    atomic_store(&slot_poisoned[slot], 0);
    atomic_store(&slot_start[slot], begin);
}

void tfe_guard_release(int slot) {
    if (slot < 0 || slot >= TFE_GUARD_SLOTS) return;
    tfe_guard_register(slot, NULL, 0);
    atomic_store(&slot_owned[slot], 0);
}

int tfe_guard_is_poisoned(int slot) {
    if (slot < 0 || slot >= TFE_GUARD_SLOTS) return 0;
    return atomic_load(&slot_poisoned[slot]);
}
