// AddressSanitizer annotations for fastgrad's own memory pools (See Note [ASan and the pools]). Without ASan
// these are empty inline functions.
//
// Note [ASan and the pools]
// ASan sees malloc's blocks, not what fastgrad does inside them: the caching allocator hands out blocks
// rounded up to a size class and keeps freed blocks for reuse, and a small Storage keeps its bytes in an
// inline buffer. So an access a few bytes past a tensor's data, or through a pointer into a freed (cached)
// block, would touch memory ASan considers valid. The pools therefore poison what no tensor owns: the slack
// after the requested bytes of a block, every cached free block, and the unused tail of an inline buffer.
// ASan then reports those accesses as it would for malloc ("use-after-poison").
#pragma once

#include <cstddef>

#if defined(__SANITIZE_ADDRESS__)
#define FASTGRAD_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FASTGRAD_ASAN 1
#endif
#endif

#ifdef FASTGRAD_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace fastgrad::detail {

// Marks [p, p + n) as not to be touched / as usable again.
inline void asan_poison(const void* p, size_t n) {
#ifdef FASTGRAD_ASAN
  if (n) __asan_poison_memory_region(p, n);
#else
  (void)p, (void)n;
#endif
}
inline void asan_unpoison(const void* p, size_t n) {
#ifdef FASTGRAD_ASAN
  if (n) __asan_unpoison_memory_region(p, n);
#else
  (void)p, (void)n;
#endif
}

}  // namespace fastgrad::detail
