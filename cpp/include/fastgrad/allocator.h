// The caching CPU allocator behind tensor storage. See Note [Caching allocator] in allocator.cpp.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fastgrad {

// A 64-byte aligned block of at least `nbytes` (its real size is returned in `block_bytes`, to be passed
// back to release_block). Throws Error ("DefaultCPUAllocator: can't allocate memory ...") when the system has
// no memory left, even after the cache was emptied.
void* allocate_block(size_t nbytes, size_t& block_bytes);
void release_block(void* data, size_t block_bytes);

// Gives every cached (free) block back to the system. Blocks in use are untouched.
void empty_cache();

// Most bytes of free blocks the cache keeps; a freed block that would exceed it goes back to the system.
void set_cache_limit(size_t bytes);
size_t cache_limit();

struct AllocatorStats {
  size_t allocated_bytes;  // in blocks handed out and not yet released
  size_t cached_bytes;     // in free blocks held by the cache
  size_t peak_allocated_bytes;
  uint64_t allocations;  // calls to allocate_block
  uint64_t cache_hits;   // ... served from the cache
  uint64_t requested_bytes;  // summed over those calls (bytes asked for, not block sizes)
};
AllocatorStats allocator_stats();

}  // namespace fastgrad
