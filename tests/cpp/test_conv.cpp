// Convolution from C++ (cpp/src/ops/conv.cpp): values against direct loops, the transposed convolution as the
// adjoint of the convolution, gradients, the Node's name, unfold/fold, thread-count independence and errors.
#include <fastgrad/fastgrad.h>

#include <string>

#include "check.h"

using namespace fastgrad;

namespace {

// A float64 tensor with deterministic, distinct values.
Tensor values(const Dims& sizes, double scale = 0.1) {
  Tensor t = empty(sizes, ScalarType::Float64);
  double* p = t.data<double>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = scale * static_cast<double>((i * 37) % 23 - 11);
  return t;
}

double inner(const Tensor& a, const Tensor& b) { return sum(mul(a, b)).item().f; }

// out[n, o, y, x] of a 2-d convolution by direct loops (groups, stride, padding, dilation).
double direct(const Tensor& input, const Tensor& weight, int64_t n, int64_t o, int64_t y, int64_t x, int64_t stride,
              int64_t pad, int64_t dil, int64_t groups) {
  const int64_t C = input.size(1), H = input.size(2), W = input.size(3);
  const int64_t cg = C / groups, og = weight.size(0) / groups, kh = weight.size(2), kw = weight.size(3);
  const double* in = input.data<double>();
  const double* w = weight.data<double>();
  double acc = 0;
  const int64_t g = o / og;
  for (int64_t c = 0; c < cg; ++c)
    for (int64_t i = 0; i < kh; ++i)
      for (int64_t j = 0; j < kw; ++j) {
        const int64_t iy = y * stride - pad + i * dil, ix = x * stride - pad + j * dil;
        if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
        acc += in[((n * C + g * cg + c) * H + iy) * W + ix] * w[((o * cg + c) * kh + i) * kw + j];
      }
  return acc;
}

}  // namespace

TEST(conv2d_matches_direct_loops) {
  Tensor x = values({2, 4, 7, 6});
  Tensor w = values({6, 2, 3, 2}, 0.05);
  Tensor b = values({6});
  for (int64_t stride : {1, 2})
    for (int64_t pad : {0, 1})
      for (int64_t dil : {1, 2}) {
        Tensor out = conv2d(x, w, b, {stride}, {pad}, {dil}, 2);
        const double* p = out.data<double>();
        for (int64_t n = 0; n < out.size(0); ++n)
          for (int64_t o = 0; o < out.size(1); ++o)
            for (int64_t y = 0; y < out.size(2); ++y)
              for (int64_t xx = 0; xx < out.size(3); ++xx)
                CHECK_NEAR(*p++, direct(x, w, n, o, y, xx, stride, pad, dil, 2) + b.data<double>()[o], 1e-12);
      }
}

TEST(pointwise_conv_is_a_matrix_product) {
  Tensor x = values({3, 5, 4, 4});
  Tensor w = values({2, 5, 1, 1});
  Tensor out = conv2d(x, w);
  Tensor expected = matmul(reshape(w, {2, 5}), reshape(x, {3, 5, 16}));
  CHECK(out.sizes() == Dims({3, 2, 4, 4}));
  CHECK_NEAR(sum(abs(sub(reshape(out, {3, 2, 16}), expected))).item().f, 0.0, 1e-12);
}

TEST(conv_transpose_is_the_adjoint_of_conv) {
  // <conv(x, w), y> = <x, conv_transpose(y, w)> when the sizes match
  for (int64_t nd = 1; nd <= 3; ++nd) {
    Dims xs{2, 4}, ws{6, 2}, ys{2, 6};
    const int64_t size[] = {7, 6, 5}, out[] = {3, 2, 2};  // (s + 2 * 1 - 2 * (3 - 1) - 1) / 2 + 1
    for (int64_t i = 0; i < nd; ++i) {
      xs.push_back(size[i]);
      ws.push_back(3);
      ys.push_back(out[i]);
    }
    Tensor x = values(xs), w = values(ws, 0.03), y = values(ys, 0.2);
    Tensor c = convolution(x, w, Tensor(), {2}, {1}, {2}, false, {0}, 2);
    CHECK(c.sizes() == ys);
    // output_padding restores the input sizes the stride dropped
    Dims op;
    for (int64_t i = 0; i < nd; ++i) op.push_back(size[i] - ((out[i] - 1) * 2 - 2 * 1 + 2 * (3 - 1) + 1));
    Tensor t = convolution(y, w, Tensor(), {2}, {1}, {2}, true, op, 2);
    CHECK(t.sizes() == xs);
    CHECK_NEAR(inner(c, y), inner(x, t), 1e-10);
  }
}

TEST(gradients_and_node_name) {
  Tensor x = values({2, 4, 6, 5});
  Tensor w = values({6, 4, 3, 3}, 0.05);
  Tensor b = values({6});
  x.set_requires_grad(true);
  w.set_requires_grad(true);
  b.set_requires_grad(true);
  Tensor out = conv2d(x, w, b, {1}, {1});
  CHECK(out.grad_fn() && out.grad_fn()->name() == "ConvolutionBackward0");
  CHECK(out.grad_fn()->next_edges().size() == 3);
  Tensor g = values(out.sizes(), 0.3);
  out.backward(g);
  // d<out, g>/dx is the transposed convolution of g; d/db sums g over everything but the channels
  Tensor gx = conv_transpose2d(g, w.detach(), Tensor(), {1}, {1});
  CHECK_NEAR(sum(abs(sub(x.grad(), gx))).item().f, 0.0, 1e-10);
  Tensor gb = sum(g, {0, 2, 3});
  CHECK_NEAR(sum(abs(sub(b.grad(), gb))).item().f, 0.0, 1e-10);
  // d/dw against a finite difference of one weight (the output is linear in w: exact up to rounding)
  Tensor w2 = clone(w.detach());
  w2.data<double>()[7] += 1.0;
  const double delta = inner(conv2d(x.detach(), w2, b.detach(), {1}, {1}), g) - inner(out.detach(), g);
  CHECK_NEAR(w.grad().data<double>()[7], delta, 1e-9);
}

TEST(same_padding_keeps_the_size) {
  Tensor x = values({1, 2, 7, 6});
  for (int64_t k : {2, 3, 4}) {
    Tensor out = conv2d(x, values({3, 2, k, k}), Tensor(), {1}, ConvPadding::Same);
    CHECK(out.sizes() == Dims({1, 3, 7, 6}));
  }
  CHECK_THROWS(conv2d(x, values({3, 2, 3, 3}), Tensor(), {2}, ConvPadding::Same), Error);
}

TEST(unbatched_input_and_empty_batch) {
  Tensor out = conv1d(values({3, 8}), values({5, 3, 3}));
  CHECK(out.sizes() == Dims({5, 6}));
  Tensor empty_out = conv3d(values({0, 2, 4, 4, 4}), values({3, 2, 2, 2, 2}));
  CHECK(empty_out.sizes() == Dims({0, 3, 3, 3, 3}));
}

TEST(fold_of_unfold_counts_the_windows) {
  Tensor x = values({2, 3, 5, 4});
  Tensor cols = im2col(x, {2, 2}, {1, 1}, {0, 0}, {1, 1});
  CHECK(cols.sizes() == Dims({2, 12, 12}));
  Tensor back = col2im(cols, {5, 4}, {2, 2}, {1, 1}, {0, 0}, {1, 1});
  Tensor counts = col2im(im2col(ones_like(x), {2, 2}, {1, 1}, {0, 0}, {1, 1}), {5, 4}, {2, 2}, {1, 1}, {0, 0}, {1, 1});
  CHECK_NEAR(sum(abs(sub(back, mul(x, counts)))).item().f, 0.0, 1e-12);
  CHECK(counts.data<double>()[0] == 1.0 && counts.data<double>()[5] == 4.0);  // a corner, an inner element
}

TEST(weight_gradient_does_not_depend_on_the_thread_count) {
  Tensor x = values({32, 3, 12, 12});
  auto grad_at = [&](int threads) {
    fgtest::ThreadsGuard guard(threads);
    Tensor w = values({8, 3, 3, 3}, 0.05);
    w.set_requires_grad(true);
    sum(mul(conv2d(x, w, Tensor(), {1}, {1}), conv2d(x, w, Tensor(), {1}, {1}).detach())).backward();
    return w.grad();
  };
  Tensor a = grad_at(1), b = grad_at(2);
  bool same = true;
  for (int64_t i = 0; i < a.numel(); ++i) same &= a.data<double>()[i] == b.data<double>()[i];
  CHECK(same);
}

TEST(errors_name_the_problem) {
  Tensor x = values({1, 2, 5, 5});
  auto message = [](auto f) {
    try {
      f();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(message([&] { conv2d(x, values({3, 3, 3, 3})); }).find("to have 3 channels, but got 2 channels") !=
        std::string::npos);
  CHECK(message([&] { conv2d(x, values({3, 2, 7, 7})); }).find("Kernel size can't be greater") != std::string::npos);
  CHECK(message([&] { conv2d(x, values({3, 2, 3, 3}), Tensor(), {0}); }).find("non-positive stride") !=
        std::string::npos);
  CHECK(message([&] { conv_transpose2d(x, values({2, 3, 3, 3}), Tensor(), {1}, {0}, {1}); })
            .find("output padding must be smaller than either stride or dilation") != std::string::npos);
  CHECK(message([&] { conv2d(x, to_dtype(values({3, 2, 3, 3}), ScalarType::Float32)); }) ==
        "expected scalar type Double but found Float");
  CHECK_THROWS(conv_padding_from_string("full"), Error);
}

int main() { return fgtest::run_all(); }
