// Bridges the system zstd library (libzstd-dev) into Swift.
#include <zstd.h>
#include <zstd_errors.h>
