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

TEST(ordering_and_counting_without_python) {
  // sort is stable in both directions and puts NaN last (first when descending): Note [Sort order]
  Tensor x = view(arange(0, 6, 1, ScalarType::Float64), {6});
  double* p = x.data<double>();
  p[0] = 2, p[1] = NAN, p[2] = 1, p[3] = 2, p[4] = -1, p[5] = 1;
  auto [values, indices] = sort(x);
  const int64_t* ix = indices.data<int64_t>();
  CHECK(ix[0] == 4 && ix[1] == 2 && ix[2] == 5 && ix[3] == 0 && ix[4] == 3 && ix[5] == 1);
  CHECK(std::isnan(values.data<double>()[5]));
  auto [dv, di] = sort(x, 0, /*descending=*/true);
  CHECK(di.data<int64_t>()[0] == 1 && di.data<int64_t>()[1] == 0 && di.data<int64_t>()[2] == 3);
  auto [tv, ti] = topk(x, 2, 0, /*largest=*/false);
  CHECK(tv.data<double>()[0] == -1 && ti.data<int64_t>()[1] == 2);
  auto [kv, ki] = kthvalue(x, 4);
  CHECK(kv.data<double>()[0] == 2 && ki.data<int64_t>()[0] == 0);
  auto [u, inverse, counts] = unique(x, true, true, true);
  CHECK(u.numel() == 4 && counts.data<int64_t>()[1] == 2 && inverse.data<int64_t>()[3] == 2);
  Tensor bins = bincount(view(arange(0, 4, 1, ScalarType::Int64), {4}), Tensor(), 6);
  CHECK(bins.numel() == 6 && bins.data<int64_t>()[3] == 1 && bins.data<int64_t>()[5] == 0);
  Tensor h = histc(x, 3, -1, 2);  // NaN is not counted
  CHECK(h.data<double>()[0] == 1 && h.data<double>()[1] == 0 && h.data<double>()[2] == 4);
  Tensor r = arange(0, 5, 1, ScalarType::Float32);
  Tensor w = unfold(r, 0, 2, 2);  // a view: the windows [0, 1] and [2, 3]
  CHECK(w.sizes() == Dims({2, 2}) && w.storage() == r.storage() && w.data<float>()[w.strides()[0]] == 2.0f);
  CHECK_THROWS(topk(x, 7), Error);
  CHECK_THROWS(kthvalue(x, 0), Error);
}

int main() { return fgtest::run_all(); }
