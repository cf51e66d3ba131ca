// The intra-op thread pool and the caching allocator, without Python (See Note [Intra-op threads] and
// Note [Caching allocator]).
#include <fastgrad/fastgrad.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "check.h"

using namespace fastgrad;

TEST(parallel_for_covers_the_range_once) {
  fgtest::ThreadsGuard threads(2);
  std::vector<int> hits(100000, 0);
  parallel_for(0, static_cast<int64_t>(hits.size()), 1000, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) ++hits[static_cast<size_t>(i)];
  });
  bool once = true;
  for (int h : hits) once = once && h == 1;
  CHECK(once);
}

TEST(parallel_for_below_grain_runs_inline) {
  fgtest::ThreadsGuard threads(2);
  std::thread::id caller = std::this_thread::get_id(), ran;
  int calls = 0;
  parallel_for(0, 100, 1000, [&](int64_t b, int64_t e) {
    ran = std::this_thread::get_id();
    ++calls;
    CHECK(b == 0 && e == 100);
    CHECK(!in_parallel_region());  // inline: not a parallel region
  });
  CHECK(calls == 1 && ran == caller);
}

TEST(nested_parallel_for_runs_inline) {
  fgtest::ThreadsGuard threads(2);
  std::atomic<int> inner_calls{0};
  parallel_for(0, 4, 1, [&](int64_t, int64_t) {
    CHECK(in_parallel_region());
    parallel_for(0, 1000, 1, [&](int64_t b, int64_t e) {
      CHECK(b == 0 && e == 1000);  // one call, no split: no nested parallelism
      ++inner_calls;
    });
  });
  CHECK(inner_calls.load() >= 1 && inner_calls.load() <= 4);
}

TEST(exceptions_in_tasks_reach_the_caller) {
  fgtest::ThreadsGuard threads(2);
  CHECK_THROWS(parallel_for(0, 100000, 1,
                            [](int64_t b, int64_t) {
                              if (b > 0) throw std::invalid_argument("second chunk");
                            }),
               std::invalid_argument);
  // The pool still works afterwards.
  std::atomic<int64_t> total{0};
  parallel_for(0, 100000, 1, [&](int64_t b, int64_t e) { total += e - b; });
  CHECK(total.load() == 100000);
}

TEST(set_num_threads_refuses_non_positive) {
  CHECK_THROWS(set_num_threads(0), Error);
  CHECK_THROWS(set_num_threads(-3), Error);
  fgtest::ThreadsGuard threads(3);
  CHECK(get_num_threads() == 3);
}

TEST(concurrent_callers_get_exact_results) {
  fgtest::ThreadsGuard threads(2);
  std::vector<std::thread> callers;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 6; ++t)
    callers.emplace_back([&, t] {
      for (int round = 0; round < 50; ++round) {
        std::atomic<int64_t> total{0};
        parallel_for(0, 200000 + t, 1000, [&](int64_t b, int64_t e) { total += e - b; });
        if (total.load() != 200000 + t) ++wrong;
      }
    });
  for (auto& c : callers) c.join();
  CHECK(wrong.load() == 0);
}

TEST(sum_of_2_pow_24_float_ones_is_exact) {
  for (int n : {1, 2}) {
    fgtest::ThreadsGuard threads(n);
    Tensor s = sum(ones({int64_t(1) << 24}));
    CHECK(s.data<float>()[0] == 16777216.0f);
  }
}

TEST(freed_blocks_are_reused_and_released) {
  empty_cache();
  AllocatorStats before = allocator_stats();
  { Tensor a = empty({1 << 20}); }  // 4 MB, back to the cache
  AllocatorStats mid = allocator_stats();
  CHECK(mid.allocated_bytes == before.allocated_bytes);
  CHECK(mid.cached_bytes >= (size_t(4) << 20));
  { Tensor b = empty({1 << 20}); }
  AllocatorStats after = allocator_stats();
  CHECK(after.cache_hits == mid.cache_hits + 1);
  empty_cache();
  CHECK(allocator_stats().cached_bytes == 0);
}

int main() { return fgtest::run_all(); }
