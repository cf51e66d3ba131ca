// Several threads running backward at once, without Python: graphs built from shared leaves in parallel,
// gradients accumulated into the same .grad, autograd::grad on a shared retained graph, intra-op threads
// inside each backward. CI also runs this under ThreadSanitizer (see the README's Contributing section).
#include <fastgrad/fastgrad.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <exception>
#include <thread>
#include <vector>

#include "check.h"

using namespace fastgrad;

namespace {
// Runs fn(k) for k in [0, n) on n threads; an exception in a worker counts as a failure.
template <class Fn>
int run_threads(int n, Fn fn) {
  std::vector<std::thread> threads;
  std::atomic<int> failed{0};
  for (int k = 0; k < n; ++k)
    threads.emplace_back([&, k] {
      try {
        fn(k);
      } catch (const std::exception& e) {
        std::printf("  thread %d: %s\n", k, e.what());
        ++failed;
      }
    });
  for (auto& t : threads) t.join();
  return failed.load();
}
}  // namespace

TEST(graphs_built_and_run_concurrently_accumulate_every_gradient) {
  // Each thread builds its own graph from the same two leaves (so the leaves' AccumulateGrad Nodes are
  // created and shared concurrently) and runs backward into their .grad.
  fgtest::ThreadsGuard threads(1);
  Tensor x = full({64}, Scalar(2.0), ScalarType::Float64);
  Tensor w = full({64}, Scalar(3.0), ScalarType::Float64);
  x.set_requires_grad(true);
  w.set_requires_grad(true);
  const int n = 4, rounds = 50;
  int failed = run_threads(n, [&](int k) {
    for (int r = 0; r < rounds; ++r) {
      Tensor y = sum(mul(mul(x, w), Scalar(double(k + 1))));  // dy/dx = (k+1) w, dy/dw = (k+1) x
      y.backward();
    }
  });
  CHECK(failed == 0);
  double per_thread = 0;
  for (int k = 0; k < n; ++k) per_thread += (k + 1) * rounds;  // sum over threads and rounds of (k+1)
  for (int i = 0; i < 64; ++i) {
    CHECK(x.grad().data<double>()[i] == 3.0 * per_thread);
    CHECK(w.grad().data<double>()[i] == 2.0 * per_thread);
  }
}

TEST(concurrent_backward_with_intra_op_threads_is_exact) {
  // Large tensors: each backward splits its kernels over the intra-op pool while other threads do the same.
  fgtest::ThreadsGuard threads(2);
  Tensor x = zeros({int64_t(1) << 17});
  x.set_requires_grad(true);
  const int n = 4, rounds = 5;
  int failed = run_threads(n, [&](int k) {
    for (int r = 0; r < rounds; ++r) sum(mul(x, Scalar(double(k + 1)))).backward();
  });
  CHECK(failed == 0);
  const float expected = float(rounds * (1 + 2 + 3 + 4));
  bool exact = true;
  for (int64_t i = 0; i < x.numel(); ++i) exact = exact && x.grad().data<float>()[i] == expected;
  CHECK(exact);
}

TEST(grad_on_a_shared_retained_graph_from_several_threads) {
  // One graph, kept with retain_graph, differentiated by several threads at once: no .grad is touched.
  fgtest::ThreadsGuard threads(1);
  Tensor x = full({8}, Scalar(1.5), ScalarType::Float64);
  x.set_requires_grad(true);
  Tensor y = sum(mul(exp(x), x));  // dy/dx = exp(x) (1 + x)
  const double expected = std::exp(1.5) * 2.5;
  std::atomic<int> wrong{0};
  int failed = run_threads(4, [&](int) {
    for (int r = 0; r < 25; ++r) {
      tensor_list g = grad({y}, {x}, {}, /*retain_graph=*/true);
      for (int i = 0; i < 8; ++i)
        if (std::fabs(g[0].data<double>()[i] - expected) > 1e-12) ++wrong;
    }
  });
  CHECK(failed == 0);
  CHECK(wrong.load() == 0);
  CHECK(!x.grad().defined());
}

TEST(graphs_dropped_on_other_threads_free_cleanly) {
  // Graphs made on one thread and released on another (the Node destructor runs where the last owner dies).
  fgtest::ThreadsGuard threads(1);
  Tensor x = ones({16});
  x.set_requires_grad(true);
  std::vector<Tensor> outputs(4);
  for (auto& o : outputs) {
    Tensor y = x;
    for (int i = 0; i < 1000; ++i) y = mul(y, Scalar(1.0));
    o = sum(y);
  }
  int failed = run_threads(4, [&](int k) {
    outputs[static_cast<size_t>(k)].backward();
    outputs[static_cast<size_t>(k)] = Tensor();
  });
  CHECK(failed == 0);
  CHECK(x.grad().data<float>()[0] == 4.0f);
}

int main() { return fgtest::run_all(); }
