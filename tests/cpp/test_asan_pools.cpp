// Under AddressSanitizer, the bytes of fastgrad's memory pools that no tensor owns are poisoned (See Note
// [ASan and the pools] in cpp/src/asan.h), so that the ASan stage of CI reports a write a few bytes past a
// tensor or into a freed block. This checks the poisoning itself; in a build without ASan there is nothing to
// check (the program says so and passes).
#include <fastgrad/fastgrad.h>

#include <cstdio>

#include "check.h"

#if defined(__SANITIZE_ADDRESS__)
#define FG_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FG_TEST_ASAN 1
#endif
#endif

#ifdef FG_TEST_ASAN
#include <sanitizer/asan_interface.h>

using namespace fastgrad;

namespace {
char* bytes(const Tensor& t) { return static_cast<char*>(t.data_ptr()); }
bool poisoned(const void* p) { return __asan_address_is_poisoned(p) != 0; }
bool usable(const void* p, size_t n) { return __asan_region_is_poisoned(const_cast<void*>(p), n) == nullptr; }
}  // namespace

TEST(bytes_past_a_pooled_tensor_are_poisoned) {
  // 100 bools: a block of the 128-byte class; the 28 bytes of slack must not be usable.
  Tensor t = empty({100}, ScalarType::Bool);
  CHECK(usable(bytes(t), 100));
  CHECK(poisoned(bytes(t) + 100));
  CHECK(poisoned(bytes(t) + 127));
  // An odd size that ends inside an 8-byte granule: 3 float32 past a 1024-byte boundary.
  Tensor f = empty({259});
  CHECK(usable(bytes(f), 259 * 4));
  CHECK(poisoned(bytes(f) + 259 * 4));
}

TEST(bytes_past_an_inline_tensor_are_poisoned) {
  Tensor t = empty({3}, ScalarType::Bool);  // 3 bytes in the Storage's inline buffer
  CHECK(usable(bytes(t), 3));
  CHECK(poisoned(bytes(t) + 3));
  Tensor s = empty({}, ScalarType::Float64);
  CHECK(usable(bytes(s), 8));
  CHECK(poisoned(bytes(s) + 8));
}

TEST(a_cached_block_is_poisoned_until_handed_out_again) {
  empty_cache();
  char* p = nullptr;
  {
    Tensor t = full({1000}, Scalar(1.0), ScalarType::Float32);  // 4000 bytes, back to the cache when t dies
    p = bytes(t);
    CHECK(usable(p, 4000));
  }
  CHECK(poisoned(p));
  CHECK(poisoned(p + 3999));
  Tensor u = empty({999});  // same size class: the cached block comes back, its first 3996 bytes usable
  CHECK(bytes(u) == p);
  CHECK(usable(p, 3996));
  CHECK(poisoned(p + 3996));
  empty_cache();
}

int main() { return fgtest::run_all(); }
#else
int main() {
  std::printf("not built with AddressSanitizer: nothing to check\n");
  return 0;
}
#endif
