// The upsampling ops from C++ (cpp/src/ops/upsample.cpp), as a native app calls them: values worked out by hand
// from PyTorch's coordinate formulas, gradients, PyTorch's Node names, and the argument checks.
#include <fastgrad/fastgrad.h>

#include <vector>

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

std::vector<double> values(const Tensor& t) {
  Tensor c = contiguous(t);
  return std::vector<double>(c.data<double>(), c.data<double>() + c.numel());
}
}  // namespace

TEST(nearest2d_doubles_each_pixel_and_sums_the_gradient) {
  Tensor x = ramp({1, 1, 2, 2});
  Tensor out = upsample_nearest2d(x, Dims({4, 4}));
  CHECK(out.sizes() == Dims({1, 1, 4, 4}));
  CHECK(values(out) == std::vector<double>({0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3}));
  CHECK(out.grad_fn()->name() == "UpsampleNearest2DBackward0");
  sum(out).backward();
  CHECK(values(x.grad()) == std::vector<double>({4, 4, 4, 4}));
}

TEST(nearest_and_nearest_exact_indices) {
  Tensor x = ramp({1, 1, 3});
  // 3 -> 2: nearest reads floor(o * 1.5) = 0, 1; nearest-exact floor((o + 0.5) * 1.5) = 0, 2
  CHECK(values(upsample_nearest1d(x, Dims({2}))) == std::vector<double>({0, 1}));
  CHECK(values(upsample_nearest_exact1d(x, Dims({2}))) == std::vector<double>({0, 2}));
  CHECK(upsample_nearest_exact1d(x, Dims({2})).grad_fn()->name() == "UpsampleNearestExact1DBackward0");
  // a given scale factor sets the output size (floor(3 * 0.7) = 2) and the step (1 / 0.7)
  Tensor s = upsample_nearest1d(x, std::nullopt, std::vector<double>{0.7});
  CHECK(values(s) == std::vector<double>({0, 1}));
  CHECK(upsample_nearest3d(ramp({1, 1, 1, 1, 2}), Dims({2, 1, 4})).sizes() == Dims({1, 1, 2, 1, 4}));
}

TEST(linear_coordinates) {
  Tensor x = ramp({1, 1, 3});
  // align_corners: step (3 - 1) / (5 - 1)
  CHECK(values(upsample_linear1d(x, Dims({5}), true)) == std::vector<double>({0, 0.5, 1, 1.5, 2}));
  // half-pixel centres: source (o + 0.5) * 2 / 4 - 0.5, clamped at 0 and at the last pixel
  Tensor two = mul(ramp({1, 1, 2}), Scalar(2.0));
  CHECK(values(upsample_linear1d(two, Dims({4}), false)) == std::vector<double>({0, 0.5, 1.5, 2}));
  CHECK(upsample_linear1d(x, Dims({5}), true).grad_fn()->name() == "UpsampleLinear1DBackward0");
}

TEST(bilinear_bicubic_trilinear) {
  Tensor x = ramp({1, 1, 2, 2});
  Tensor b = upsample_bilinear2d(x, Dims({3, 3}), true);
  CHECK(values(b) == std::vector<double>({0, 0.5, 1, 1, 1.5, 2, 2, 2.5, 3}));
  CHECK(b.grad_fn()->name() == "UpsampleBilinear2DBackward0");
  // bicubic at the same size is the identity (weights 0, 1, 0, 0)
  Tensor y = ramp({1, 2, 3, 4});
  CHECK(values(upsample_bicubic2d(y, Dims({3, 4}), false)) == values(y));
  CHECK(upsample_bicubic2d(y, Dims({5, 7}), false).grad_fn()->name() == "UpsampleBicubic2DBackward0");
  Tensor t = upsample_trilinear3d(ramp({1, 1, 2, 2, 2}), Dims({3, 3, 3}), true);
  CHECK_NEAR(values(t)[13], 3.5, 1e-15);  // the centre: the mean of 0..7
  CHECK(t.grad_fn()->name() == "UpsampleTrilinear3DBackward0");
}

TEST(backward_differentiates_again) {
  Tensor x = ramp({1, 1, 2, 3});
  Tensor out = upsample_bicubic2d(x, Dims({4, 5}), false);
  Tensor v = ones({1, 1, 4, 5}, ScalarType::Float64);
  v.set_requires_grad(true);
  tensor_list g = grad({out}, {x}, {v}, std::nullopt, /*create_graph=*/true);
  CHECK(g[0].grad_fn()->name() == "UpsampleBicubic2DBackwardBackward0");
  // the gradient is linear in v: its derivative along v is the forward op
  tensor_list gv = grad({sum(g[0])}, {v});
  CHECK(gv[0].sizes() == Dims({1, 1, 4, 5}));
  CHECK_NEAR(values(gv[0])[0], values(upsample_bicubic2d(ones({1, 1, 2, 3}, ScalarType::Float64), Dims({4, 5}),
                                                          false))[0], 1e-15);
}

TEST(arguments_are_checked) {
  Tensor x = ones({1, 1, 4, 4});
  CHECK_THROWS(upsample_nearest2d(x, std::nullopt), Error);  // neither a size nor factors
  CHECK_THROWS(upsample_nearest2d(x, Dims({2, 2}), std::vector<double>{2.0, 2.0}), Error);  // both
  CHECK_THROWS(upsample_nearest2d(x, Dims({2})), Error);                                    // one size for two dims
  CHECK_THROWS(upsample_bilinear2d(x, Dims({0, 2}), false), Error);                         // empty output
  CHECK_THROWS(upsample_linear1d(x, Dims({2}), false), Error);                              // rank
  CHECK_THROWS(upsample_nearest2d(ones({1, 0, 4, 4}), Dims({2, 2})), Error);                // no channels
  CHECK_THROWS(upsample_bicubic2d(ones({1, 1, 4, 4}, ScalarType::Int64), Dims({2, 2}), false), NotImplementedError);
  CHECK(upsample_nearest2d(ones({0, 2, 4, 4}), Dims({3, 3})).sizes() == Dims({0, 2, 3, 3}));  // empty batch
}

int main() { return fgtest::run_all(); }
