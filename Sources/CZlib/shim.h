// Bridges the system zlib (zlib1g-dev) into Swift.
// ZLIB_CONST makes `next_in` a pointer to const bytes, so input can be read
// straight from a read-only file mapping.
#define ZLIB_CONST 1
#include <zlib.h>
