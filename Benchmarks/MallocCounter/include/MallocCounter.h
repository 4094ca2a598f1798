#ifndef SESSIONTAIL_MALLOC_COUNTER_H
#define SESSIONTAIL_MALLOC_COUNTER_H
#include <stdint.h>

/// Calls of malloc, calloc, realloc, posix_memalign, aligned_alloc and memalign made by this process so
/// far. Linked into a benchmark, this target's definitions of those functions come first in symbol lookup,
/// so every allocation (the Swift runtime's included) is counted before it goes on to glibc's allocator.
uint64_t sessiontail_allocation_count(void);
#endif
