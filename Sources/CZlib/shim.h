// Bridges the system zlib (zlib1g-dev) into Swift.
#include <zlib.h>
