// The engine without Python: gradients, accumulation, released graphs, deep chains.
#include <fastgrad/fastgrad.h>

#include <thread>

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

int main() { return fgtest::run_all(); }
