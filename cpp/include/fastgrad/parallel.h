// Intra-op parallelism: a small persistent thread pool and parallel_for over an index range.
//
// Note [Intra-op threads]
// - One pool per process, created on first use (so importing the library starts no thread) with
//   get_num_threads() - 1 workers; the calling thread always takes part.
// - parallel_for runs inline (no pool, no synchronisation) when the range is below `grain`, when one
//   thread is set, or when already inside a parallel region (no nested parallelism, so no deadlock).
// - One parallel region at a time: when another thread (several Python threads calling ops) holds the
//   pool, the caller runs its range inline instead of waiting.
// - Workers spin briefly for the next job, then sleep on a condition variable: the machines are shared.
// - An exception thrown by any chunk is rethrown in the caller once every chunk has finished.
// - The split of a range depends on the thread count: kernels whose result depends on the order of
//   operations (reductions) split on fixed block boundaries instead, so their results do not.
#pragma once

#include <cstdint>
#include <type_traits>

namespace fastgrad {

/// Threads used by kernels (and by BLAS). The default is $OMP_NUM_THREADS when set to a positive number,
/// else the hardware concurrency. set_num_threads(n) requires n > 0.
void set_num_threads(int n);
/// The number of intra-op threads (PyTorch's get_num_threads).
int get_num_threads();

/// True inside a chunk of a parallel_for (on a worker or on the calling thread).
bool in_parallel_region();

namespace detail {
using RangeFn = void (*)(void* context, int64_t begin, int64_t end);
void parallel_run(int64_t begin, int64_t end, int64_t grain, RangeFn fn, void* context);
bool run_inline(int64_t begin, int64_t end, int64_t grain);
}  // namespace detail

// Calls f(b, e) on disjoint sub-ranges [b, e) covering [begin, end), each at least `grain` long (but the
// last), possibly on several threads at once.
template <class F>
void parallel_for(int64_t begin, int64_t end, int64_t grain, F&& f) {
  if (end <= begin) return;
  if (detail::run_inline(begin, end, grain)) {
    f(begin, end);
    return;
  }
  using Fn = std::remove_reference_t<F>;
  detail::parallel_run(
      begin, end, grain, [](void* context, int64_t b, int64_t e) { (*static_cast<Fn*>(context))(b, e); },
      const_cast<void*>(static_cast<const void*>(&f)));
}

}  // namespace fastgrad
