// The engine without Python: gradients, accumulation, released graphs, deep chains.
#include <fastgrad/fastgrad.h>

#include <algorithm>
#include <thread>
#include <tuple>

#include "check.h"

using namespace fastgrad;

TEST(chain_rule_and_accumulation) {
  Tensor x = full({3}, Scalar(2.0), ScalarType::Float64);
  x.set_requires_grad(true);
  Tensor y = sum(mul(x, x));  // dy/dx = 2x = 4
  y.backward(Tensor(), /*retain_graph=*/true);
  CHECK(x.grad().data<double>()[0] == 4.0);
  y.backward();
  CHECK(x.grad().data<double>()[2] == 8.0);  // accumulated
}

TEST(second_backward_is_refused) {
  Tensor x = ones({2});
  x.set_requires_grad(true);
  Tensor y = sum(add(x, Scalar(1.0)));  // saves no tensors, still refused
  y.backward();
  CHECK_THROWS(y.backward(), Error);
}

TEST(diamond_sums_both_paths) {
  Tensor x = full({}, Scalar(3.0), ScalarType::Float64);
  x.set_requires_grad(true);
  Tensor a = mul(x, Scalar(2.0));
  Tensor b = exp(x);
  Tensor y = add(a, b);
  y.backward();
  CHECK_NEAR(x.grad().item().f, 2.0 + std::exp(3.0), 1e-12);
}

TEST(deep_chain_runs_and_frees_without_recursion) {
  Tensor x = ones({1});
  x.set_requires_grad(true);
  Tensor y = x;
  for (int i = 0; i < 1000000; ++i) y = mul(y, Scalar(1.0));
  sum(y).backward();
  CHECK(x.grad().data<float>()[0] == 1.0f);
  Tensor z = x;
  for (int i = 0; i < 1000000; ++i) z = add(z, Scalar(1.0));
  z = Tensor();  // dropping the head frees a 10^6-node chain
  CHECK(true);
}

namespace {
Tensor add_chain(Tensor t, int n) {
  for (int i = 0; i < n; ++i) t = add(t, Scalar(1.0));
  return t;
}
struct TensorHolder {
  Tensor t;
};
}  // namespace

// Freeing a chain uses a per-thread list (Note [No recursion in destruction]); a thread frees it when it
// exits. Checked by the leak checker of CI's asan-cpp stage.
TEST(threads_free_their_release_list_when_they_exit) {
  Tensor x = ones({1});
  x.set_requires_grad(true);
  std::thread([&] { add_chain(x, 100); }).join();  // the thread makes its list, then exits
  std::thread([&] {
    // Registered before the list's owner, so destroyed after it at thread exit: the chain it frees then
    // needs a list of its own, freed as well.
    static thread_local TensorHolder late;
    late.t = add_chain(x, 100);
    add_chain(x, 100);
  }).join();
  Tensor z = add_chain(x, 100);
  sum(z).backward();
  CHECK(x.grad().data<float>()[0] == 1.0f);
}

TEST(no_grad_records_nothing) {
  Tensor x = ones({2});
  x.set_requires_grad(true);
  {
    NoGradGuard guard;
    Tensor y = mul(x, Scalar(2.0));
    CHECK(!y.requires_grad());
  }
  CHECK(mul(x, Scalar(2.0)).requires_grad());
}

TEST(grad_returns_without_accumulating) {
  Tensor x = full({2}, Scalar(3.0), ScalarType::Float64);
  x.set_requires_grad(true);
  Tensor y = sum(mul(x, x));
  tensor_list g = grad({y}, {x});
  CHECK(g[0].data<double>()[1] == 6.0);
  CHECK(!x.grad().defined());
}

struct Cube : Function<Cube> {
  static constexpr const char* kName = "Cube";
  static Tensor forward(AutogradContext& ctx, const Tensor& x, double scale) {
    ctx.save_for_backward({x});
    return mul(mul(mul(x, x), x), Scalar(scale));
  }
  static tensor_list backward(AutogradContext& ctx, const tensor_list& grads) {
    Tensor x = ctx.saved_tensors()[0];
    return {mul(mul(grads[0], mul(x, x)), Scalar(3.0))};
  }
};

TEST(custom_cpp_function) {
  Tensor x = full({2}, Scalar(2.0), ScalarType::Float64);
  x.set_requires_grad(true);
  Tensor y = Cube::apply(x, 1.0);
  CHECK(y.grad_fn()->name() == "CubeBackward");
  CHECK(y.data<double>()[0] == 8.0);
  sum(y).backward();
  CHECK(x.grad().data<double>()[1] == 12.0);
}

// The recurrent layers from C++ (ops.h): a multi-step LSTM equals its cell applied step by step, and its
// weight gradient equals a finite difference.
TEST(lstm_layer_matches_its_cell_and_finite_differences) {
  const int64_t T = 4, B = 2, I = 3, H = 2;
  Generator gen(7);
  auto param = [&](Dims shape) {
    Tensor t = mul(randn(shape, ScalarType::Float64, &gen), Scalar(0.5));
    t.set_requires_grad(true);
    return t;
  };
  Tensor x = param({T, B, I}), h0 = param({1, B, H}), c0 = param({1, B, H});
  tensor_list params = {param({4 * H, I}), param({4 * H, H}), param({4 * H}), param({4 * H})};
  auto [out, h_n, c_n] = lstm(x, h0, c0, params, true, 1, 0.0, true, false, false);
  CHECK(out.grad_fn()->name() == "MkldnnRnnLayerBackward0");
  Tensor h = select(h0, 0, 0), c = select(c0, 0, 0);
  double max_diff = 0;
  for (int64_t t = 0; t < T; ++t) {
    std::tie(h, c) = lstm_cell(select(x, 0, t), h, c, params[0], params[1], params[2], params[3]);
    max_diff = std::max(max_diff, max(abs(sub(h, select(out, 0, t)))).item().f);
  }
  CHECK(max_diff < 1e-12);
  CHECK(max(abs(sub(c, select(c_n, 0, 0)))).item().f < 1e-12);
  auto loss_of = [&](const Tensor& w_hh) {
    auto [o, hn, cn] = lstm(x, h0, c0, {params[0], w_hh, params[2], params[3]}, true, 1, 0.0, true, false, false);
    return add(sum(mul(o, o)), sum(cn));
  };
  loss_of(params[1]).backward();
  NoGradGuard no_grad;
  Tensor w = clone(params[1]);
  const double eps = 1e-6;
  double* wp = w.data<double>();
  for (int64_t k = 0; k < w.numel(); k += 3) {
    const double saved = wp[k];
    wp[k] = saved + eps;
    const double up = loss_of(w).item().f;
    wp[k] = saved - eps;
    const double down = loss_of(w).item().f;
    wp[k] = saved;
    CHECK_NEAR(params[1].grad().data<double>()[k], (up - down) / (2 * eps), 1e-7);
  }
}

int main() { return fgtest::run_all(); }
