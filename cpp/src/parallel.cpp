// The intra-op thread pool. See Note [Intra-op threads] in parallel.h.
#include "fastgrad/parallel.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#endif
#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#include <immintrin.h>
#define FG_CPU_RELAX() _mm_pause()
#else
#define FG_CPU_RELAX() std::this_thread::yield()
#endif

#include "fastgrad/error.h"

namespace fastgrad {

namespace {

int default_num_threads() {
  if (const char* env = std::getenv("OMP_NUM_THREADS")) {
    char* end = nullptr;
    long v = std::strtol(env, &end, 10);  // "4" or "4,2" (OpenMP's nested list): the first level counts
    if (end != env && v > 0) return static_cast<int>(std::min<long>(v, 1024));
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? static_cast<int>(hw) : 1;
}

std::atomic<int>& num_threads_setting() {
  static std::atomic<int> n{default_num_threads()};
  return n;
}

thread_local bool t_in_parallel_region = false;

// Spins (with a pause instruction) until done() or about `micros` microseconds have passed.
template <class Done>
bool spin_until(Done done, int micros) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(micros);
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (done()) return true;
      FG_CPU_RELAX();
    }
    if (std::chrono::steady_clock::now() >= deadline) return done();
  }
}

struct RegionGuard {
  bool saved = t_in_parallel_region;
  RegionGuard() { t_in_parallel_region = true; }
  ~RegionGuard() { t_in_parallel_region = saved; }
};

// One parallel_for call. Workers hold it through a shared_ptr, so one that wakes after the caller has
// returned finds no chunk left and touches nothing else (the caller's lambda is reached only through a
// claimed chunk, and the caller waits for every claimed chunk to finish).
struct Job {
  detail::RangeFn fn;
  void* context;
  int64_t begin, end, chunk, chunks;
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> pending;
  std::mutex error_mutex;
  std::exception_ptr error;

  Job(detail::RangeFn f, void* c, int64_t b, int64_t e, int64_t ch, int64_t n)
      : fn(f), context(c), begin(b), end(e), chunk(ch), chunks(n), pending(n) {}

  // Runs chunks until none is left; returns true when this call finished the last one.
  bool run_chunks() {
    bool finished_last = false;
    for (;;) {
      int64_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= chunks) break;
      int64_t b = begin + i * chunk, e = std::min(end, b + chunk);
      try {
        fn(context, b, e);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
      }
      if (pending.fetch_sub(1, std::memory_order_acq_rel) == 1) finished_last = true;
    }
    return finished_last;
  }
};

class ThreadPool {
 public:
  explicit ThreadPool(int workers) {
    threads_.reserve(static_cast<size_t>(workers));
    for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { worker_loop(); });
  }
  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
  }
  int workers() const { return static_cast<int>(threads_.size()); }

  // Runs the job with the workers; returns false (nothing run) when another thread holds the pool.
  bool try_run(const std::shared_ptr<Job>& job) {
    std::unique_lock<std::mutex> busy(submit_, std::try_to_lock);
    if (!busy.owns_lock()) return false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = job;
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    {
      RegionGuard region;
      job->run_chunks();
    }
    // Wait for chunks claimed by workers: spin a little (they are short), then sleep.
    if (!spin_until([&] { return job->pending.load(std::memory_order_acquire) == 0; }, kSpinMicros)) {
      std::unique_lock<std::mutex> lock(mutex_);
      done_.wait(lock, [&] { return job->pending.load(std::memory_order_acquire) == 0; });
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_.reset();
    }
    return true;
  }

 private:
  // Between two ops of a training step a worker waits a few microseconds: spinning that long saves a
  // futex wake-up per op; longer waits sleep, so an idle process costs the shared machine nothing.
  static constexpr int kSpinMicros = 50;

  void worker_loop() {
    t_in_parallel_region = true;  // a worker never starts a nested parallel region
    uint64_t seen = 0;
    for (;;) {
      std::shared_ptr<Job> job;
      spin_until([&] { return generation_.load(std::memory_order_acquire) != seen; }, kSpinMicros);
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stop_ || generation_.load(std::memory_order_relaxed) != seen; });
        if (stop_) return;
        seen = generation_.load(std::memory_order_relaxed);
        job = job_;
      }
      if (job && job->run_chunks()) {
        std::lock_guard<std::mutex> lock(mutex_);  // pairs with the caller's predicate check
        done_.notify_all();
      }
    }
  }

  std::vector<std::thread> threads_;
  std::mutex submit_;  // held by the thread whose parallel_for owns the pool
  std::mutex mutex_;   // guards job_, stop_ and the sleeping side of generation_
  std::condition_variable wake_, done_;
  std::atomic<uint64_t> generation_{0};
  std::shared_ptr<Job> job_;
  bool stop_ = false;
};

// The pool is created on first use and resized by set_num_threads. It is intentionally leaked at exit:
// joining threads from a static destructor (after Python has finalised) is how processes hang.
std::mutex& pool_mutex() {
  static auto* m = new std::mutex;
  return *m;
}
std::shared_ptr<ThreadPool>& pool_slot() {
  static auto* p = new std::shared_ptr<ThreadPool>;
  return *p;
}

#if defined(__unix__) || defined(__APPLE__)
// After fork() the child has none of the parent's workers: forget the pool (leaking it; its threads do
// not exist here) so the child builds its own on first use.
void forget_pool_after_fork() {
  new (&pool_mutex()) std::mutex;  // the parent may have held it at fork time
  new (&pool_slot()) std::shared_ptr<ThreadPool>;
}
#endif

std::shared_ptr<ThreadPool> get_pool(int threads) {
  std::lock_guard<std::mutex> lock(pool_mutex());
  auto& slot = pool_slot();
  if (!slot || slot->workers() != threads - 1) {
#if defined(__unix__) || defined(__APPLE__)
    static bool registered = (pthread_atfork(nullptr, nullptr, forget_pool_after_fork), true);
    (void)registered;
#endif
    slot.reset();  // joins the old workers (a caller still using it keeps it alive until done)
    slot = std::make_shared<ThreadPool>(threads - 1);
  }
  return slot;
}

}  // namespace

void set_num_threads(int n) {
  FG_CHECK(n > 0, Error, "set_num_threads expects a positive integer");
  num_threads_setting().store(n, std::memory_order_relaxed);  // BLAS stays at 1 (Note [BLAS threads])
}

int get_num_threads() { return num_threads_setting().load(std::memory_order_relaxed); }

bool in_parallel_region() { return t_in_parallel_region; }

namespace detail {

bool run_inline(int64_t begin, int64_t end, int64_t grain) {
  return end - begin <= std::max<int64_t>(grain, 1) || t_in_parallel_region ||
         num_threads_setting().load(std::memory_order_relaxed) <= 1;
}

void parallel_run(int64_t begin, int64_t end, int64_t grain, RangeFn fn, void* context) {
  const int threads = get_num_threads();
  const int64_t n = end - begin;
  grain = std::max<int64_t>(grain, 1);
  // Note [Late workers]: waking a sleeping worker can take longer than a whole chunk (on a virtual machine whose
  // other vCPU was idle, 1-2 ms); with one chunk per thread the caller would have claimed everything before the
  // worker arrives. Up to kChunksPerThread chunks per thread (each at least `grain`) leave work for a worker that
  // arrives late.
  constexpr int64_t kChunksPerThread = 8;
  const int64_t chunks = std::min<int64_t>(threads * kChunksPerThread, (n + grain - 1) / grain);
  const int64_t chunk = (n + chunks - 1) / chunks;
  auto job = std::make_shared<Job>(fn, context, begin, end, chunk, (n + chunk - 1) / chunk);
  if (!get_pool(threads)->try_run(job)) {
    RegionGuard region;  // another thread owns the pool: run here, alone
    fn(context, begin, end);
    return;
  }
  if (job->error) std::rethrow_exception(job->error);
}

}  // namespace detail

}  // namespace fastgrad
