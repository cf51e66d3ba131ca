// More of torch.linalg, built on the LAPACK ops of linalg_lapack.cpp: cross, matrix_exp, pinv, lstsq.
// Forward and derivative side by side; every derivative is written with public ops (so create_graph works).
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

#include "common.h"
#include "elementwise.h"
#include "fastgrad/linalg.h"
#include "fastgrad/ops.h"

namespace fastgrad {

namespace {

void check_linalg_float(const Tensor& t, const char* api) {
  FG_CHECK(t.dtype() == ScalarType::Float32 || t.dtype() == ScalarType::Float64, Error, api,
           ": Expected a floating point or complex tensor as input. Got ", scalar_type_name(t.dtype()));
}

void check_square_matrices(const Tensor& t, const char* api) {
  FG_CHECK(t.dim() >= 2, Error, api, ": The input tensor A must have at least 2 dimensions.");
  const int64_t r = t.sizes()[t.dim() - 2], c = t.sizes()[t.dim() - 1];
  FG_CHECK(r == c, Error, api, ": A must be batches of square matrices, but they are ", r, " by ", c, " matrices");
}

double machine_eps(ScalarType t) {
  return t == ScalarType::Float32 ? static_cast<double>(std::numeric_limits<float>::epsilon())
                                  : std::numeric_limits<double>::epsilon();
}

// The identity broadcast to A's (square) batch shape.
Tensor eye_like(const Tensor& A) {
  const int64_t n = A.sizes().back();
  return expand(eye(n, n, A.dtype()), A.sizes());
}

}  // namespace

// ---- cross ----

struct LinalgCrossBackward0 : NamedNode<LinalgCrossBackward0> {
  static constexpr const char* kName = "LinalgCrossBackward0";
  int64_t dim;
  Dims a_sizes, b_sizes;
  size_t a_slot = SIZE_MAX, b_slot = SIZE_MAX;
  LinalgCrossBackward0(int64_t d, Dims a, Dims b) : dim(d), a_sizes(std::move(a)), b_sizes(std::move(b)) {}
  tensor_list apply(tensor_list&& g) override {
    // c = a x b: <g, da x b> = <b x g, da>, <g, a x db> = <g x a, db>
    Tensor ga, gb;
    if (needs_input_grad(0)) ga = sum_to(linalg_cross(saved(b_slot), g[0], dim), a_sizes);
    if (needs_input_grad(1)) gb = sum_to(linalg_cross(g[0], saved(a_slot), dim), b_sizes);
    return {ga, gb};
  }
};

Tensor linalg_cross(const Tensor& a, const Tensor& b, int64_t dim) {
  const char* api = "linalg.cross";
  FG_CHECK(a.dim() == b.dim(), Error, api, ": inputs must have the same number of dimensions.");
  FG_CHECK(a.dtype() == b.dtype(), Error, "expected scalar type ", scalar_type_name(a.dtype()),
           " but found ", scalar_type_name(b.dtype()));
  const Dims shape = broadcast_shapes(a.sizes(), b.sizes(), api);
  const int64_t nd = static_cast<int64_t>(shape.size());
  FG_CHECK(dim >= -nd && dim < nd, IndexError, "Dimension out of range (expected to be in range of [", -nd, ", ",
           nd - 1, "], but got ", dim, ")");
  const int64_t d = dim < 0 ? dim + nd : dim;
  FG_CHECK(a.sizes()[d] == 3 && b.sizes()[d] == 3, Error, api, ": inputs dimension ", dim,
           " must have length 3. Got ", a.sizes()[d], " and ", b.sizes()[d]);
  Tensor out;
  {
    NoGradGuard guard;
    // One pass over triples laid out last and dense (a copy only where an input is not already so):
    // (a1 b2 - a2 b1, a2 b0 - a0 b2, a0 b1 - a1 b0)
    check_kernel(a.dtype() != ScalarType::Bool, "cross", a.dtype());
    const ScalarType ct = compute_type(a.dtype());  // float16 / bfloat16 in float32, rounded once
    auto triples = [&](const Tensor& t) { return contiguous(cast(movedim(expand(t, shape), {d}, {-1}), ct)); };
    const Tensor at = triples(a), bt = triples(b);
    Tensor res = empty(at.sizes(), ct);
    const int64_t n = at.numel() / 3;
    dispatch(ct, [&](auto tag) {
      using T = decltype(tag);
      if constexpr (std::is_same_v<T, bool>) {
        throw_not_implemented_for(ScalarType::Bool);  // refused above
      } else {
        const T* x = at.data<T>();
        const T* y = bt.data<T>();
        T* z = res.data<T>();
        // float16 / bfloat16: each product rounded to the dtype before the difference, as PyTorch computes
        const ScalarType dt = a.dtype();
        auto r = [dt](T v) -> T {
          if constexpr (std::is_same_v<T, float>) {
            if (dt == ScalarType::Float16) return static_cast<float>(Half(v));
            if (dt == ScalarType::BFloat16) return static_cast<float>(BFloat16(v));
          }
          return v;
        };
        for (int64_t i = 0; i < n; ++i, x += 3, y += 3, z += 3) {
          z[0] = static_cast<T>(r(x[1] * y[2]) - r(x[2] * y[1]));
          z[1] = static_cast<T>(r(x[2] * y[0]) - r(x[0] * y[2]));
          z[2] = static_cast<T>(r(x[0] * y[1]) - r(x[1] * y[0]));
        }
      }
    });
    out = contiguous(cast(movedim(res, {-1}, {d}), a.dtype()));
  }
  if (compute_requires_grad({&a, &b})) {
    auto node = make_node<LinalgCrossBackward0>({&a, &b}, d, a.sizes(), b.sizes());
    node->a_slot = node->save(a);
    node->b_slot = node->save(b);
    set_history(out, node);
  }
  return out;
}

// ---- matrix_exp ----
//
// Note [Matrix exponential]
// exp(A) = exp(A / 2^s)^(2^s): s halvings bring the largest 1-norm in the batch to at most 1/2, where the
// Taylor series to degree 18 (Horner's form, E = I + X E / k for k = 18 .. 1) is below double rounding
// (0.5^19 / 19! ~ 1.6e-23); then s squarings. The derivative (Mathias 1996): for M = [[A^T, G], [0, A^T]],
// exp(M)'s upper-right block is the VJP of exp at A with cotangent G; it is computed with this op itself, so
// it differentiates again.

namespace {
Tensor matrix_exp_values(const Tensor& A) {
  NoGradGuard guard;
  const Tensor I = eye_like(A);
  double norm = 0;
  if (A.numel()) norm = amax(sum(abs(A), Dims{-2})).item<double>();  // the largest column sum in the batch
  int squarings = 0;
  if (std::isfinite(norm) && norm > 0.5) squarings = std::min(1000, static_cast<int>(std::ceil(std::log2(norm / 0.5))));
  Tensor X = squarings ? div(A, Scalar(std::ldexp(1.0, squarings))) : A;
  Tensor E = I;
  for (int k = 18; k >= 1; --k) E = add(I, div(matmul(X, E), Scalar(static_cast<double>(k))));
  for (int i = 0; i < squarings; ++i) E = matmul(E, E);
  return contiguous(E);
}
}  // namespace

struct LinalgMatrixExpBackward0 : NamedNode<LinalgMatrixExpBackward0> {
  static constexpr const char* kName = "LinalgMatrixExpBackward0";
  size_t A_slot = SIZE_MAX;
  tensor_list apply(tensor_list&& g) override {
    Tensor At = mT(saved(A_slot));
    const int64_t n = At.sizes().back();
    Tensor top = cat({At, g[0]}, -1), bottom = cat({zeros_like(At), At}, -1);
    Tensor big = linalg_matrix_exp(cat({top, bottom}, -2));
    return {narrow(narrow(big, -2, 0, n), -1, n, n)};
  }
};

Tensor linalg_matrix_exp(const Tensor& A) {
  const char* api = "linalg.matrix_exp";
  check_square_matrices(A, api);
  if (!is_reduced_float(A.dtype())) check_linalg_float(A, api);
  // float32 and half precision are computed in double and rounded once: the squarings multiply the series'
  // rounding error (PyTorch's float32 result is off by ~2e-6 of the norm on [-9, 9] 5x5 matrices; this one by
  // half an ulp of each element)
  Tensor out;
  if (A.dtype() == ScalarType::Float64) {
    out = matrix_exp_values(A);
  } else {
    NoGradGuard guard;
    out = contiguous(cast(matrix_exp_values(cast(A, ScalarType::Float64)), A.dtype()));
  }
  if (compute_requires_grad({&A})) {
    auto node = make_node<LinalgMatrixExpBackward0>({&A});
    node->A_slot = node->save(A);
    set_history(out, node);
  }
  return out;
}

// ---- pinv ----
//
// Note [Pseudo-inverse derivative]
// For P = pinv(A) of constant rank (Golub & Pereyra): dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P,
// so the VJP with cotangent G is gA = -P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A).

namespace {
// The pseudo-inverse from a factorisation A = L diag(s) R: R^T diag(1/s where keep, else 0) L^T.
Tensor pinv_from_factors(const Tensor& L, const Tensor& s, const Tensor& R, const Tensor& keep) {
  Tensor sinv = where(keep, reciprocal(s), Scalar(0.0));
  return matmul(mul(mT(R), unsqueeze(sinv, -2)), mT(L));
}

Tensor pinv_vjp(const Tensor& A, const Tensor& P, const Tensor& G) {
  Tensor Pt = mT(P), GT = mT(G);
  Tensor t1 = neg(matmul(matmul(Pt, G), Pt));                                    // -P^T G P^T
  Tensor t2 = matmul(sub(GT, matmul(A, matmul(P, GT))), matmul(P, Pt));          // (I - A P) G^T P P^T
  Tensor t3 = matmul(matmul(Pt, P), sub(GT, matmul(matmul(GT, P), A)));          // P^T P G^T (I - P A)
  return add(add(t1, t2), t3);
}
}  // namespace

struct LinalgPinvBackward0 : NamedNode<LinalgPinvBackward0> {
  static constexpr const char* kName = "LinalgPinvBackward0";
  size_t A_slot = SIZE_MAX, P_slot = SIZE_MAX;
  tensor_list apply(tensor_list&& g) override { return {pinv_vjp(saved(A_slot), saved(P_slot), g[0])}; }
};

Tensor linalg_pinv(const Tensor& A, std::optional<double> atol, std::optional<double> rtol, bool hermitian) {
  FG_CHECK(A.dim() >= 2 && (A.dtype() == ScalarType::Float32 || A.dtype() == ScalarType::Float64), Error,
           "linalg.pinv(", scalar_type_name(A.dtype()), shape_str(A.sizes()),
           "): expected a tensor with 2 or more dimensions of float, double, cfloat or cdouble types");
  const int64_t m = A.sizes()[A.dim() - 2], n = A.sizes().back();
  // PyTorch's defaults: rtol = eps * max(m, n) when neither is given, 0 when only atol is
  const double at = atol.value_or(0.0);
  const double rt = rtol ? *rtol : (atol && *atol > 0 ? 0.0 : machine_eps(A.dtype()) * static_cast<double>(std::max(m, n)));
  Tensor P;
  {
    NoGradGuard guard;
    Dims shape(A.sizes().begin(), A.sizes().end() - 2);
    shape.push_back(n);
    shape.push_back(m);
    if (A.numel() == 0) {
      P = zeros(shape, A.dtype());
    } else if (hermitian) {
      check_square_matrices(A, "linalg.pinv");
      auto [w, Q] = linalg_eigh(A, "L");
      Tensor aw = abs(w);
      Tensor tol = maximum(full({}, at, A.dtype()), mul(amax(aw, Dims{-1}, true), Scalar(rt)));
      P = contiguous(pinv_from_factors(Q, w, mT(Q), compare(aw, tol, CompareOp::Gt)));
    } else {
      auto [U, S, Vh] = linalg_svd(A, false, true, "linalg.pinv");
      Tensor tol = maximum(full({}, at, A.dtype()), mul(amax(S, Dims{-1}, true), Scalar(rt)));
      P = contiguous(pinv_from_factors(U, S, Vh, compare(S, tol, CompareOp::Gt)));
    }
  }
  if (compute_requires_grad({&A})) {
    auto node = make_node<LinalgPinvBackward0>({&A});
    node->A_slot = node->save(A);
    set_history(P, node);
    node->P_slot = node->save(P, /*is_output=*/true);
  }
  return P;
}

// ---- lstsq ----
//
// The minimum-norm least-squares solution X = pinv(A) B for every driver (gelsy, gelsd, gelss give it for any
// rank; gels assumes full rank, where it is the same). Singular values below rcond * (the largest) count as
// zero; rcond defaults to eps * max(m, n). The gradient of X is the pseudo-inverse's (Note [Pseudo-inverse
// derivative]): gB = P^T gX, gA = pinv_vjp(gX B^T); residuals ||A X - B||^2 per column are stationary in X
// (A^T (A X - B) = 0), so their gradient is 2 R diag(g) X^T for A and -2 R diag(g) for B (R = A X - B).

struct LinalgLstsqBackward0 : NamedNode<LinalgLstsqBackward0> {
  static constexpr const char* kName = "LinalgLstsqBackward0";
  bool vector;
  double rcond;
  Dims A_sizes, B_sizes;
  size_t A_slot = SIZE_MAX, B_slot = SIZE_MAX, P_slot = SIZE_MAX, X_slot = SIZE_MAX;
  LinalgLstsqBackward0(bool v, double r, Dims a, Dims b)
      : vector(v), rcond(r), A_sizes(std::move(a)), B_sizes(std::move(b)) {}
  tensor_list apply(tensor_list&& g) override {
    Tensor A = saved(A_slot), P = saved(P_slot), X = saved(X_slot);  // X as matrices
    Tensor B = vector ? unsqueeze(saved(B_slot), -1) : saved(B_slot);
    if (GradMode::is_enabled()) {  // create_graph: P and X as functions of A and B, so this differentiates again
      P = linalg_pinv(A, std::nullopt, rcond);
      X = matmul(P, B);
    }
    Tensor gA, gB;
    if (g[0].defined()) {
      Tensor gX = vector ? unsqueeze(g[0], -1) : g[0];
      if (needs_input_grad(0)) gA = pinv_vjp(A, P, matmul(gX, mT(B)));
      if (needs_input_grad(1)) gB = matmul(mT(P), gX);
    }
    if (g.size() > 1 && g[1].defined() && g[1].numel()) {
      Tensor R = sub(matmul(A, X), B);
      Tensor Rg = mul(R, unsqueeze(vector ? unsqueeze(g[1], -1) : g[1], -2));
      if (needs_input_grad(0)) {
        Tensor t = mul(matmul(Rg, mT(X)), Scalar(2.0));
        gA = gA.defined() ? add(gA, t) : t;
      }
      if (needs_input_grad(1)) {
        Tensor t = mul(Rg, Scalar(-2.0));
        gB = gB.defined() ? add(gB, t) : t;
      }
    }
    if (gA.defined()) gA = sum_to(gA, A_sizes);
    if (gB.defined()) {
      if (vector) gB = squeeze(gB, -1);
      gB = sum_to(gB, B_sizes);
    }
    return {gA, gB};
  }
};

std::tuple<Tensor, Tensor, Tensor, Tensor> linalg_lstsq(const Tensor& A, const Tensor& B,
                                                        std::optional<double> rcond, const std::string& driver) {
  const char* api = "torch.linalg.lstsq";
  FG_CHECK(A.dim() >= 2, Error, api, ": input must have at least 2 dimensions.");
  FG_CHECK(B.dim() >= 1, Error, api, ": other must have at least 1 dimension.");
  FG_CHECK(A.dtype() == B.dtype(), Error, api, ": Expected input and other to have the same dtype, but got input's dtype ",
           scalar_type_name(A.dtype()), " and other's dtype ", scalar_type_name(B.dtype()));
  check_linalg_float(A, "linalg.lstsq");
  FG_CHECK(driver == "gelsy" || driver == "gels" || driver == "gelsd" || driver == "gelss", Error, api,
           ": parameter `driver` should be one of (gels, gelsy, gelsd, gelss)");
  // PyTorch's rule: B is a (batch of) vector(s) when 1-d, or when its shape is A's without the last dim
  const bool vector = B.dim() == 1 || (B.dim() == A.dim() - 1 &&
                                       Dims(B.sizes().begin(), B.sizes().end()) == Dims(A.sizes().begin(), A.sizes().end() - 1));
  const int64_t m = A.sizes()[A.dim() - 2], n = A.sizes().back();
  Tensor Bm;
  {
    NoGradGuard guard;
    Bm = vector ? unsqueeze(B, -1) : B;
  }
  FG_CHECK(Bm.sizes()[Bm.dim() - 2] == m, Error, api, ": input.size(-2) should match other.size(-2)");
  const double rc = rcond ? *rcond : machine_eps(A.dtype()) * static_cast<double>(std::max(m, n));
  Tensor X, P, S, rank, residuals;
  const Dims batch = broadcast_shapes(Dims(A.sizes().begin(), A.sizes().end() - 2),
                                      Dims(Bm.sizes().begin(), Bm.sizes().end() - 2), api);
  {
    NoGradGuard guard;
    if (A.numel() == 0) {
      Dims ps = batch;
      ps.push_back(n);
      ps.push_back(m);
      P = zeros(ps, A.dtype());
      Dims ss = batch;
      ss.push_back(std::min(m, n));
      S = zeros(ss, A.dtype());
      rank = zeros(batch, ScalarType::Int64);
    } else {
      auto usv = linalg_svd(A, false, true, "linalg.lstsq");
      const Tensor& U = std::get<0>(usv);
      S = std::get<1>(usv);
      const Tensor& Vh = std::get<2>(usv);
      Tensor keep = compare(S, mul(amax(S, Dims{-1}, true), Scalar(rc)), CompareOp::Gt);
      P = pinv_from_factors(U, S, Vh, keep);
      rank = sum(keep, Dims{-1}, false, ScalarType::Int64);
      if (static_cast<int64_t>(batch.size()) > rank.dim()) rank = contiguous(expand(rank, batch));
    }
    X = contiguous(matmul(P, Bm));
    const bool full_rank = A.numel() == 0 ? n == 0 : compare(rank, Scalar(n), CompareOp::Eq).all().item<bool>();
    if (m > n && driver != "gelsy" && full_rank) {
      residuals = sum(pow(sub(matmul(A, X), Bm), Scalar(2.0)), Dims{-2});
      if (vector) residuals = squeeze(residuals, -1);
      residuals = contiguous(residuals);
    } else {
      residuals = zeros({0}, A.dtype());
    }
    if (driver == "gels") rank = zeros({0}, ScalarType::Int64);
    if (driver != "gelsd" && driver != "gelss") S = zeros({0}, A.dtype());
    else S = contiguous(expand(S, [&] { Dims s = batch; s.push_back(std::min(m, n)); return s; }()));
  }
  Tensor solution = X;
  if (vector) {
    NoGradGuard guard;
    solution = contiguous(squeeze(X, -1));
  }
  if (compute_requires_grad({&A, &B})) {
    auto node = make_node<LinalgLstsqBackward0>({&A, &B}, vector, rc, A.sizes(), B.sizes());
    node->A_slot = node->save(A);
    node->B_slot = node->save(B);
    node->P_slot = node->save(P);
    node->X_slot = node->save(X);
    set_history(solution, node);
    set_history(residuals, node);
  }
  return {solution, residuals, rank, S};
}

}  // namespace fastgrad
