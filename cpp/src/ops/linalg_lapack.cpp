// Linear algebra on LAPACK (cpu/lapack.h): inverse, determinants, solves, Cholesky, symmetric eigenproblems.
// Forward and derivative side by side; every derivative is written with public ops (so create_graph works).
//
// Note [Column-major work buffers]
// LAPACK wants column-major matrices. Each op copies its (broadcast, any-strided) input into a fresh buffer
// whose matrices are column-major and whose batch entries follow each other (fortran_copy), runs one LAPACK
// call per matrix, and returns that buffer as the result: a fresh tensor (not a view) with column-major
// strides, as PyTorch's results have.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "../cpu/lapack.h"
#include "common.h"
#include "fastgrad/linalg.h"
#include "fastgrad/ops.h"
#include "fastgrad/autocast.h"

namespace fastgrad {

namespace {

// ---- checks (PyTorch's messages) ----

void check_float_input(const Tensor& t, const char* api, const char* what = "input") {
  FG_CHECK(!is_reduced_float(t.dtype()), Error, api, ": Low precision dtypes not supported. Got ",
           scalar_type_name(t.dtype()));
  FG_CHECK(t.dtype() == ScalarType::Float32 || t.dtype() == ScalarType::Float64, Error, api,
           ": Expected a floating point or complex tensor as ", what, ". Got ", scalar_type_name(t.dtype()));
}

void check_matrix(const Tensor& t, const char* api, const char* name = "A") {
  FG_CHECK(t.dim() >= 2, Error, api, ": The input tensor ", name, " must have at least 2 dimensions.");
}

void check_square(const Tensor& t, const char* api, const char* name = "A") {
  check_matrix(t, api, name);
  const int64_t r = t.sizes()[t.dim() - 2], c = t.sizes()[t.dim() - 1];
  FG_CHECK(r == c, Error, api, ": ", name, " must be batches of square matrices, but they are ", r, " by ", c,
           " matrices");
}

int lapack_int(int64_t v, const char* api) {
  FG_CHECK(v <= std::numeric_limits<int>::max(), Error, api, ": matrix dimension ", v,
           " is too large for LAPACK's 32-bit integers");
  return static_cast<int>(v);
}

Dims batch_of(const Tensor& t) { return Dims(t.sizes().begin(), t.sizes().end() - 2); }
Dims with_matrix(Dims batch, int64_t rows, int64_t cols) {
  batch.push_back(rows);
  batch.push_back(cols);
  return batch;
}

// ---- column-major buffers (Note [Column-major work buffers]) ----

Dims fortran_strides(const Dims& s) {
  const size_t n = s.size();
  Dims st(n, 1);
  if (n < 2) return contiguous_strides(s);
  const int64_t rows = std::max<int64_t>(s[n - 2], 1), cols = std::max<int64_t>(s[n - 1], 1);
  st[n - 2] = 1;
  st[n - 1] = rows;
  int64_t acc = rows * cols;
  for (size_t i = n - 2; i-- > 0;) {
    st[i] = acc;
    acc *= std::max<int64_t>(s[i], 1);
  }
  return st;
}

Tensor fortran_empty(const Dims& shape, ScalarType dtype) {
  Tensor flat = empty({numel_of(shape)}, dtype);
  return Tensor(std::make_shared<TensorImpl>(flat.storage(), shape, fortran_strides(shape), 0, dtype));
}

// t broadcast to `shape`, copied into a column-major buffer (no autograd).
Tensor fortran_copy(const Tensor& t, const Dims& shape) {
  NoGradGuard guard;
  Tensor f = fortran_empty(shape, t.dtype());
  if (f.numel()) copy_into(f, expand(t, shape));
  return f;
}

// The same memory seen with the last two dims swapped (a row-major buffer of the transposed matrices).
Tensor swapped(const Tensor& f) {
  Dims s = f.sizes(), st = f.strides();
  std::swap(s[s.size() - 1], s[s.size() - 2]);
  std::swap(st[st.size() - 1], st[st.size() - 2]);
  return Tensor(std::make_shared<TensorImpl>(f.storage(), s, st, f.storage_offset(), f.dtype()));
}

int64_t batch_count(const Tensor& t) { return numel_of(batch_of(t)); }

// ---- LAPACK info -> LinAlgError ----

enum class Failure { Inverse, Solve, Cholesky, Eigh };

void raise_on_info(const Tensor& info, bool batched, const char* api, Failure kind) {
  const int32_t* p = info.data<int32_t>();
  for (int64_t i = 0; i < info.numel(); ++i) {
    if (p[i] == 0) continue;
    const std::string where = batched ? "(Batch element " + std::to_string(i) + "): " : "";
    switch (kind) {
      case Failure::Inverse:
        throw LinAlgError(detail::concat(api, ": ", where, "The diagonal element ", p[i],
                                         " is zero, the inversion could not be completed because the input matrix "
                                         "is singular."));
      case Failure::Solve:
        throw LinAlgError(
            detail::concat("torch.", api, ": ", where, "The solver failed because the input matrix is singular."));
      case Failure::Cholesky:
        throw LinAlgError(detail::concat(api, ": ", where,
                                         "The factorization could not be completed because the input is not "
                                         "positive-definite (the leading minor of order ",
                                         p[i], " is not positive-definite)."));
      case Failure::Eigh:
        throw LinAlgError(detail::concat(api, ": ", where,
                                         "The algorithm failed to converge because the input matrix is "
                                         "ill-conditioned or has too many repeated eigenvalues (error code: ",
                                         p[i], ")."));
    }
  }
}

// ---- helpers for the derivatives (public ops only) ----

Tensor mT_(const Tensor& t) { return transpose(t, -2, -1); }

// diag_embed(v): v[..., i] on the diagonal of a (..., n, n) matrix.
Tensor diag_embed_(const Tensor& v) {
  const int64_t n = v.sizes().back();
  return mul(unsqueeze(v, -1), eye(n, n, v.dtype()));
}

Tensor unsqueeze2(const Tensor& t) { return unsqueeze(unsqueeze(t, -1), -1); }

// A gradient of the broadcast shape summed back to the input's shape.
Tensor reduce_to(const Tensor& g, const Dims& shape) { return g.sizes() == shape ? g : sum_to(g, shape); }

// ---- the kernels: LU solves ----

// LU factors (column-major, in place of a copy of A) and 1-based pivots of each matrix; info per matrix.
struct LuFactors {
  Tensor lu;
  std::vector<int> pivots;  // batch * n
  Tensor info;              // int32, the batch shape
};

LuFactors lu_factor_kernel(const Tensor& A, const char* api) {
  cpu::check_lapack(api);
  const int64_t n = A.sizes().back();
  const int ni = lapack_int(n, api);
  LuFactors f{fortran_copy(A, A.sizes()), {}, zeros(batch_of(A), ScalarType::Int32)};
  const int64_t batch = batch_count(A);
  f.pivots.assign(static_cast<size_t>(batch * n), 0);
  int32_t* info = f.info.data<int32_t>();
  if (n == 0) return f;
  dispatch_float(A.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* a = f.lu.data<T>();
    for (int64_t b = 0; b < batch; ++b) info[b] = cpu::getrf<T>(ni, a + b * n * n, f.pivots.data() + b * n);
  });
  return f;
}

// X = A^-1 B (or A^-T B with `trans`) for B (batch, n, k) column-major, written in place; A's batch is B's.
void lu_solve_kernel(const LuFactors& f, const Tensor& B, bool trans) {
  const int64_t n = B.sizes()[B.dim() - 2], k = B.sizes().back();
  if (n == 0 || k == 0) return;
  const int64_t batch = batch_count(B);
  const int ni = static_cast<int>(n), ki = lapack_int(k, "linalg.solve");
  dispatch_float(B.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* a = f.lu.data<T>();
    T* x = B.data<T>();
    for (int64_t b = 0; b < batch; ++b)
      cpu::getrs<T>(trans, ni, ki, a + b * n * n, f.pivots.data() + b * n, x + b * n * k);
  });
}

}  // namespace

// ---- inv ----

struct LinalgInvExBackward0 : NamedNode<LinalgInvExBackward0> {
  static constexpr const char* kName = "LinalgInvExBackward0";
  size_t inverse_slot = SIZE_MAX;
  tensor_list apply(tensor_list&& g) override {
    // d(A^-1) = -A^-1 dA A^-1, so gA = -X^T gX X^T
    Tensor xt = mT_(saved(inverse_slot));
    return {neg(matmul(matmul(xt, g[0]), xt))};
  }
};

std::tuple<Tensor, Tensor> linalg_inv_ex(const Tensor& A, bool check_errors, const char* api) {
  check_square(A, api);
  check_float_input(A, api);
  const int64_t n = A.sizes().back();
  LuFactors f = lu_factor_kernel(A, api);
  Tensor X = fortran_empty(A.sizes(), A.dtype());
  {
    NoGradGuard guard;
    if (X.numel()) copy_into(X, expand(eye(n, n, A.dtype()), A.sizes()));
  }
  lu_solve_kernel(f, X, false);
  if (check_errors) raise_on_info(f.info, A.dim() > 2, api, Failure::Inverse);
  if (compute_requires_grad({&A})) {
    auto node = make_node<LinalgInvExBackward0>({&A});
    set_history(X, node);
    node->inverse_slot = node->save(X, /*is_output=*/true);
  }
  return {X, f.info};
}

Tensor linalg_inv(const Tensor& A) {
  if (AutocastMode::is_enabled()) {  // Note [Autocast]: float32 list
    const Tensor A_ac = autocast_float32(A);
    AutocastOff off;
    return linalg_inv(A_ac);
  }
  return std::get<0>(linalg_inv_ex(A, true, "linalg.inv"));
}

// ---- det, slogdet, logdet ----

namespace {
// (det, or (sign, log|det|)) of each LU-factored matrix: the product of U's diagonal, negated per row swap.
void lu_determinants(const LuFactors& f, int64_t n, const Tensor& det, const Tensor& logabs) {
  const int64_t batch = f.info.numel();
  dispatch_float(det.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* a = f.lu.data<T>();
    T* d = det.data<T>();
    T* l = logabs.defined() ? logabs.data<T>() : nullptr;
    for (int64_t b = 0; b < batch; ++b) {
      const T* m = a + b * n * n;
      const int* piv = f.pivots.data() + b * n;
      T prod = T(1), logsum = T(0), sign = T(1);
      for (int64_t i = 0; i < n; ++i) {
        const T u = m[i * n + i];
        if (piv[i] != i + 1) sign = -sign;
        prod *= u;
        if (u < T(0)) sign = -sign;
        logsum += std::log(std::abs(u));
      }
      if (l) {
        const bool zero = std::isinf(logsum) && logsum < 0;
        d[b] = zero ? T(0) : sign;
        l[b] = logsum;
      } else {
        // the product with the row-swap parity (signs of u are in prod already)
        int swaps = 0;
        for (int64_t i = 0; i < n; ++i) swaps += piv[i] != i + 1;
        d[b] = swaps % 2 ? -prod : prod;
      }
    }
  });
}
}  // namespace

struct LinalgDetBackward0 : NamedNode<LinalgDetBackward0> {
  static constexpr const char* kName = "LinalgDetBackward0";
  size_t A_slot = SIZE_MAX, det_slot = SIZE_MAX;
  tensor_list apply(tensor_list&& g) override {
    // d det = det tr(A^-1 dA), so gA = g det A^-T (NaN/inf for a singular A: see docs/differences.md)
    Tensor inv = std::get<0>(linalg_inv_ex(saved(A_slot)));
    return {mul(unsqueeze2(mul(g[0], saved(det_slot))), mT_(inv))};
  }
};

Tensor linalg_det(const Tensor& A) {
  const char* api = "linalg.det";
  check_square(A, api);
  check_float_input(A, api);
  const int64_t n = A.sizes().back();
  Tensor det = empty(batch_of(A), A.dtype());
  if (n == 0) {
    NoGradGuard guard;
    fill_(det, Scalar(1.0));
  } else {
    lu_determinants(lu_factor_kernel(A, api), n, det, Tensor());
  }
  if (compute_requires_grad({&A})) {
    auto node = make_node<LinalgDetBackward0>({&A});
    node->A_slot = node->save(A);
    set_history(det, node);
    node->det_slot = node->save(det, /*is_output=*/true);
  }
  return det;
}

struct LinalgSlogdetBackward0 : NamedNode<LinalgSlogdetBackward0> {
  static constexpr const char* kName = "LinalgSlogdetBackward0";
  size_t A_slot = SIZE_MAX;
  tensor_list apply(tensor_list&& g) override {
    // the sign of a real determinant is piecewise constant: only log|det| has a gradient, g A^-T
    if (g.size() < 2 || !g[1].defined()) return {Tensor()};
    Tensor inv = std::get<0>(linalg_inv_ex(saved(A_slot)));
    return {mul(unsqueeze2(g[1]), mT_(inv))};
  }
};

std::tuple<Tensor, Tensor> linalg_slogdet(const Tensor& A) {
  const char* api = "linalg.slogdet";
  check_square(A, api);
  check_float_input(A, api);
  const int64_t n = A.sizes().back();
  Tensor sign = empty(batch_of(A), A.dtype()), logabs = empty(batch_of(A), A.dtype());
  if (n == 0) {
    NoGradGuard guard;
    fill_(sign, Scalar(1.0));
    fill_(logabs, Scalar(0.0));
  } else {
    lu_determinants(lu_factor_kernel(A, api), n, sign, logabs);
  }
  if (compute_requires_grad({&A})) {
    auto node = make_node<LinalgSlogdetBackward0>({&A});
    node->A_slot = node->save(A);
    set_history(sign, node);
    set_history(logabs, node);
  }
  return {sign, logabs};
}

Tensor logdet(const Tensor& A) {
  check_square(A, "linalg.slogdet");
  check_float_input(A, "logdet");
  auto [sign, logabs] = linalg_slogdet(A);
  return where(compare(sign, Scalar(0.0), CompareOp::Lt), Scalar(std::numeric_limits<double>::quiet_NaN()), logabs);
}

// ---- solve ----

namespace {
// B is a (batch of) vector(s) for A: PyTorch's rule.
bool solve_is_vector(const Tensor& A, const Tensor& B) {
  if (B.dim() == 1) return true;
  if (B.dim() != A.dim() - 1) return false;
  return Dims(B.sizes().begin(), B.sizes().end()) == Dims(A.sizes().begin(), A.sizes().end() - 1);
}
}  // namespace

struct LinalgSolveExBackward0 : NamedNode<LinalgSolveExBackward0> {
  static constexpr const char* kName = "LinalgSolveExBackward0";
  bool left, vector;
  Dims A_sizes, B_sizes;
  size_t A_slot = SIZE_MAX, X_slot = SIZE_MAX;
  LinalgSolveExBackward0(bool l, bool v, Dims a, Dims b) : left(l), vector(v), A_sizes(std::move(a)), B_sizes(std::move(b)) {}
  tensor_list apply(tensor_list&& g) override {
    // AX = B: gB = A^-T gX, gA = -gB X^T.  XA = B: gB = gX A^-T, gA = -X^T gB.
    Tensor A = saved(A_slot), X = saved(X_slot), gx = g[0];
    if (vector) {
      X = unsqueeze(X, -1);
      gx = unsqueeze(gx, -1);
    }
    Tensor gB = linalg_solve(mT_(A), gx, left);
    Tensor gA;
    if (needs_input_grad(0)) gA = reduce_to(neg(left ? matmul(gB, mT_(X)) : matmul(mT_(X), gB)), A_sizes);
    if (vector) gB = squeeze(gB, -1);
    return {gA, needs_input_grad(1) ? reduce_to(gB, B_sizes) : Tensor()};
  }
};

std::tuple<Tensor, Tensor> linalg_solve_ex(const Tensor& A, const Tensor& B, bool left, bool check_errors,
                                           const char* api) {
  check_square(A, api);
  check_float_input(A, api);
  FG_CHECK(A.dtype() == B.dtype(), Error, api, ": Expected A and B to have the same dtype, but found A of type ",
           scalar_type_name(A.dtype()), " and B of type ", scalar_type_name(B.dtype()), " instead");
  const bool vector = left && solve_is_vector(A, B);
  FG_CHECK(vector || B.dim() >= 2, Error, api, ": The input tensor B must have at least 2 dimensions.");
  Tensor Bm;
  {
    NoGradGuard guard;
    Bm = vector ? unsqueeze(B, -1) : B;
  }
  const int64_t n = A.sizes().back();
  const int64_t rows = Bm.sizes()[Bm.dim() - 2], cols = Bm.sizes().back();
  FG_CHECK(left ? rows == n : cols == n, Error, api, ": Incompatible shapes of A and B for the equation ",
           left ? "AX = B" : "XA = B", " (", n, "x", n, " and ", rows, "x", cols, ")");
  const Dims batch = broadcast_shapes(batch_of(A), batch_of(Bm), api);
  LuFactors f = lu_factor_kernel(fortran_copy(A, with_matrix(batch, n, n)), api);
  Tensor X;
  if (left) {
    X = fortran_copy(Bm, with_matrix(batch, rows, cols));
    lu_solve_kernel(f, X, false);
  } else {  // XA = B is A^T X^T = B^T: solve for X^T in a column-major buffer, whose swap is X row-major
    NoGradGuard guard;
    Tensor Xt = fortran_copy(mT_(Bm), with_matrix(batch, cols, rows));
    lu_solve_kernel(f, Xt, true);
    X = swapped(Xt);
  }
  if (vector) X->set_sizes_and_strides(Dims(X.sizes().begin(), X.sizes().end() - 1),
                                       Dims(X.strides().begin(), X.strides().end() - 1), X.storage_offset());
  if (check_errors) raise_on_info(f.info, A.dim() > 2, api, Failure::Solve);
  if (compute_requires_grad({&A, &B})) {
    auto node = make_node<LinalgSolveExBackward0>({&A, &B}, left, vector, A.sizes(), B.sizes());
    node->A_slot = node->save(A);
    set_history(X, node);
    node->X_slot = node->save(X, /*is_output=*/true);
  }
  return {X, f.info};
}

Tensor linalg_solve(const Tensor& A, const Tensor& B, bool left) {
  return std::get<0>(linalg_solve_ex(A, B, left, true, "linalg.solve"));
}

// ---- triangular solves ----

namespace {
// op(A)^-1 B (left) or B op(A)^-1, broadcasting the batch dims; A's `upper` or lower triangle is read.
Tensor triangular_kernel(const Tensor& A, const Tensor& B, bool upper, bool left, bool trans, bool unit,
                         const char* api) {
  cpu::check_lapack(api);
  const int64_t n = A.sizes().back(), rows = B.sizes()[B.dim() - 2], cols = B.sizes().back();
  const Dims batch = broadcast_shapes(batch_of(A), batch_of(B), api);
  Tensor a = fortran_copy(A, with_matrix(batch, n, n));
  Tensor X = fortran_copy(B, with_matrix(batch, rows, cols));
  const int64_t count = numel_of(batch);
  const int ri = lapack_int(rows, api), ci = lapack_int(cols, api);
  if (X.numel() == 0) return X;
  dispatch_float(A.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* pa = a.data<T>();
    T* px = X.data<T>();
    for (int64_t b = 0; b < count; ++b) cpu::trsm<T>(left, upper, trans, unit, ri, ci, pa + b * n * n, px + b * rows * cols);
  });
  return X;
}

// The triangle of a gradient that a triangular A can receive (its diagonal too unless unit).
Tensor triangle(const Tensor& g, bool upper, bool unit) {
  return upper ? triu(g, unit ? 1 : 0) : tril(g, unit ? -1 : 0);
}
}  // namespace

struct LinalgSolveTriangularBackward0 : NamedNode<LinalgSolveTriangularBackward0> {
  static constexpr const char* kName = "LinalgSolveTriangularBackward0";
  bool upper, left, unit;
  Dims A_sizes, B_sizes;
  size_t A_slot = SIZE_MAX, X_slot = SIZE_MAX;
  LinalgSolveTriangularBackward0(bool u, bool l, bool un, Dims a, Dims b)
      : upper(u), left(l), unit(un), A_sizes(std::move(a)), B_sizes(std::move(b)) {}
  tensor_list apply(tensor_list&& g) override {
    Tensor A = saved(A_slot), X = saved(X_slot);
    Tensor gB = linalg_solve_triangular(mT_(A), g[0], !upper, left, unit);
    Tensor gA;
    if (needs_input_grad(0))
      gA = reduce_to(triangle(neg(left ? matmul(gB, mT_(X)) : matmul(mT_(X), gB)), upper, unit), A_sizes);
    return {gA, needs_input_grad(1) ? reduce_to(gB, B_sizes) : Tensor()};
  }
};

Tensor linalg_solve_triangular(const Tensor& A, const Tensor& B, bool upper, bool left, bool unitriangular) {
  const char* api = "linalg.solve_triangular";
  check_float_input(A, api);
  check_matrix(B, api, "B");
  check_square(A, api);
  FG_CHECK(A.dtype() == B.dtype(), Error, api, ": Expected A and B to have the same dtype, but found A of type ",
           scalar_type_name(A.dtype()), " and B of type ", scalar_type_name(B.dtype()), " instead");
  const int64_t n = A.sizes().back(), rows = B.sizes()[B.dim() - 2], cols = B.sizes().back();
  FG_CHECK(left ? rows == n : cols == n, Error, api, ": Incompatible shapes of A and B for the equation ",
           left ? "AX = B" : "XA = B", " (", n, "x", n, " and ", rows, "x", cols, ")");
  Tensor X = triangular_kernel(A, B, upper, left, false, unitriangular, api);
  if (compute_requires_grad({&A, &B})) {
    auto node = make_node<LinalgSolveTriangularBackward0>({&A, &B}, upper, left, unitriangular, A.sizes(), B.sizes());
    node->A_slot = node->save(A);
    set_history(X, node);
    node->X_slot = node->save(X, /*is_output=*/true);
  }
  return X;
}

struct TriangularSolveBackward0 : NamedNode<TriangularSolveBackward0> {
  static constexpr const char* kName = "TriangularSolveBackward0";
  bool upper, trans, unit;
  Dims A_sizes, b_sizes;
  ScalarType input_dtype = ScalarType::Float32;
  size_t A_slot = SIZE_MAX, X_slot = SIZE_MAX;
  TriangularSolveBackward0(bool u, bool t, bool un, Dims a, Dims b)
      : upper(u), trans(t), unit(un), A_sizes(std::move(a)), b_sizes(std::move(b)) {}
  tensor_list apply(tensor_list&& g) override {
    // op(A) X = b with op(A) = A or A^T: gb = op(A)^-T gX; g(op(A)) = -gb X^T, kept in A's triangle. The copy of
    // A (the second output) passes its gradient straight to A.
    Tensor gb, gA;
    if (g[0].defined()) {
      Tensor A = saved(A_slot), X = saved(X_slot);
      gb = std::get<0>(triangular_solve(g[0], A, upper, !trans, unit));
      if (needs_input_grad(1)) {
        Tensor gop = neg(matmul(gb, mT_(X)));
        gA = triangle(trans ? mT_(gop) : gop, upper, unit);
      }
    }
    if (g.size() > 1 && g[1].defined() && needs_input_grad(1)) gA = gA.defined() ? add(gA, g[1]) : g[1];
    if (gA.defined()) gA = reduce_to(gA, A_sizes);
    if (gb.defined()) gb = reduce_to(gb, b_sizes);
    else if (needs_input_grad(0)) gb = zeros(b_sizes, input_dtype);  // only the copy of A was used
    return {needs_input_grad(0) ? gb : Tensor(), gA};
  }
};

std::tuple<Tensor, Tensor> triangular_solve(const Tensor& b, const Tensor& A, bool upper, bool transpose_,
                                            bool unitriangular) {
  const char* api = "torch.triangular_solve";
  FG_CHECK(b.dim() >= 2, Error, api, ": Expected b to have at least 2 dimensions, but it has ", b.dim(),
           " dimensions instead");
  FG_CHECK(A.dim() >= 2, Error, api, ": Expected A to have at least 2 dimensions, but it has ", A.dim(),
           " dimensions instead");
  check_square(A, "linalg.solve_triangular");
  check_float_input(A, "triangular_solve");
  FG_CHECK(A.dtype() == b.dtype(), Error, "Expected b and A to have the same dtype, but found b of type ",
           scalar_type_name(b.dtype()), " and A of type ", scalar_type_name(A.dtype()), " instead.");
  const int64_t n = A.sizes().back();
  FG_CHECK(b.sizes()[b.dim() - 2] == n, Error, "Incompatible matrix sizes for triangular_solve: each A matrix is ", n,
           " by ", n, " but each b matrix is ", b.sizes()[b.dim() - 2], " by ", b.sizes().back());
  Tensor X = triangular_kernel(A, b, upper, true, transpose_, unitriangular, "triangular_solve");
  const Dims batch = batch_of(X);
  Tensor M = fortran_copy(A, with_matrix(batch, n, n));
  if (compute_requires_grad({&b, &A})) {
    auto node = make_node<TriangularSolveBackward0>({&b, &A}, upper, transpose_, unitriangular, A.sizes(), b.sizes());
    node->input_dtype = b.dtype();
    node->A_slot = node->save(A);
    set_history(X, node);
    node->X_slot = node->save(X, /*is_output=*/true);
    set_history(M, node);
  }
  return {X, M};
}

// ---- Cholesky ----

namespace {
// Cholesky factors of A's lower (or upper) triangle, the other triangle zeroed; info per matrix.
std::tuple<Tensor, Tensor> cholesky_kernel(const Tensor& A, bool upper, const char* api) {
  cpu::check_lapack(api);
  const int64_t n = A.sizes().back();
  const int ni = lapack_int(n, api);
  Tensor L = fortran_copy(A, A.sizes());
  Tensor info = zeros(batch_of(A), ScalarType::Int32);
  const int64_t batch = batch_count(A);
  int32_t* pi = info.data<int32_t>();
  if (n == 0) return {L, info};
  dispatch_float(A.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* a = L.data<T>();
    for (int64_t b = 0; b < batch; ++b) {
      T* m = a + b * n * n;
      pi[b] = cpu::potrf<T>(upper, ni, m);
      // OpenBLAS's potrf lets NaN through; LAPACK's reference stops at the first NaN pivot, as PyTorch reports
      for (int64_t j = 0; j < n && pi[b] == 0; ++j)
        if (std::isnan(m[j * n + j])) pi[b] = static_cast<int32_t>(j + 1);
      for (int64_t j = 0; j < n; ++j)  // column j; zero the other triangle
        for (int64_t i = 0; i < n; ++i)
          if (upper ? i > j : i < j) m[j * n + i] = T(0);
    }
  });
  return {L, info};
}

// gA for A = L L^T from gL (Note [Cholesky derivative]).
// Note [Cholesky derivative]
// dA = dL L^T + L dL^T, so L^-1 dA L^-T = L^-1 dL + (L^-1 dL)^T with L^-1 dL lower triangular: L^-1 dL is
// Phi(L^-1 dA L^-T), Phi taking the lower triangle with the diagonal halved. Phi is self-adjoint, so
// <gL, dL> = <Phi(L^T gL), L^-1 dA L^-T> = <L^-T Phi(L^T gL) L^-1, dA>, symmetrised as A is:
// gA = L^-T S L^-1 with S = (P + tril(P, -1)^T) / 2, P = tril(L^T tril(gL)).
Tensor cholesky_grad(const Tensor& factor, const Tensor& gfactor, bool upper) {
  Tensor L = upper ? mT_(factor) : factor;
  Tensor gL = tril(upper ? mT_(gfactor) : gfactor);
  Tensor P = tril(matmul(mT_(L), gL));
  Tensor S = mul(add(P, mT_(tril(P, -1))), Scalar(0.5));
  Tensor Y = linalg_solve_triangular(L, S, /*upper=*/false, /*left=*/false);  // S L^-1
  return linalg_solve_triangular(mT_(L), Y, /*upper=*/true, /*left=*/true);   // L^-T S L^-1
}
}  // namespace

struct LinalgCholeskyExBackward0 : NamedNode<LinalgCholeskyExBackward0> {
  static constexpr const char* kName = "LinalgCholeskyExBackward0";
  bool upper;
  size_t L_slot = SIZE_MAX;
  explicit LinalgCholeskyExBackward0(bool u) : upper(u) {}
  tensor_list apply(tensor_list&& g) override { return {cholesky_grad(saved(L_slot), g[0], upper)}; }
};

struct CholeskyBackward0 : NamedNode<CholeskyBackward0> {
  static constexpr const char* kName = "CholeskyBackward0";
  bool upper;
  size_t L_slot = SIZE_MAX;
  explicit CholeskyBackward0(bool u) : upper(u) {}
  tensor_list apply(tensor_list&& g) override { return {cholesky_grad(saved(L_slot), g[0], upper)}; }
};

std::tuple<Tensor, Tensor> linalg_cholesky_ex(const Tensor& A, bool upper, bool check_errors, const char* api) {
  check_square(A, api);
  check_float_input(A, api);
  auto [L, info] = cholesky_kernel(A, upper, api);
  if (check_errors) raise_on_info(info, A.dim() > 2, api, Failure::Cholesky);
  if (compute_requires_grad({&A})) {
    auto node = make_node<LinalgCholeskyExBackward0>({&A}, upper);
    set_history(L, node);
    node->L_slot = node->save(L, /*is_output=*/true);
  }
  return {L, info};
}

Tensor linalg_cholesky(const Tensor& A, bool upper) {
  return std::get<0>(linalg_cholesky_ex(A, upper, true, "linalg.cholesky"));
}

Tensor cholesky(const Tensor& A, bool upper) {
  if (AutocastMode::is_enabled()) {  // Note [Autocast]: float32 list
    const Tensor A_ac = autocast_float32(A);
    AutocastOff off;
    return cholesky(A_ac, upper);
  }
  const char* api = "cholesky";
  Tensor L;
  if (A.numel() == 0) {
    // The legacy function returns an empty input's shape and dtype as they are, before any check (PyTorch does
    // the same; its backward then refuses a non-square one, in linalg.solve_triangular, as PyTorch's does).
    L = empty(A.sizes(), A.dtype());
  } else {
    check_square(A, "linalg.cholesky");
    check_float_input(A, api);
    Tensor info;
    std::tie(L, info) = cholesky_kernel(A, upper, api);
    raise_on_info(info, A.dim() > 2, api, Failure::Cholesky);
  }
  if (compute_requires_grad({&A})) {
    auto node = make_node<CholeskyBackward0>({&A}, upper);
    set_history(L, node);
    node->L_slot = node->save(L, /*is_output=*/true);
  }
  return L;
}

struct CholeskySolveBackward0 : NamedNode<CholeskySolveBackward0> {
  static constexpr const char* kName = "CholeskySolveBackward0";
  bool upper;
  Dims B_sizes, L_sizes;
  size_t L_slot = SIZE_MAX, X_slot = SIZE_MAX;
  CholeskySolveBackward0(bool u, Dims b, Dims l) : upper(u), B_sizes(std::move(b)), L_sizes(std::move(l)) {}
  tensor_list apply(tensor_list&& g) override {
    // X = A^-1 B with A = L L^T (or U^T U): gB = A^-1 gX; with C = gB X^T + X gB^T (the symmetric gradient of
    // -A), dA = dL L^T + L dL^T gives gL = -C L (gU = -U C).
    Tensor L = saved(L_slot), X = saved(X_slot);
    Tensor gB = cholesky_solve(g[0], L, upper);
    Tensor gL;
    if (needs_input_grad(1)) {
      Tensor c = matmul(gB, mT_(X));
      c = add(c, mT_(c));
      gL = reduce_to(neg(upper ? matmul(L, c) : matmul(c, L)), L_sizes);
    }
    return {needs_input_grad(0) ? reduce_to(gB, B_sizes) : Tensor(), gL};
  }
};

Tensor cholesky_solve(const Tensor& B, const Tensor& L, bool upper) {
  if (AutocastMode::is_enabled()) {  // Note [Autocast]: float32 list
    const Tensor B_ac = autocast_float32(B), L_ac = autocast_float32(L);
    AutocastOff off;
    return cholesky_solve(B_ac, L_ac, upper);
  }
  const char* api = "cholesky_solve";
  FG_CHECK(B.dim() >= 2, Error, "b should have at least 2 dimensions, but has ", B.dim(), " dimensions instead");
  FG_CHECK(L.dim() >= 2, Error, "u should have at least 2 dimensions, but has ", L.dim(), " dimensions instead");
  FG_CHECK(B.dtype() == L.dtype(), Error, "Expected b and A to have the same dtype, but found b of type ",
           scalar_type_name(B.dtype()), " and A of type ", scalar_type_name(L.dtype()), " instead.");
  check_float_input(L, api);
  const int64_t n = L.sizes().back(), rows = B.sizes()[B.dim() - 2], cols = B.sizes().back();
  FG_CHECK(L.sizes()[L.dim() - 2] == n, Error, "A must be batches of square matrices, but they are ",
           L.sizes()[L.dim() - 2], " by ", n, " matrices");
  FG_CHECK(rows == n, Error, "Incompatible matrix sizes for cholesky_solve: each A matrix is ", n, " by ", n,
           " but each b matrix is ", rows, " by ", cols);
  cpu::check_lapack(api);
  const Dims batch = broadcast_shapes(batch_of(B), batch_of(L), api);
  Tensor f = fortran_copy(L, with_matrix(batch, n, n));
  Tensor X = fortran_copy(B, with_matrix(batch, rows, cols));
  const int64_t count = numel_of(batch);
  const int ni = lapack_int(n, api), ci = lapack_int(cols, api);
  if (X.numel()) {
    dispatch_float(B.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* pa = f.data<T>();
      T* px = X.data<T>();
      for (int64_t b = 0; b < count; ++b) cpu::potrs<T>(upper, ni, ci, pa + b * n * n, px + b * n * cols);
    });
  }
  if (compute_requires_grad({&B, &L})) {
    auto node = make_node<CholeskySolveBackward0>({&B, &L}, upper, B.sizes(), L.sizes());
    node->L_slot = node->save(L);
    set_history(X, node);
    node->X_slot = node->save(X, /*is_output=*/true);
  }
  return X;
}

// ---- symmetric eigenproblem ----

namespace {
std::tuple<Tensor, Tensor> eigh_kernel(const Tensor& A, bool vectors, const std::string& uplo, const char* api) {
  check_square(A, api);
  FG_CHECK(uplo == "L" || uplo == "U" || uplo == "l" || uplo == "u", Error,
           "Expected UPLO argument to be 'L' or 'U', but got ", uplo);
  check_float_input(A, api);
  cpu::check_lapack(api);
  const bool upper = uplo == "U" || uplo == "u";
  const int64_t n = A.sizes().back();
  const int ni = lapack_int(n, api);
  Tensor Q = fortran_copy(A, A.sizes());
  Dims wshape = batch_of(A);
  wshape.push_back(n);
  Tensor w = empty(wshape, A.dtype());
  Tensor info = zeros(batch_of(A), ScalarType::Int32);
  const int64_t batch = batch_count(A);
  int32_t* pi = info.data<int32_t>();
  if (n > 0) {
    dispatch_float(A.dtype(), [&](auto tag) {
      using T = decltype(tag);
      T* q = Q.data<T>();
      T* pw = w.data<T>();
      for (int64_t b = 0; b < batch; ++b) pi[b] = cpu::syevd<T>(vectors, upper, ni, q + b * n * n, pw + b * n);
    });
  }
  raise_on_info(info, A.dim() > 2, api, Failure::Eigh);
  return {w, Q};
}

// Note [Symmetric eigenvector derivative]
// A = Q diag(w) Q^T with dA symmetric: dw = diag(Q^T dA Q) and dQ = Q (F o (Q^T dA Q)) with F_ij = 1 / (w_j - w_i)
// off the diagonal and 0 on it. Transposing: gA = Q (diag(gw) + F o (Q^T gQ)) Q^T. Repeated eigenvalues make F
// infinite: the eigenvectors are then not unique and their gradient is not defined (as in PyTorch).
Tensor eigh_grad(const Tensor& w, const Tensor& Q, const Tensor& gw, const Tensor& gQ) {
  Tensor inner;
  if (gQ.defined()) {
    const int64_t n = w.sizes().back();
    Tensor E = sub(unsqueeze(w, -2), unsqueeze(w, -1));  // E_ij = w_j - w_i
    Tensor on_diag = eye(n, n, ScalarType::Bool);
    E = where(on_diag, Scalar(std::numeric_limits<double>::infinity()), E);
    inner = div(matmul(mT_(Q), gQ), E);
  }
  if (gw.defined()) inner = inner.defined() ? add(inner, diag_embed_(gw)) : diag_embed_(gw);
  if (!inner.defined()) return Tensor();
  return matmul(matmul(Q, inner), mT_(Q));
}
}  // namespace

struct LinalgEighBackward0 : NamedNode<LinalgEighBackward0> {
  static constexpr const char* kName = "LinalgEighBackward0";
  size_t w_slot = SIZE_MAX, Q_slot = SIZE_MAX;
  tensor_list apply(tensor_list&& g) override {
    return {eigh_grad(saved(w_slot), saved(Q_slot), g[0], g.size() > 1 ? g[1] : Tensor())};
  }
};

namespace {
std::tuple<Tensor, Tensor> eigh_recorded(const Tensor& A, bool vectors, const std::string& uplo, const char* api) {
  const bool grad = compute_requires_grad({&A});
  auto [w, Q] = eigh_kernel(A, vectors || grad, uplo, api);
  if (grad) {
    // eigvalsh records the same Node: its eigenvectors are an output nobody sees, saved with their history
    // so that the gradient Q diag(g) Q^T is differentiable again.
    auto node = make_node<LinalgEighBackward0>({&A});
    set_history(w, node);
    set_history(Q, node);
    node->w_slot = node->save(w, /*is_output=*/true);  // (after set_history: a saved output keeps its output_nr)
    node->Q_slot = node->save(Q, /*is_output=*/true);
  }
  return {w, Q};
}
}  // namespace

std::tuple<Tensor, Tensor> linalg_eigh(const Tensor& A, const std::string& uplo) {
  return eigh_recorded(A, true, uplo, "linalg.eigh");
}

Tensor linalg_eigvalsh(const Tensor& A, const std::string& uplo) {
  return std::get<0>(eigh_recorded(A, false, uplo, "linalg.eigvalsh"));
}

// ---- LU factorisation and solves ----

namespace {
// The permutation matrices P (A = P L U) of 1-based LAPACK pivots (int32, batch x n), as a float tensor.
Tensor permutation_from_pivots(const Tensor& pivots, ScalarType dtype) {
  const int64_t n = pivots.dim() ? pivots.sizes().back() : 0;
  Dims shape(pivots.sizes().begin(), pivots.sizes().end());
  shape.push_back(n);
  Tensor P = zeros(shape, dtype);
  Tensor piv = dense(pivots, ScalarType::Int32);
  const int64_t batch = n ? piv.numel() / n : 0;
  std::vector<int64_t> perm(static_cast<size_t>(n));
  dispatch_float(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = P.data<T>();
    const int32_t* v = piv.data<int32_t>();
    for (int64_t b = 0; b < batch; ++b) {
      for (int64_t i = 0; i < n; ++i) perm[i] = i;
      for (int64_t i = 0; i < n; ++i) {  // row i was swapped with row v[i] - 1, in order
        const int64_t j = v[b * n + i] - 1;
        FG_CHECK(j >= 0 && j < n, Error, "linalg.lu_solve: pivots must be in [1, ", n, "], got ", j + 1);
        std::swap(perm[i], perm[j]);
      }
      // P^T A = L U: row i of L U is row perm[i] of A, so P[perm[i], i] = 1
      for (int64_t i = 0; i < n; ++i) p[b * n * n + perm[i] * n + i] = T(1);
    }
  });
  return P;
}

// The gradient of the packed LU from the gradient of A = P L U (Note [LU derivative]).
// Note [LU derivative]
// dA = P (dL U + L dU) with dL strictly lower and dU upper, so <gA, dA> = <tril(P^T gA U^T, -1), dL> +
// <triu(L^T P^T gA), dU>: the gradient of the packed LU is the sum of the two triangles. Conversely, for
// lu_factor: with M = L^-1 P^T dA U^-1, dL = L tril(M, -1) and dU = triu(M) U, so gA = P L^-T phi U^-T with
// phi = tril(L^T gL, -1) + triu(gU U^T).
Tensor lu_grad_from_A(const Tensor& LU, const Tensor& P, const Tensor& gA) {
  const int64_t n = LU.sizes().back();
  Tensor L = add(tril(LU, -1), eye(n, n, LU.dtype())), U = triu(LU);
  Tensor PtgA = matmul(mT_(P), gA);
  return add(tril(matmul(PtgA, mT_(U)), -1), triu(matmul(mT_(L), PtgA)));
}
}  // namespace

struct LinalgLuFactorExBackward0 : NamedNode<LinalgLuFactorExBackward0> {
  static constexpr const char* kName = "LinalgLuFactorExBackward0";
  size_t LU_slot = SIZE_MAX, P_slot = SIZE_MAX;
  tensor_list apply(tensor_list&& g) override {
    Tensor LU = saved(LU_slot), P = saved(P_slot);
    const int64_t n = LU.sizes().back();
    Tensor L = add(tril(LU, -1), eye(n, n, LU.dtype())), U = triu(LU);
    Tensor phi = add(tril(matmul(mT_(L), g[0]), -1), triu(matmul(g[0], mT_(U))));
    Tensor X = linalg_solve_triangular(mT_(L), phi, /*upper=*/true, /*left=*/true, /*unitriangular=*/true);
    X = linalg_solve_triangular(mT_(U), X, /*upper=*/false, /*left=*/false);  // L^-T phi U^-T
    return {matmul(P, X)};
  }
};

std::tuple<Tensor, Tensor, Tensor> linalg_lu_factor_ex(const Tensor& A, bool pivot, bool check_errors,
                                                       const char* api) {
  FG_CHECK(A.dim() >= 2, Error, "torch.lu_factor: Expected tensor with 2 or more dimensions. Got size: ",
           shape_str(A.sizes()), " instead");
  FG_CHECK(pivot, Error, api, ": LU without pivoting is not implemented on the CPU");
  FG_CHECK(A.dtype() == ScalarType::Float32 || A.dtype() == ScalarType::Float64, NotImplementedError,
           "\"lu_cpu\" not implemented for '", scalar_type_name(A.dtype()), "'");
  FG_CHECK(A.sizes()[A.dim() - 2] == A.sizes().back(), NotImplementedError, api,
           ": the LU factorisation of non-square matrices is not supported yet (got ", A.sizes()[A.dim() - 2], " by ",
           A.sizes().back(), " matrices)");
  LuFactors f = lu_factor_kernel(A, api);
  const int64_t n = A.sizes().back();
  Dims pshape = batch_of(A);
  pshape.push_back(n);
  Tensor pivots = empty(pshape, ScalarType::Int32);
  std::copy(f.pivots.begin(), f.pivots.end(), pivots.data<int32_t>());
  if (check_errors) {
    const int32_t* info = f.info.data<int32_t>();
    for (int64_t b = 0; b < f.info.numel(); ++b)
      FG_CHECK(info[b] == 0, Error, "torch.linalg.lu_factor: ",
               A.dim() > 2 ? "(Batch element " + std::to_string(b) + "): " : std::string(), "U[", info[b], ",",
               info[b], "] is zero and using it on lu_solve would result in a division by zero. If you still want "
               "to perform the factorization, consider calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)");
  }
  Tensor LU = f.lu;
  if (compute_requires_grad({&A})) {
    auto node = make_node<LinalgLuFactorExBackward0>({&A});
    set_history(LU, node);
    node->LU_slot = node->save(LU, /*is_output=*/true);
    node->P_slot = node->save(permutation_from_pivots(pivots, A.dtype()));
  }
  return {LU, pivots, f.info};
}

struct LinalgLuSolveBackward0 : NamedNode<LinalgLuSolveBackward0> {
  static constexpr const char* kName = "LinalgLuSolveBackward0";
  bool left, adjoint;
  Dims LU_sizes, B_sizes;
  size_t LU_slot = SIZE_MAX, pivots_slot = SIZE_MAX, X_slot = SIZE_MAX;
  LinalgLuSolveBackward0(bool l, bool a, Dims lu, Dims b) : left(l), adjoint(a), LU_sizes(std::move(lu)), B_sizes(std::move(b)) {}
  tensor_list apply(tensor_list&& g) override {
    Tensor LU = saved(LU_slot), pivots = saved(pivots_slot), X = saved(X_slot);
    Tensor gB = linalg_lu_solve(LU, pivots, g[0], left, !adjoint);  // op(A)^-T applied to the incoming gradient
    Tensor gLU;
    if (needs_input_grad(0)) {
      // the gradient of A (not of op(A)): AX = B: -gB X^T; A^T X = B: -X gB^T; XA = B: -X^T gB; XA^T = B: -gB^T X
      Tensor gA = left ? (adjoint ? matmul(X, mT_(gB)) : matmul(gB, mT_(X)))
                       : (adjoint ? matmul(mT_(gB), X) : matmul(mT_(X), gB));
      Tensor P;
      {
        NoGradGuard guard;
        P = permutation_from_pivots(pivots, LU.dtype());
      }
      gLU = reduce_to(neg(lu_grad_from_A(LU, P, gA)), LU_sizes);
    }
    return {gLU, Tensor(), needs_input_grad(2) ? reduce_to(gB, B_sizes) : Tensor()};
  }
};

Tensor linalg_lu_solve(const Tensor& LU, const Tensor& pivots, const Tensor& B, bool left, bool adjoint) {
  const char* api = "linalg.lu_solve";
  check_float_input(LU, api);
  check_square(LU, api, "LU");
  check_matrix(B, api, "B");
  FG_CHECK(LU.dtype() == B.dtype(), Error, api, ": Expected LU and B to have the same dtype, but found LU of type ",
           scalar_type_name(LU.dtype()), " and B of type ", scalar_type_name(B.dtype()), " instead");
  FG_CHECK(pivots.dtype() == ScalarType::Int32, Error, api, ": pivots should be a Tensor of scalar type Int");
  const int64_t n = LU.sizes().back(), rows = B.sizes()[B.dim() - 2], cols = B.sizes().back();
  FG_CHECK(left ? rows == n : cols == n, Error, api, ": Incompatible shapes of A and B for the equation ",
           left ? "AX = B" : "XA = B", " (", n, "x", n, " and ", rows, "x", cols, ")");
  FG_CHECK(pivots.dim() == LU.dim() - 1 && pivots.sizes().back() == n, Error, api,
           ": Expected LU.shape[:-1] and pivots.shape to be the same, but got pivots with shape ",
           shape_str(pivots.sizes()), " instead");
  cpu::check_lapack(api);
  const Dims batch = broadcast_shapes(batch_of(LU), batch_of(B), api);
  LuFactors f{fortran_copy(LU, with_matrix(batch, n, n)), {}, Tensor()};
  {
    Dims pshape = batch;
    pshape.push_back(n);
    NoGradGuard guard;
    Tensor piv = dense(expand(pivots, pshape), ScalarType::Int32);
    const int32_t* v = piv.data<int32_t>();
    for (int64_t i = 0; i < piv.numel(); ++i)
      FG_CHECK(v[i] >= 1 && v[i] <= n, Error, api, ": pivots must be in [1, ", n, "], got ", v[i]);
    f.pivots.assign(v, v + piv.numel());
  }
  Tensor X;
  if (left) {  // A X = B or A^T X = B
    X = fortran_copy(B, with_matrix(batch, rows, cols));
    lu_solve_kernel(f, X, adjoint);
  } else {  // X A = B is A^T X^T = B^T; X A^T = B is A X^T = B^T
    NoGradGuard guard;
    Tensor Xt = fortran_copy(mT_(B), with_matrix(batch, cols, rows));
    lu_solve_kernel(f, Xt, !adjoint);
    X = swapped(Xt);
  }
  if (compute_requires_grad({&LU, &B})) {
    auto node = make_node<LinalgLuSolveBackward0>({&LU, &pivots, &B}, left, adjoint, LU.sizes(), B.sizes());
    set_history(X, node);
    node->LU_slot = node->save(LU);
    node->pivots_slot = node->save(pivots);
    node->X_slot = node->save(X, /*is_output=*/true);
  }
  return X;
}

// ---- singular value decomposition ----

namespace {
// Note [SVD derivative]
// For A = U S V^T (reduced, k = min(m, n) singular values, distinct and nonzero), with F_ij = 1 / (s_j^2 - s_i^2)
// off the diagonal and 0 on it: gA = U [diag(gS) + (F o (U^T gU - gU^T U)) S + S (F o (V^T gV - gV^T V))] V^T
// + (I - U U^T) gU S^-1 V^T + U S^-1 gV^T (I - V V^T). Singular vectors are defined up to a common sign per pair
// (u_i, v_i): only losses invariant to it have a well-defined gradient; repeated or zero singular values make
// it infinite, as in PyTorch.
Tensor svd_grad(Tensor U, const Tensor& S, Tensor Vh, Tensor gU, const Tensor& gS, Tensor gVh) {
  const int64_t k = S.sizes().back(), m = U.sizes()[U.dim() - 2], n = Vh.sizes().back();
  if (U.sizes().back() != k) {  // full_matrices: the extra columns carry no gradient of A
    U = narrow(U, -1, 0, k);
    if (gU.defined()) gU = narrow(gU, -1, 0, k);
  }
  if (Vh.sizes()[Vh.dim() - 2] != k) {
    Vh = narrow(Vh, -2, 0, k);
    if (gVh.defined()) gVh = narrow(gVh, -2, 0, k);
  }
  Tensor inner = gS.defined() ? diag_embed_(gS) : Tensor();
  auto accumulate = [&](const Tensor& t) { inner = inner.defined() ? add(inner, t) : t; };
  if (gU.defined() || gVh.defined()) {
    Tensor S2 = mul(S, S);
    Tensor E = where(eye(k, k, ScalarType::Bool), Scalar(std::numeric_limits<double>::infinity()),
                     sub(unsqueeze(S2, -2), unsqueeze(S2, -1)));
    Tensor Sd = diag_embed_(S);
    if (gU.defined()) {
      Tensor J = matmul(mT_(U), gU);
      accumulate(matmul(div(sub(J, mT_(J)), E), Sd));
    }
    if (gVh.defined()) {
      Tensor K = matmul(Vh, mT_(gVh));  // V^T gV
      accumulate(matmul(Sd, div(sub(K, mT_(K)), E)));
    }
  }
  Tensor gA = inner.defined() ? matmul(matmul(U, inner), Vh) : zeros(with_matrix(batch_of(U), m, n), U.dtype());
  if (gU.defined() && m > k)
    gA = add(gA, matmul(sub(gU, matmul(U, matmul(mT_(U), gU))), div(Vh, unsqueeze(S, -1))));
  if (gVh.defined() && n > k)
    gA = add(gA, matmul(div(U, unsqueeze(S, -2)), sub(gVh, matmul(matmul(gVh, mT_(Vh)), Vh))));
  return gA;
}
}  // namespace

struct LinalgSvdBackward0 : NamedNode<LinalgSvdBackward0> {
  static constexpr const char* kName = "LinalgSvdBackward0";
  size_t U_slot = SIZE_MAX, S_slot = SIZE_MAX, Vh_slot = SIZE_MAX;
  tensor_list apply(tensor_list&& g) override {
    auto grad = [&](size_t i) { return i < g.size() ? g[i] : Tensor(); };
    return {svd_grad(saved(U_slot), saved(S_slot), saved(Vh_slot), grad(0), grad(1), grad(2))};
  }
};

std::tuple<Tensor, Tensor, Tensor> linalg_svd(const Tensor& A, bool full_matrices, bool compute_uv, const char* api) {
  check_matrix(A, api);
  check_float_input(A, api);
  cpu::check_lapack(api);
  const int64_t m = A.sizes()[A.dim() - 2], n = A.sizes().back(), k = std::min(m, n);
  const int mi = lapack_int(m, api), ni = lapack_int(n, api);
  const bool full = full_matrices && compute_uv;
  const int64_t ucols = full ? m : k, vrows = full ? n : k;
  const Dims batch = batch_of(A);
  Tensor work = fortran_copy(A, A.sizes());
  Tensor U = fortran_empty(with_matrix(batch, m, ucols), A.dtype());
  Tensor Vh = fortran_empty(with_matrix(batch, vrows, n), A.dtype());
  Dims sshape = batch;
  sshape.push_back(k);
  Tensor S = empty(sshape, A.dtype());
  const int64_t count = numel_of(batch);
  if (k > 0) {
    std::vector<int> infos(static_cast<size_t>(count), 0);
    dispatch_float(A.dtype(), [&](auto tag) {
      using T = decltype(tag);
      T* a = work.data<T>();
      T* u = U.data<T>();
      T* v = Vh.data<T>();
      T* s = S.data<T>();
      for (int64_t b = 0; b < count; ++b)
        infos[b] = cpu::gesdd<T>(full, mi, ni, a + b * m * n, s + b * k, u + b * m * ucols, v + b * vrows * n);
    });
    for (int64_t b = 0; b < count; ++b)
      FG_CHECK(infos[b] == 0, LinAlgError, api, ": ", A.dim() > 2 ? "(Batch element " + std::to_string(b) + "): " : std::string(),
               "The algorithm failed to converge because the input matrix is ill-conditioned or has too many "
               "repeated singular values (error code: ", infos[b], ").");
  } else if (full) {  // no singular values: U and Vh are identities
    NoGradGuard guard;
    if (U.numel()) copy_into(U, expand(eye(m, m, A.dtype()), U.sizes()));
    if (Vh.numel()) copy_into(Vh, expand(eye(n, n, A.dtype()), Vh.sizes()));
  }
  if (!compute_uv) {
    U = empty({0}, A.dtype());
    Vh = empty({0}, A.dtype());
  }
  if (compute_requires_grad({&A})) {
    // without compute_uv the vectors are still needed for the gradient: saved, but not outputs
    Tensor Us = U, Vs = Vh;
    if (!compute_uv) std::tie(Us, std::ignore, Vs) = linalg_svd(A.detach(), false, true, api);
    auto node = make_node<LinalgSvdBackward0>({&A});
    if (compute_uv) set_history(U, node);
    set_history(S, node);
    if (compute_uv) set_history(Vh, node);
    node->U_slot = node->save(Us, compute_uv);
    node->S_slot = node->save(S, /*is_output=*/true);
    node->Vh_slot = node->save(Vs, compute_uv);
  }
  return {U, S, Vh};
}

Tensor linalg_svdvals(const Tensor& A) {
  // PyTorch records the full SVD (LinalgSvdBackward0, its vectors saved with their history) when A needs a
  // gradient, so that the gradient U diag(g) V^T is differentiable again; S is output 1 of that Node
  const char* api = "linalg.svdvals";
  if (compute_requires_grad({&A})) return std::get<1>(linalg_svd(A, false, true, api));
  return std::get<1>(linalg_svd(A, false, false, api));
}

// ---- QR ----

// Note [QR derivative]
// For A = Q R with m >= n (Q m x n with orthonormal columns, R n x n upper triangular): with
// M = R gR^T - gQ^T Q and copyltu(M) = tril(M) + tril(M, -1)^T (M's lower triangle mirrored),
// gA = (gQ + Q copyltu(M)) R^-T.
struct LinalgQrBackward0 : NamedNode<LinalgQrBackward0> {
  static constexpr const char* kName = "LinalgQrBackward0";
  std::string mode;
  size_t Q_slot = SIZE_MAX, R_slot = SIZE_MAX;
  explicit LinalgQrBackward0(std::string md) : mode(std::move(md)) {}
  tensor_list apply(tensor_list&& g) override {
    FG_CHECK(mode != "r", Error, "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
             "Please use linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.");
    Tensor Q = saved(Q_slot), R = saved(R_slot);
    const int64_t m = Q.sizes()[Q.dim() - 2], n = R.sizes().back();
    if (m == 0 || n == 0) return {zeros(with_matrix(batch_of(R), m, n), R.dtype())};
    FG_CHECK(!(mode == "complete" && m > n), Error, "The QR decomposition is not differentiable when mode='complete' "
             "and nrows > ncols.");
    FG_CHECK(m >= n && Q.sizes().back() == n, NotImplementedError,
             "linalg.qr: the derivative for matrices with more columns than rows, or a complete Q of a tall matrix, "
             "is not implemented in fastgrad yet (got ", m, " by ", n, ", mode='", mode, "')");
    Tensor gQ = g[0].defined() ? g[0] : zeros(Q.sizes(), Q.dtype());
    Tensor M = matmul(mT_(gQ), Q);
    if (g.size() > 1 && g[1].defined()) M = sub(matmul(R, mT_(g[1])), M);
    else M = neg(M);
    Tensor copyltu = add(tril(M), mT_(tril(M, -1)));
    Tensor B = add(gQ, matmul(Q, copyltu));
    return {linalg_solve_triangular(mT_(R), B, /*upper=*/false, /*left=*/false)};  // B R^-T
  }
};

std::tuple<Tensor, Tensor> linalg_qr(const Tensor& A, const std::string& mode) {
  const char* api = "linalg.qr";
  FG_CHECK(mode == "reduced" || mode == "complete" || mode == "r", Error,
           "qr received unrecognized mode '", mode, "' but expected one of 'reduced' (default), 'r', or 'complete'");
  check_matrix(A, api);
  check_float_input(A, api);
  cpu::check_lapack(api);
  const int64_t m = A.sizes()[A.dim() - 2], n = A.sizes().back(), k = std::min(m, n);
  const bool complete = mode == "complete";
  const int64_t qcols = complete ? m : k, rrows = complete ? m : k;
  const int mi = lapack_int(m, api), ni = lapack_int(n, api);
  const Dims batch = batch_of(A);
  const int64_t count = numel_of(batch);
  Tensor work = fortran_copy(A, A.sizes());
  Tensor Q = fortran_empty(with_matrix(batch, m, qcols), A.dtype());
  Tensor R = fortran_empty(with_matrix(batch, rrows, n), A.dtype());
  dispatch_float(A.dtype(), [&](auto tag) {
    using T = decltype(tag);
    std::vector<T> tau(static_cast<size_t>(std::max<int64_t>(k, 1)));
    T* a = work.data<T>();
    T* q = Q.data<T>();
    T* r = R.data<T>();
    for (int64_t b = 0; b < count; ++b) {
      T* ab = a + b * m * n;
      if (k > 0) cpu::geqrf<T>(mi, ni, ab, tau.data());
      T* rb = r + b * rrows * n;
      for (int64_t j = 0; j < n; ++j)
        for (int64_t i = 0; i < rrows; ++i) rb[j * rrows + i] = i <= j && i < m ? ab[j * m + i] : T(0);
      if (mode == "r" || m == 0) continue;
      T* qb = q + b * m * qcols;
      std::fill(qb, qb + m * qcols, T(0));
      std::copy(ab, ab + m * k, qb);  // the reflectors: the first k columns
      if (qcols > 0) cpu::orgqr<T>(mi, static_cast<int>(qcols), static_cast<int>(k), qb, tau.data());
    }
  });
  if (mode == "r") Q = empty({0}, A.dtype());
  if (compute_requires_grad({&A})) {
    auto node = make_node<LinalgQrBackward0>({&A}, mode);
    set_history(Q, node);
    set_history(R, node);
    node->Q_slot = node->save(Q, /*is_output=*/true);
    node->R_slot = node->save(R, /*is_output=*/true);
  }
  return {Q, R};
}

// Composed of public ops, so its gradient is svdvals' (SumBackward1 over LinalgSvdBackward0, as in PyTorch).
Tensor nuclear_norm(const Tensor& A, const Dims& dims, bool keepdim) {
  Dims d = dims;
  if (d.empty())
    for (int64_t i = 0; i < A.dim(); ++i) d.push_back(i);
  if (d.size() != 2) {
    std::string got;
    for (int64_t x : d) got += (got.empty() ? "" : " ") + std::to_string(x);
    throw Error("linalg.matrix_norm: dim must be a 2-tuple. Got " + got);
  }
  FG_CHECK(A.dim() >= 2, Error, "linalg.matrix_norm: The input tensor A must have at least 2 dimensions.");
  FG_CHECK(d[0] >= -A.dim() && d[0] < A.dim() && d[1] >= -A.dim() && d[1] < A.dim(), IndexError,
           "Dimension out of range (expected to be in range of [", -A.dim(), ", ", A.dim() - 1, "], but got ",
           (d[0] >= -A.dim() && d[0] < A.dim()) ? d[1] : d[0], ")");
  const int64_t d0 = (d[0] + A.dim()) % A.dim(), d1 = (d[1] + A.dim()) % A.dim();
  FG_CHECK(d0 != d1, Error, "linalg.matrix_norm: dims must be different. Got (", d[0], ", ", d[1], ")");
  Tensor r = sum(linalg_svdvals(movedim(A, {d0, d1}, {-2, -1})), Dims{-1}, keepdim);
  if (keepdim) r = movedim(unsqueeze(r, -1), {-2, -1}, {d0, d1});  // PyTorch's steps (and so its Nodes)
  return r;
}

}  // namespace fastgrad
