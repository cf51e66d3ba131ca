// The core without Python: tensors, views, broadcasting, promotion, errors.
#include <fastgrad/fastgrad.h>

#include "check.h"

using namespace fastgrad;

TEST(views_share_storage_and_version) {
  Tensor a = arange(0, 6, 1, ScalarType::Float32);
  Tensor v = view(a, {2, 3});
  Tensor tt = t(v);
  CHECK(tt.sizes() == Dims({3, 2}));
  CHECK(!tt.is_contiguous());
  CHECK(tt.storage() == a.storage());
  uint32_t before = a.version();
  add_(v, Scalar(1.0));
  CHECK(a.version() == before + 1);
  CHECK(a.data<float>()[5] == 6.0f);
}

TEST(broadcasting_and_promotion) {
  Tensor a = ones({2, 1}, ScalarType::Int32);
  Tensor b = full({3}, Scalar(0.5), ScalarType::Float64);
  Tensor c = add(a, b);
  CHECK(c.sizes() == Dims({2, 3}));
  CHECK(c.dtype() == ScalarType::Float64);
  CHECK(c.data<double>()[4] == 1.5);
  // A Python float does not promote a float32 tensor; an int tensor becomes the default float.
  CHECK(mul(ones({2}), Scalar(2.0)).dtype() == ScalarType::Float32);
  CHECK(mul(ones({2}, ScalarType::Int64), Scalar(2.5)).dtype() == ScalarType::Float32);
  CHECK(add(ones({2}, ScalarType::Int32), Scalar(int64_t(3))).dtype() == ScalarType::Int32);
}

TEST(strided_kernels_match_contiguous) {
  Tensor a = arange(0, 12, 1, ScalarType::Float64);
  Tensor m = view(a, {3, 4});
  Tensor mt = t(m);             // (4, 3), non-contiguous
  Tensor s = sum(mt, Dims{0});  // column sums of mt = row sums of m
  CHECK(s.sizes() == Dims({3}));
  CHECK(s.data<double>()[0] == 0 + 1 + 2 + 3);
  CHECK(s.data<double>()[2] == 8 + 9 + 10 + 11);
  Tensor e = exp(mt);
  CHECK_NEAR(e.data<double>()[1], std::exp(4.0), 1e-12);  // e[0][1] = exp(m[1][0])
}

TEST(matmul_through_blas_matches_loops) {
  Tensor a = arange(0, 6, 1, ScalarType::Float32);
  Tensor m = view(a, {2, 3});
  Tensor p = mm(m, t(m));  // (2, 2)
  CHECK(p.data<float>()[0] == 0 * 0 + 1 * 1 + 2 * 2);
  CHECK(p.data<float>()[1] == 0 * 3 + 1 * 4 + 2 * 5);
  CHECK(p.data<float>()[3] == 9 + 16 + 25);
}

TEST(errors_are_typed) {
  CHECK_THROWS(add(ones({3}), ones({4})), Error);
  CHECK_THROWS(mm(ones({2, 3}), ones({4, 5})), Error);
  CHECK_THROWS(ones({3}).item(), Error);
  CHECK_THROWS(sum(ones({2}), Dims{5}), IndexError);
  Tensor i = ones({2}, ScalarType::Int64);
  CHECK_THROWS(i.set_requires_grad(true), Error);
}

int main() { return fgtest::run_all(); }
