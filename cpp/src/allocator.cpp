// Note [Caching allocator]
// Fresh outputs of big ops would otherwise pay a page fault per 4 KB on every op: glibc hands blocks above
// its mmap threshold straight back to the kernel on free, and the next op maps (and zeroes) them again.
// Here freed blocks wait in per-size-class free lists and the next request of the same class reuses them,
// pages already mapped.
// - Size classes: multiples of 64 bytes up to 1 KB, then four classes per power of two (at most 25% slack;
//   the slack of a large block is virtual memory the op never touches, so it costs no RSS).
// - One mutex guards the lists: an allocation or release is a push or pop under it.
// - Free blocks are capped (cache_limit(), 512 MB by default): a release that would pass the cap frees the
//   block. empty_cache() gives every free block back; a failed system allocation empties the cache and
//   tries once more before throwing Error (RuntimeError in Python, PyTorch's class and words for a CPU
//   allocation that fails).
// - Blocks of 4 MB and more ask for transparent huge pages (system_alloc).
// - The allocator is created on first use and never destroyed: storage freed during interpreter shutdown,
//   after static destructors have run, still finds it.
// - Under AddressSanitizer a block's slack and every cached block are poisoned (See Note [ASan and the pools]).
#include "fastgrad/allocator.h"

#include "fastgrad/error.h"

#include <array>
#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "asan.h"

namespace fastgrad {

namespace {

constexpr size_t kAlignment = 64;  // cache line; also enough for any SIMD width we use
constexpr size_t kSmallLimit = 1024;
constexpr int kSmallClasses = static_cast<int>(kSmallLimit / kAlignment);  // 64, 128, ..., 1024
constexpr int kStepsPerOctave = 4;
constexpr int kMaxOctave = 47;  // blocks up to 2^48 bytes are cached; bigger ones never are
constexpr int kNumClasses = kSmallClasses + (kMaxOctave - 9) * kStepsPerOctave;

size_t round_up(size_t n, size_t m) { return (n + m - 1) / m * m; }

// Blocks of 4 MB and more are aligned to 2 MB and offered transparent huge pages, as NumPy does: their
// first touch then faults once per 2 MB instead of once per 4 KB.
constexpr size_t kHugePage = size_t(2) << 20;
constexpr size_t kHugeThreshold = size_t(4) << 20;

void* system_alloc(size_t block) {
  if (block < kHugeThreshold) return std::aligned_alloc(kAlignment, block);
  void* p = std::aligned_alloc(kHugePage, round_up(block, kHugePage));
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (p) madvise(p, round_up(block, kHugePage), MADV_HUGEPAGE);  // advice only: failure changes nothing
#endif
  return p;
}

// The class of a request: its index and block size; index -1 for sizes that are never cached.
int size_class(size_t n, size_t& block) {
  if (n <= kSmallLimit) {
    block = round_up(n == 0 ? 1 : n, kAlignment);
    return static_cast<int>(block / kAlignment) - 1;
  }
  const int octave = 63 - __builtin_clzll(static_cast<unsigned long long>(n - 1));  // 2^octave < n <= 2^(octave+1)
  const size_t step = (size_t(1) << octave) / kStepsPerOctave;
  block = round_up(n, step);
  if (octave > kMaxOctave) return -1;
  const int j = static_cast<int>((block - (size_t(1) << octave)) / step);  // 1..4
  return kSmallClasses + (octave - 10) * kStepsPerOctave + (j - 1);
}

class CachingAllocator {
 public:
  void* allocate(size_t nbytes, size_t& block) {
    const int c = size_class(nbytes, block);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++allocations_;
      requested_ += nbytes;
      if (c >= 0 && !free_[c].empty()) {
        void* p = free_[c].back();
        free_[c].pop_back();
        cached_ -= block;
        ++hits_;
        note_allocated(block);
        return handed_out(p, nbytes, block);
      }
    }
    void* p = system_alloc(block);
    if (!p) {
      empty();
      p = system_alloc(block);
      FG_CHECK(p, Error, "DefaultCPUAllocator: can't allocate memory: you tried to allocate ", nbytes, " bytes.");
    }
    std::lock_guard<std::mutex> lock(mutex_);
    note_allocated(block);
    return handed_out(p, nbytes, block);
  }

  void release(void* p, size_t block) {
    size_t ignored;
    const int c = size_class(block, ignored);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      allocated_ -= block;
      if (c >= 0 && cached_ + block <= limit_) {
        detail::asan_poison(p, block);  // cached: no tensor may touch it until it is handed out again
        free_[c].push_back(p);
        cached_ += block;
        return;
      }
    }
    std::free(p);
  }

  void empty() {
    std::array<std::vector<void*>, kNumClasses> taken;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      taken.swap(free_);
      cached_ = 0;
    }
    for (auto& list : taken)
      for (void* p : list) std::free(p);
  }

  void set_limit(size_t bytes) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      limit_ = bytes;
      if (cached_ <= limit_) return;
    }
    empty();
  }
  size_t limit() {
    std::lock_guard<std::mutex> lock(mutex_);
    return limit_;
  }

  AllocatorStats stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    return {allocated_, cached_, peak_, allocations_, hits_, requested_};
  }

 private:
  // The caller may touch its nbytes, not the slack up to the block's size.
  static void* handed_out(void* p, size_t nbytes, size_t block) {
    detail::asan_unpoison(p, nbytes);
    detail::asan_poison(static_cast<char*>(p) + nbytes, block - nbytes);
    return p;
  }

  void note_allocated(size_t block) {
    allocated_ += block;
    if (allocated_ > peak_) peak_ = allocated_;
  }

  std::mutex mutex_;
  std::array<std::vector<void*>, kNumClasses> free_;
  size_t cached_ = 0, allocated_ = 0, peak_ = 0;
  size_t limit_ = size_t(512) << 20;
  uint64_t allocations_ = 0, hits_ = 0, requested_ = 0;
};

CachingAllocator& allocator() {
  static auto* a = new CachingAllocator;  // never destroyed: see the note
  return *a;
}

}  // namespace

void* allocate_block(size_t nbytes, size_t& block_bytes) { return allocator().allocate(nbytes, block_bytes); }
void release_block(void* data, size_t block_bytes) { allocator().release(data, block_bytes); }
void empty_cache() { allocator().empty(); }
void set_cache_limit(size_t bytes) { allocator().set_limit(bytes); }
size_t cache_limit() { return allocator().limit(); }
AllocatorStats allocator_stats() { return allocator().stats(); }

}  // namespace fastgrad
