// The caching CPU allocator behind tensor storage. See Note [Caching allocator] in allocator.cpp.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fastgrad {

/// A 64-byte aligned block of at least `nbytes` (its real size is returned in `block_bytes`, to be passed
/// back to release_block). Throws Error ("DefaultCPUAllocator: can't allocate memory ...") when the system has
/// no memory left, even after the cache was emptied.
void* allocate_block(size_t nbytes, size_t& block_bytes);
/// Returns a block of block_bytes to the cache (or the system) (internal; Storage's deleter).
void release_block(void* data, size_t block_bytes);

/// Gives every cached (free) block back to the system. Blocks in use are untouched.
void empty_cache();

/// Most bytes of free blocks the cache keeps; a freed block that would exceed it goes back to the system.
void set_cache_limit(size_t bytes);
/// The cache's current limit in bytes.
size_t cache_limit();

/// What the caching allocator holds and has handed out (allocator_stats()).
struct AllocatorStats {
  size_t allocated_bytes;  ///< in blocks handed out and not yet released
  size_t cached_bytes;  ///< in free blocks held by the cache
  /// The most bytes allocated at once since the start.
  size_t peak_allocated_bytes;
  uint64_t allocations;  ///< calls to allocate_block
  uint64_t cache_hits;  ///< ... served from the cache
  uint64_t requested_bytes;  ///< summed over those calls (bytes asked for, not block sizes)
};
/// The allocator's counters now.
AllocatorStats allocator_stats();

}  // namespace fastgrad
