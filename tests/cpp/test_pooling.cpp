// The pooling ops from C++ (cpp/src/ops/pooling.cpp), as a native app calls them: values, indices, gradients,
// PyTorch's Node names, and the argument checks.
#include <fastgrad/fastgrad.h>

#include "check.h"

using namespace fastgrad;

namespace {
// 0, 1, ..., n - 1 as float64 of `shape`, requiring grad.
Tensor ramp(const Dims& shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  Tensor t = reshape(arange(Scalar(0.0), Scalar(static_cast<double>(n)), Scalar(1.0), ScalarType::Float64), shape);
  t = t.detach();
  t.set_requires_grad(true);
  return t;
}
}  // namespace

TEST(max_pool2d_values_indices_and_gradient) {
  Tensor x = ramp({1, 1, 4, 4});
  auto [out, indices] = max_pool2d_with_indices(x, {2}, {}, {0}, {1}, false);
  CHECK(out.sizes() == Dims({1, 1, 2, 2}));
  const double* o = contiguous(out).data<double>();
  const int64_t* i = indices.data<int64_t>();
  CHECK(o[0] == 5 && o[1] == 7 && o[2] == 13 && o[3] == 15);
  CHECK(i[0] == 5 && i[1] == 7 && i[2] == 13 && i[3] == 15);
  CHECK(out.grad_fn()->name() == "MaxPool2DWithIndicesBackward0");
  sum(out).backward();
  const double* g = x.grad().data<double>();
  CHECK(g[5] == 1 && g[7] == 1 && g[13] == 1 && g[15] == 1 && g[0] == 0);
}

TEST(overlapping_windows_accumulate) {
  Tensor x = ramp({1, 4, 4});  // unbatched
  Tensor out = max_pool2d(x, {3}, {1}, {1}, {1}, false);
  CHECK(out.sizes() == Dims({1, 4, 4}));
  sum(out).backward();
  CHECK(x.grad().data<double>()[15] == 4);  // the largest element wins four windows
}

TEST(max_pool1d_runs_as_2d) {
  Tensor x = ramp({2, 3, 8});
  Tensor out = max_pool1d(x, {2});
  CHECK(out.sizes() == Dims({2, 3, 4}));
  CHECK(out.grad_fn()->name() == "SqueezeBackward1");
}

TEST(avg_pool_divisors) {
  Tensor x = ones({1, 1, 3, 3}, ScalarType::Float64);
  Tensor padded = avg_pool2d(x, {2}, {2}, {1}, false, /*count_include_pad=*/true);
  Tensor inside = avg_pool2d(x, {2}, {2}, {1}, false, /*count_include_pad=*/false);
  CHECK(contiguous(padded).data<double>()[0] == 0.25);
  CHECK(contiguous(inside).data<double>()[0] == 1.0);
  Tensor over = avg_pool3d(ones({1, 2, 2, 2}, ScalarType::Float64), {2}, {}, {0}, false, true, 3);
  CHECK_NEAR(contiguous(over).data<double>()[0], 8.0 / 3, 1e-15);
  CHECK(over.grad_fn() == nullptr);
}

TEST(adaptive_pooling) {
  Tensor x = ramp({1, 1, 3, 3});
  Tensor avg = adaptive_avg_pool2d(x, {2, 2});
  CHECK(avg.grad_fn()->name() == "AdaptiveAvgPool2DBackward0");
  CHECK(contiguous(avg).data<double>()[0] == (0 + 1 + 3 + 4) / 4.0);
  auto [mx, indices] = adaptive_max_pool2d(x, {2, 2});
  CHECK(indices.data<int64_t>()[3] == 8);
  CHECK(mx.grad_fn()->name() == "AdaptiveMaxPool2DBackward0");
  CHECK(adaptive_avg_pool2d(x, {1, 1}).grad_fn()->name() == "MeanBackward1");
}

TEST(max_unpool_inverts_max_pool) {
  Tensor x = ramp({1, 2, 2, 4, 4});
  auto [out, indices] = max_pool3d_with_indices(x, {2});
  Tensor back = max_unpool3d(out, indices, {2, 4, 4});
  CHECK(back.sizes() == x.sizes());
  CHECK(contiguous(back).data<double>()[31] == 31 && contiguous(back).data<double>()[0] == 0);
  CHECK(back.grad_fn()->name() == "MaxUnpool3DBackward0");
  sum(back).backward();
  CHECK(x.grad().data<double>()[31] == 1);
}

TEST(double_backward_is_differentiable) {
  Tensor x = ramp({1, 1, 4, 4});
  Tensor out = avg_pool2d(mul(x, x), {2});
  tensor_list g = grad({sum(out)}, {x}, {}, std::nullopt, /*create_graph=*/true);
  tensor_list gg = grad({sum(g[0])}, {x});
  CHECK_NEAR(gg[0].data<double>()[0], 0.5, 1e-15);  // d/dx of 2x / 4
}

TEST(arguments_are_checked) {
  Tensor x = ones({1, 1, 4, 4});
  CHECK_THROWS(max_pool2d(x, {2}, {}, {2}), Error);  // padding beyond half the kernel
  CHECK_THROWS(max_pool2d(x, {5}), Error);           // output size too small
  CHECK_THROWS(max_pool2d(ones({4}), {2}), Error);   // rank
  CHECK_THROWS(avg_pool2d(x, {2}, {}, {0}, false, true, 0), Error);
  CHECK_THROWS(max_pool2d(ones({1, 1, 4, 4}, ScalarType::Bool), {2}), NotImplementedError);
  auto [out, indices] = max_pool2d_with_indices(x, {2});
  CHECK_THROWS(max_unpool2d(out, add(indices, Scalar(int64_t{100})), {4, 4}), Error);
}

int main() { return fgtest::run_all(); }
