// Matrix products: forward and derivative side by side. Every product runs through batched_gemm, which hands
// float and double to BLAS (one gemm per batch entry) and integers to a plain loop.
#include <algorithm>
#include <cstring>

#include "../cpu/blas.h"
#include "fastgrad/parallel.h"
#include "../cpu/wrapping.h"
#include "common.h"
#include "reduced_float.h"
#include "fastgrad/autocast.h"

namespace fastgrad {

namespace {

// PyTorch's C type names in dtype messages ("expected m1 and m2 to have the same dtype, but got: float != double").
const char* c_type_name(ScalarType t) {
  static const char* names[] = {"bool", "int", "long int", "float", "double", "unsigned char", "signed char", "short int", "c10::Half", "c10::BFloat16"};
  return names[static_cast<int>(t)];
}

// How one matrix of a (batch of) matrices reaches BLAS without a copy: row-major with leading dimension `ld`,
// or transposed. `batch_stride` steps from one matrix to the next (0 for a single or broadcast matrix).
struct Operand {
  Tensor t;
  bool trans = false;
  int64_t ld = 0, batch_stride = 0;
};

// `t` is 2-D (one matrix) or 3-D (a batch); copies only when neither layout fits.
Operand as_blas_operand(const Tensor& t) {
  const bool batched = t.dim() == 3;
  const int64_t rows = t.sizes()[t.dim() - 2], cols = t.sizes()[t.dim() - 1];
  const int64_t s0 = t.strides()[t.dim() - 2], s1 = t.strides()[t.dim() - 1];
  const int64_t sb = batched ? t.strides()[0] : 0;
  if ((s1 == 1 || cols <= 1) && s0 >= std::max<int64_t>(cols, 1)) return {t, false, s0, sb};
  if ((s0 == 1 || rows <= 1) && s1 >= std::max<int64_t>(rows, 1)) return {t, true, s1, sb};
  Tensor c = cast(t, t.dtype(), /*force_copy=*/true);
  return {c, false, std::max<int64_t>(cols, 1), batched ? rows * cols : 0};
}

// out = alpha * a @ b + beta * out, per batch entry. out is contiguous (batch x m x n, or m x n); a and b have
// out's rank and any strides. beta == 0 ignores out's contents (NaNs included), as BLAS does; with
// `zero_alpha_skips`, alpha == 0 leaves a and b unread as well (BLAS's rule, which torch's addmm and addmv
// follow at every size: a NaN or inf in the product's operands does not reach the result).
void batched_gemm(const Tensor& out, const Tensor& a, const Tensor& b, Scalar alpha, Scalar beta,
                  bool zero_alpha_skips = false) {
  const int64_t nd = out.dim();
  const int64_t batch = nd == 3 ? out.sizes()[0] : 1;
  const int64_t m = out.sizes()[nd - 2], n = out.sizes()[nd - 1], k = a.sizes()[nd - 1];
  check_scalar_fits(beta, out.dtype());  // Note [Checked scalar conversion]
  check_scalar_fits(alpha, out.dtype());
  if (out.numel() == 0) return;
  if (is_reduced_float(out.dtype())) {  // in float32, rounded once at the end (Note [Storage dtypes])
    Tensor out32 = cast(out, ScalarType::Float32);
    batched_gemm(out32, cast(a, ScalarType::Float32), cast(b, ScalarType::Float32), alpha, beta, zero_alpha_skips);
    copy_into(out, out32);
    return;
  }
  if (out.dtype() == ScalarType::Bool) {  // only an empty sum gets here (check_not_bool): beta * out or False
    if (beta.f == 0) std::memset(out.data_ptr(), 0, static_cast<size_t>(out.numel()));
    return;
  }
  dispatch(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<T, bool>) {
      T* c = out.data<T>();
      const T be = beta.to<T>();
      if (k == 0 || (zero_alpha_skips && alpha.f == 0)) {  // no product term: out = beta * out
        for (int64_t i = 0; i < out.numel(); ++i) c[i] = beta.f == 0 ? T(0) : cpu::wrapping_mul(be, c[i]);
        return;
      }
      if (batch > 1 && m * n * k <= 64) {
        // Many tiny matrices: one strided loop nest beats a call per matrix.
        const int64_t o = nd - 2;
        const int64_t sab = nd == 3 ? a.strides()[0] : 0, sa0 = a.strides()[o], sa1 = a.strides()[o + 1];
        const int64_t sbb = nd == 3 ? b.strides()[0] : 0, sb0 = b.strides()[o], sb1 = b.strides()[o + 1];
        const T* pa = a.template data<T>();
        const T* pb = b.template data<T>();
        // float sums in double, as cpu::gemm's loop (Note [float32 products] in cpu/blas.cpp)
        using Acc = std::conditional_t<std::is_same_v<T, float>, double, T>;
        const Acc al = alpha.to<T>(), bea = be;
        for (int64_t bi = 0; bi < batch; ++bi, pa += sab, pb += sbb)
          for (int64_t i = 0; i < m; ++i)
            for (int64_t j = 0; j < n; ++j, ++c) {
              Acc acc = Acc(0);
              for (int64_t q = 0; q < k; ++q)
                acc = cpu::wrapping_add(acc, cpu::wrapping_mul(static_cast<Acc>(pa[i * sa0 + q * sa1]),
                                                                       static_cast<Acc>(pb[q * sb0 + j * sb1])));
              // integers wrap (Note [Integer wraparound])
              *c = beta.f == 0 ? T(cpu::wrapping_mul(al, acc))
                               : T(cpu::wrapping_add(cpu::wrapping_mul(al, acc),
                                                         cpu::wrapping_mul(bea, static_cast<Acc>(*c))));
            }
        return;
      }
      Operand oa = as_blas_operand(a), ob = as_blas_operand(b);
      const T* pa = oa.t.template data<T>();
      const T* pb = ob.t.template data<T>();
      // See Note [BLAS threads] in cpu/blas.cpp: a product big enough splits itself across the pool; a batch
      // of smaller ones splits over its matrices once their total work is (each chunk a run of whole matrices).
      const int64_t work = std::max<int64_t>(m * n * k, 1);
      const int64_t grain = work >= cpu::gemm_parallel_work() ? batch : (cpu::gemm_parallel_work() + work - 1) / work;
      const T al = alpha.to<T>();
      parallel_for(0, batch, grain, [&](int64_t b0, int64_t b1) {
        for (int64_t i = b0; i < b1; ++i)
          cpu::gemm<T>(oa.trans, ob.trans, m, n, k, al, pa + i * oa.batch_stride, oa.ld, pb + i * ob.batch_stride,
                       ob.ld, be, c + i * m * n, n);
      });
    }
  });
}

// The product alone: a fresh contiguous out = a @ b.
Tensor product(const Tensor& a, const Tensor& b, Dims out_sizes) {
  Tensor out = empty(out_sizes, a.dtype());
  batched_gemm(out, a, b, Scalar(1), Scalar(0));
  return out;
}

// beta * self (broadcast to out_sizes) + alpha * a @ b, for addmm, addmv and baddbmm (see batched_gemm for
// zero_alpha_skips: torch's baddbmm computes 0 * a @ b for small batches, so it does not skip).
Tensor product_plus(const Tensor& self, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha, Dims out_sizes,
                    bool zero_alpha_skips) {
  {
    NoGradGuard guard;
    expand(self, out_sizes);  // self must broadcast to the result: expand's check and message
  }
  Tensor out = empty(out_sizes, a.dtype());
  if (beta.f != 0) copy_into(out, self);
  batched_gemm(out, a, b, alpha, beta, zero_alpha_skips);
  return out;
}

// PyTorch refuses bool in its product kernels, which it skips for an empty result or an empty sum
// (rows * cols * inner == 0): then a bool product is all False.
void check_not_bool(const Tensor& t, const char* kernel, int64_t rows = 1, int64_t cols = 1, int64_t inner = 1) {
  FG_CHECK(t.dtype() != ScalarType::Bool || rows * cols * inner == 0, NotImplementedError, "\"", kernel,
           "\" not implemented for 'Bool'");
}

void check_mm_dtypes(const Tensor& a, const Tensor& b) {
  FG_CHECK(a.dtype() == b.dtype(), Error,
           "expected m1 and m2 to have the same dtype, but got: ", c_type_name(a.dtype()),
           " != ", c_type_name(b.dtype()));
  check_not_bool(a, "addmm_impl_cpu_", a.dim() == 2 ? a.sizes()[0] : 1, b.dim() == 2 ? b.sizes()[1] : 1,
                 a.dim() == 2 ? a.sizes()[1] : 1);
}

// grad * s, skipping the multiplication when s is 1 (PyTorch's maybe_multiply).
Tensor maybe_multiply(const Tensor& g, Scalar s) { return s.f == 1.0 && !s.is_bool() ? g : mul(g, s); }

// Size-1 dims at both ends of a matrix for messages: "2x3".
std::string matrix_str(const Tensor& t) { return std::to_string(t.sizes()[0]) + "x" + std::to_string(t.sizes()[1]); }

}  // namespace

// ---- mm ----

struct MmBackward0 : NamedNode<MmBackward0> {
  static constexpr const char* kName = "MmBackward0";
  size_t self_slot = SIZE_MAX, mat2_slot = SIZE_MAX;
  tensor_list apply(tensor_list&& g) override {
    return {needs_input_grad(0) ? mm(g[0], t(saved(mat2_slot))) : Tensor(),
            needs_input_grad(1) ? mm(t(saved(self_slot)), g[0]) : Tensor()};
  }
};

Tensor mm(const Tensor& a, const Tensor& b) {
  if (AutocastMode::is_enabled()) {  // Note [Autocast]
    const Tensor a_ac = autocast_lower(a), b_ac = autocast_lower(b);
    AutocastOff off;
    return mm(a_ac, b_ac);
  }
  FG_CHECK(a.dim() == 2, Error, "self must be a matrix (mm: got a ", a.dim(), "-D tensor of shape ",
           shape_str(a.sizes()), ")");
  FG_CHECK(b.dim() == 2, Error, "mat2 must be a matrix (mm: got a ", b.dim(), "-D tensor of shape ",
           shape_str(b.sizes()), ")");
  FG_CHECK(a.sizes()[1] == b.sizes()[0], Error, "mat1 and mat2 shapes cannot be multiplied (", matrix_str(a), " and ",
           matrix_str(b), ")");
  check_mm_dtypes(a, b);
  Tensor out = product(a, b, {a.sizes()[0], b.sizes()[1]});
  if (compute_requires_grad({&a, &b})) {
    auto node = make_node<MmBackward0>({&a, &b});
    if (node->needs_input_grad(0)) node->mat2_slot = node->save(b);
    if (node->needs_input_grad(1)) node->self_slot = node->save(a);
    set_history(out, node);
  }
  return out;
}

// ---- bmm ----

struct BmmBackward0 : NamedNode<BmmBackward0> {
  static constexpr const char* kName = "BmmBackward0";
  size_t self_slot = SIZE_MAX, mat2_slot = SIZE_MAX;
  tensor_list apply(tensor_list&& g) override {
    return {needs_input_grad(0) ? bmm(g[0], transpose(saved(mat2_slot), 1, 2)) : Tensor(),
            needs_input_grad(1) ? bmm(transpose(saved(self_slot), 1, 2), g[0]) : Tensor()};
  }
};

namespace {
// Checks shared by bmm and baddbmm.
void check_batches(const Tensor& b1, const Tensor& b2) {
  FG_CHECK(b1.dim() == 3, Error, "batch1 must be a 3D tensor (got shape ", shape_str(b1.sizes()), ")");
  FG_CHECK(b2.dim() == 3, Error, "batch2 must be a 3D tensor (got shape ", shape_str(b2.sizes()), ")");
  FG_CHECK(b2.sizes()[0] == b1.sizes()[0] && b2.sizes()[1] == b1.sizes()[2], Error,
           "Expected size for first two dimensions of batch2 tensor to be: [", b1.sizes()[0], ", ", b1.sizes()[2],
           "] but got: [", b2.sizes()[0], ", ", b2.sizes()[1], "].");
  FG_CHECK(b1.dtype() == b2.dtype(), Error, "expected scalar type ", scalar_type_name(b1.dtype()), " but found ",
           scalar_type_name(b2.dtype()));
}
}  // namespace

Tensor bmm(const Tensor& a, const Tensor& b) {
  if (AutocastMode::is_enabled()) {  // Note [Autocast]
    const Tensor a_ac = autocast_lower(a), b_ac = autocast_lower(b);
    AutocastOff off;
    return bmm(a_ac, b_ac);
  }
  check_batches(a, b);
  check_not_bool(a, "bmm", a.sizes()[0] * a.sizes()[1], b.sizes()[2], a.sizes()[2]);
  Tensor out = product(a, b, {a.sizes()[0], a.sizes()[1], b.sizes()[2]});
  if (compute_requires_grad({&a, &b})) {
    auto node = make_node<BmmBackward0>({&a, &b});
    if (node->needs_input_grad(0)) node->mat2_slot = node->save(b);
    if (node->needs_input_grad(1)) node->self_slot = node->save(a);
    set_history(out, node);
  }
  return out;
}

// ---- mv ----

struct MvBackward0 : NamedNode<MvBackward0> {
  static constexpr const char* kName = "MvBackward0";
  size_t self_slot = SIZE_MAX, vec_slot = SIZE_MAX;
  tensor_list apply(tensor_list&& g) override {
    Tensor ga, gv;
    if (needs_input_grad(0)) ga = mul(unsqueeze(g[0], 1), unsqueeze(saved(vec_slot), 0));  // outer(g, vec)
    if (needs_input_grad(1)) gv = mv(t(saved(self_slot)), g[0]);
    return {ga, gv};
  }
};

namespace {
// Checks shared by mv and addmv; PyTorch reports mv's errors as addmv's, with a 1-D input of the vector's dtype.
void check_mv(int64_t self_dim, int64_t self_len, ScalarType self_dtype, const Tensor& a, const Tensor& v) {
  FG_CHECK(a.dim() == 2 && v.dim() == 1 && self_dim <= 1, Error, "vector + matrix @ vector expected, got ", self_dim,
           ", ", a.dim(), ", ", v.dim());
  FG_CHECK(a.sizes()[1] == v.sizes()[0] && (self_len == 1 || self_len == a.sizes()[0]), Error,
           "size mismatch, got input (", self_len, "), mat (", matrix_str(a), "), vec (", v.sizes()[0], ")");
  FG_CHECK(a.dtype() == v.dtype() && self_dtype == a.dtype(), Error,
           "addmv input tensors must have the same dtype, but got ", scalar_type_name(self_dtype), ", ",
           scalar_type_name(a.dtype()), ", and ", scalar_type_name(v.dtype()));
  check_not_bool(a, "addmv_impl_cpu", a.sizes()[0], 1, a.sizes()[1]);
}
// The vector as an (n x 1) matrix, without autograd.
Tensor column(const Tensor& v) { return make_view(v, {v.sizes()[0], 1}, {v.strides()[0], 1}, v.storage_offset()); }
}  // namespace

Tensor mv(const Tensor& a, const Tensor& v) {
  check_mv(1, a.dim() == 2 ? a.sizes()[0] : 1, v.dtype(), a, v);
  Tensor out = product(a, column(v), {a.sizes()[0], 1});
  out->set_sizes_and_strides({a.sizes()[0]}, {1}, 0);
  if (compute_requires_grad({&a, &v})) {
    auto node = make_node<MvBackward0>({&a, &v});
    if (node->needs_input_grad(0)) node->vec_slot = node->save(v);
    if (node->needs_input_grad(1)) node->self_slot = node->save(a);
    set_history(out, node);
  }
  return out;
}

// ---- dot ----

struct DotBackward0 : NamedNode<DotBackward0> {
  static constexpr const char* kName = "DotBackward0";
  size_t self_slot = SIZE_MAX, other_slot = SIZE_MAX;
  tensor_list apply(tensor_list&& g) override {
    return {needs_input_grad(0) ? mul(g[0], saved(other_slot)) : Tensor(),
            needs_input_grad(1) ? mul(g[0], saved(self_slot)) : Tensor()};
  }
};

Tensor dot(const Tensor& a, const Tensor& b) {
  FG_CHECK(a.dim() == 1 && b.dim() == 1, Error, "1D tensors expected, but got ", a.dim(), "D and ", b.dim(),
           "D tensors");
  FG_CHECK(a.dtype() == b.dtype(), Error, "dot : expected both vectors to have same dtype, but found ",
           scalar_type_name(a.dtype()), " and ", scalar_type_name(b.dtype()));
  FG_CHECK(a.numel() == b.numel(), Error, "inconsistent tensor size, expected tensor [", a.numel(), "] and src [",
           b.numel(), "] to have the same number of elements, but got ", a.numel(), " and ", b.numel(),
           " elements respectively");
  check_not_bool(a, "dot");
  Tensor row = make_view(a, {1, a.numel()}, {1, a.strides()[0]}, a.storage_offset());
  Tensor out = product(row, column(b), {1, 1});
  out->set_sizes_and_strides({}, {}, 0);
  if (compute_requires_grad({&a, &b})) {
    auto node = make_node<DotBackward0>({&a, &b});
    if (node->needs_input_grad(0)) node->other_slot = node->save(b);
    if (node->needs_input_grad(1)) node->self_slot = node->save(a);
    set_history(out, node);
  }
  return out;
}

// ---- outer ----

Tensor outer(const Tensor& a, const Tensor& b) {
  FG_CHECK(a.dim() == 1, Error, "outer: Expected 1-D argument self, but got ", a.dim(), "-D");
  FG_CHECK(b.dim() == 1, Error, "outer: Expected 1-D argument vec2, but got ", b.dim(), "-D");
  return mul(view(a, {a.sizes()[0], 1}), b);  // PyTorch's own composition: MulBackward0 over ViewBackward0
}

// ---- addmm / addmv / baddbmm ----

struct AddmmBackward0 : NamedNode<AddmmBackward0> {
  static constexpr const char* kName = "AddmmBackward0";
  Scalar beta, alpha;
  size_t mat1_slot = SIZE_MAX, mat2_slot = SIZE_MAX;
  AddmmBackward0(Scalar b, Scalar a) : beta(b), alpha(a) {}
  tensor_list apply(tensor_list&& g) override {
    return {needs_input_grad(0) ? maybe_multiply(g[0], beta) : Tensor(),
            needs_input_grad(1) ? maybe_multiply(mm(g[0], t(saved(mat2_slot))), alpha) : Tensor(),
            needs_input_grad(2) ? maybe_multiply(mm(t(saved(mat1_slot)), g[0]), alpha) : Tensor()};
  }
};

Tensor addmm(const Tensor& self, const Tensor& mat1, const Tensor& mat2, Scalar beta, Scalar alpha) {
  if (AutocastMode::is_enabled()) {  // Note [Autocast]
    const Tensor self_ac = autocast_lower(self), mat1_ac = autocast_lower(mat1), mat2_ac = autocast_lower(mat2);
    AutocastOff off;
    return addmm(self_ac, mat1_ac, mat2_ac, beta, alpha);
  }
  FG_CHECK(mat1.dim() == 2, Error, "mat1 must be a matrix, got ", mat1.dim(), "-D tensor");
  FG_CHECK(mat2.dim() == 2, Error, "mat2 must be a matrix, got ", mat2.dim(), "-D tensor");
  FG_CHECK(mat1.sizes()[1] == mat2.sizes()[0], Error, "mat1 and mat2 shapes cannot be multiplied (", matrix_str(mat1),
           " and ", matrix_str(mat2), ")");
  FG_CHECK(self.dtype() == mat2.dtype(), Error, "self and mat2 must have the same dtype, but got ",
           scalar_type_name(self.dtype()), " and ", scalar_type_name(mat2.dtype()));
  check_mm_dtypes(mat1, mat2);
  Dims out_sizes{mat1.sizes()[0], mat2.sizes()[1]};
  Tensor out = product_plus(self, mat1, mat2, beta, alpha, out_sizes, /*zero_alpha_skips=*/true);
  if (compute_requires_grad({&self, &mat1, &mat2})) {
    auto node = make_node<AddmmBackward0>({&self, &mat1, &mat2}, beta, alpha);
    if (node->needs_input_grad(1)) node->mat2_slot = node->save(mat2);
    if (node->needs_input_grad(2)) node->mat1_slot = node->save(mat1);
    set_history(out, node);
  }
  return out;
}

struct AddmvBackward0 : NamedNode<AddmvBackward0> {
  static constexpr const char* kName = "AddmvBackward0";
  Scalar beta, alpha;
  size_t mat_slot = SIZE_MAX, vec_slot = SIZE_MAX;
  AddmvBackward0(Scalar b, Scalar a) : beta(b), alpha(a) {}
  tensor_list apply(tensor_list&& g) override {
    return {needs_input_grad(0) ? maybe_multiply(g[0], beta) : Tensor(),
            needs_input_grad(1) ? maybe_multiply(outer(g[0], saved(vec_slot)), alpha) : Tensor(),
            needs_input_grad(2) ? maybe_multiply(mv(t(saved(mat_slot)), g[0]), alpha) : Tensor()};
  }
};

Tensor addmv(const Tensor& self, const Tensor& mat, const Tensor& vec, Scalar beta, Scalar alpha) {
  check_mv(self.dim(), self.dim() ? self.sizes()[0] : 1, self.dtype(), mat, vec);
  Dims out_sizes{mat.sizes()[0]};
  Tensor out = product_plus(self.dim() == 1 ? column(self) : self, mat, column(vec), beta, alpha, {mat.sizes()[0], 1},
                            /*zero_alpha_skips=*/true);
  out->set_sizes_and_strides(out_sizes, {1}, 0);
  if (compute_requires_grad({&self, &mat, &vec})) {
    auto node = make_node<AddmvBackward0>({&self, &mat, &vec}, beta, alpha);
    if (node->needs_input_grad(1)) node->vec_slot = node->save(vec);
    if (node->needs_input_grad(2)) node->mat_slot = node->save(mat);
    set_history(out, node);
  }
  return out;
}

struct BaddbmmBackward0 : NamedNode<BaddbmmBackward0> {
  static constexpr const char* kName = "BaddbmmBackward0";
  Scalar beta, alpha;
  size_t batch1_slot = SIZE_MAX, batch2_slot = SIZE_MAX;
  BaddbmmBackward0(Scalar b, Scalar a) : beta(b), alpha(a) {}
  tensor_list apply(tensor_list&& g) override {
    return {needs_input_grad(0) ? maybe_multiply(g[0], beta) : Tensor(),
            needs_input_grad(1) ? maybe_multiply(bmm(g[0], transpose(saved(batch2_slot), 1, 2)), alpha) : Tensor(),
            needs_input_grad(2) ? maybe_multiply(bmm(transpose(saved(batch1_slot), 1, 2), g[0]), alpha) : Tensor()};
  }
};

Tensor baddbmm(const Tensor& self, const Tensor& batch1, const Tensor& batch2, Scalar beta, Scalar alpha) {
  if (AutocastMode::is_enabled()) {  // Note [Autocast]
    const Tensor self_ac = autocast_lower(self), batch1_ac = autocast_lower(batch1), batch2_ac = autocast_lower(batch2);
    AutocastOff off;
    return baddbmm(self_ac, batch1_ac, batch2_ac, beta, alpha);
  }
  check_batches(batch1, batch2);
  FG_CHECK(self.dtype() == batch1.dtype(), Error, "expected scalar type ", scalar_type_name(batch1.dtype()),
           " but found ", scalar_type_name(self.dtype()));
  Dims out_sizes{batch1.sizes()[0], batch1.sizes()[1], batch2.sizes()[2]};
  check_not_bool(self, "baddbmm", out_sizes[0] * out_sizes[1], out_sizes[2]);  // (an empty result is returned)
  Tensor out = product_plus(self, batch1, batch2, beta, alpha, out_sizes, /*zero_alpha_skips=*/false);
  if (compute_requires_grad({&self, &batch1, &batch2})) {
    auto node = make_node<BaddbmmBackward0>({&self, &batch1, &batch2}, beta, alpha);
    if (node->needs_input_grad(1)) node->batch2_slot = node->save(batch2);
    if (node->needs_input_grad(2)) node->batch1_slot = node->save(batch1);
    set_history(out, node);
  }
  return out;
}

namespace {
// self = self * beta + alpha * (a @ b) in place (Note [In-place ops]). a and b are the product's operands:
// they decide whether the result needs a graph (self may not require grad while they do), but they do not
// broadcast with self, so the result's shape is checked against self's once it is known.
template <class OutOfPlace>
Tensor& inplace_product(Tensor& self, const Tensor& a, const Tensor& b, const char* op, OutOfPlace out_of_place) {
  AutocastOff no_autocast;  // in-place ops are not cast (Note [Autocast])
  const bool others_grad = compute_requires_grad({&a, &b});
  if (!others_grad) return inplace_binary(self, nullptr, self.dtype(), op, false, out_of_place);
  check_inplace(self, op, others_grad);
  Tensor r = out_of_place(inplace_snapshot(self, false));
  check_inplace_result(self, r.sizes(), r.dtype(), op);
  return inplace_commit(self, r);
}
}  // namespace

Tensor& addmm_(Tensor& self, const Tensor& mat1, const Tensor& mat2, Scalar beta, Scalar alpha) {
  return inplace_product(self, mat1, mat2, "addmm_",
                         [&](const Tensor& s) { return addmm(s, mat1, mat2, beta, alpha); });
}
Tensor& addmv_(Tensor& self, const Tensor& mat, const Tensor& vec, Scalar beta, Scalar alpha) {
  return inplace_product(self, mat, vec, "addmv_", [&](const Tensor& s) { return addmv(s, mat, vec, beta, alpha); });
}
Tensor& baddbmm_(Tensor& self, const Tensor& batch1, const Tensor& batch2, Scalar beta, Scalar alpha) {
  return inplace_product(self, batch1, batch2, "baddbmm_",
                         [&](const Tensor& s) { return baddbmm(s, batch1, batch2, beta, alpha); });
}

// ---- trace ----

struct TraceBackward0 : NamedNode<TraceBackward0> {
  static constexpr const char* kName = "TraceBackward0";
  Dims self_sizes;
  ScalarType self_dtype;
  TraceBackward0(Dims s, ScalarType t) : self_sizes(std::move(s)), self_dtype(t) {}
  tensor_list apply(tensor_list&& g) override {
    return {mul(eye(self_sizes[0], self_sizes[1], self_dtype), g[0])};  // g on the diagonal
  }
};

Tensor trace(const Tensor& self) {
  if (AutocastMode::is_enabled()) {  // Note [Autocast]: float32 list
    const Tensor self_ac = autocast_float32(self);
    AutocastOff off;
    return trace(self_ac);
  }
  FG_CHECK(self.dim() == 2, Error, "trace: expected a matrix, but got tensor with dim ", self.dim());
  check_not_bool(self, "trace");
  if (is_reduced_float(self.dtype()))  // Note [Half-precision ops]
    return in_float32({self}, self.dtype(), [](const tensor_list& a) { return trace(a[0]); });
  const ScalarType out_dtype = is_floating(self.dtype()) ? self.dtype() : ScalarType::Int64;
  const int64_t n = std::min(self.sizes()[0], self.sizes()[1]);
  Tensor out = empty({}, out_dtype);
  dispatch(out_dtype, [&](auto tag) {
    using T = decltype(tag);
    dispatch(self.dtype(), [&](auto stag) {
      using S = decltype(stag);
      const S* p = self.data<S>();
      const int64_t step = self.strides()[0] + self.strides()[1];
      T acc = T(0);
      for (int64_t i = 0; i < n; ++i) acc = T(acc + static_cast<T>(p[i * step]));
      *out.data<T>() = acc;
    });
  });
  if (compute_requires_grad({&self})) set_history(out, make_node<TraceBackward0>({&self}, self.sizes(), self.dtype()));
  return out;
}

// ---- matmul ----

// Note [matmul's graph]
// matmul is a composition, and PyTorch users see its parts in grad_fn: 1-D @ 1-D is a dot, 2-D @ 1-D an mv,
// 2-D @ 2-D an mm; a >= 3-D operand against a <= 2-D one is folded into one mm or mv (UnsafeViewBackward0 on
// top); everything else expands the batch dimensions and runs one bmm. We make the same choices, so that the
// Nodes, the copies and the error messages match.

struct UnsafeViewBackward0 : NamedNode<UnsafeViewBackward0> {
  static constexpr const char* kName = "UnsafeViewBackward0";
  Dims self_sizes;
  explicit UnsafeViewBackward0(Dims s) : self_sizes(std::move(s)) {}
  tensor_list apply(tensor_list&& g) override { return {reshape(g[0], self_sizes)}; }
};

namespace {

// A new shape for a fresh contiguous tensor that no one else sees: shares the memory but is not a view (so the
// result of matmul may be modified in place like any other op's result).
Tensor unsafe_view(const Tensor& t, const Dims& shape) {
  Tensor out(
      std::make_shared<TensorImpl>(t.storage(), shape, contiguous_strides(shape), t.storage_offset(), t.dtype()));
  if (compute_requires_grad({&t})) set_history(out, make_node<UnsafeViewBackward0>({&t}, t.sizes()));
  return out;
}

// Whether the dimensions before the last `keep` ones can be merged into one without a copy (the condition for
// view(); size-1 dimensions never matter).
bool leading_dims_mergeable(const Tensor& t, int64_t keep) {
  if (t.numel() == 0) return true;
  int64_t prev = -1;
  for (int64_t d = 0; d < t.dim() - keep; ++d) {
    if (t.sizes()[d] == 1) continue;
    if (prev >= 0 && t.strides()[prev] != t.strides()[d] * t.sizes()[d]) return false;
    prev = d;
  }
  return true;
}

// reshape as PyTorch records it when merging leading dimensions: a view when the strides allow, else
// clone + unsafe view.
Tensor merge_leading_dims(const Tensor& t, int64_t keep, const Dims& shape) {
  return leading_dims_mergeable(t, keep) ? view(t, shape) : unsafe_view(clone(t), shape);
}

Tensor matrix_transpose(const Tensor& t) { return transpose(t, -2, -1); }

// Whether a >= 3-D operand against a <= 2-D one can be folded into a single mm/mv (see Note [matmul's graph]).
bool should_fold(const Tensor& a, const Tensor& b) {
  const bool a_larger = a.dim() >= b.dim();
  const Tensor& big = a_larger ? a : b;
  const int64_t big_dim = big.dim(), small_dim = a_larger ? b.dim() : a.dim();
  if (!(big_dim >= 3 && small_dim <= 2)) return false;
  // Folding costs a copy when the big operand is not foldable in memory, but saves a batch-sized gradient
  // when the small one requires grad.
  if ((a_larger ? b : a).requires_grad()) return true;
  if (a.dim() == 2) return false;  // folding would need the transposed result copied back
  if (big.numel() == 0) return true;
  Dims sizes = big.sizes(), strides = big.strides();
  if (!a_larger) {  // the big operand is used transposed
    std::swap(sizes[big_dim - 1], sizes[big_dim - 2]);
    std::swap(strides[big_dim - 1], strides[big_dim - 2]);
  }
  for (int64_t i = 0; i + 2 < big_dim; ++i)
    if (strides[i] != strides[i + 1] * sizes[i + 1]) return false;
  return true;
}

Dims prefix(const Dims& d, int64_t n) { return Dims(d.begin(), d.begin() + std::max<int64_t>(n, 0)); }

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  if (AutocastMode::is_enabled()) {  // Note [Autocast]
    const Tensor a_ac = autocast_lower(a), b_ac = autocast_lower(b);
    AutocastOff off;
    return matmul(a_ac, b_ac);
  }
  const int64_t da = a.dim(), db = b.dim();
  FG_CHECK(da > 0 && db > 0, Error, "both arguments to matmul need to be at least 1D, but they are ", da, "D and ", db,
           "D");
  if (da == 1 && db == 1) return dot(a, b);
  if (da == 2 && db == 1) return mv(a, b);
  if (da == 1 && db == 2) {
    Tensor out = mm(unsqueeze(a, 0), b);
    return squeeze_(out, 0);
  }
  if (da == 2 && db == 2) return mm(a, b);

  if (should_fold(a, b)) {
    const bool transposed = db > da;
    Tensor t1 = transposed ? matrix_transpose(b) : a;
    Tensor t2 = !transposed ? b : (da == 2 ? t(a) : a);
    Dims out_shape = prefix(t1.sizes(), t1.dim() - 1);
    const int64_t folded = numel_of(out_shape);
    Tensor t1_folded = merge_leading_dims(t1, 1, {folded, t1.sizes()[t1.dim() - 1]});
    if (t2.dim() == 2) {
      out_shape.push_back(t2.sizes()[1]);
      Tensor out = unsafe_view(mm(t1_folded, t2), out_shape);
      return transposed ? contiguous(matrix_transpose(out)) : out;
    }
    return unsafe_view(mv(t1_folded, t2), out_shape);
  }

  // Batched: broadcast the batch dimensions and run one bmm.
  const int64_t n = da > 1 ? a.sizes()[da - 2] : 1, m1 = a.sizes()[da - 1];
  const int64_t m2 = db > 1 ? b.sizes()[db - 2] : b.sizes()[0], p = db > 1 ? b.sizes()[db - 1] : 1;
  Dims batch = broadcast_shapes(prefix(a.sizes(), da - 2), prefix(b.sizes(), db - 2), "matmul");
  const int64_t batch_numel = numel_of(batch);
  Dims a_size = batch, b_size = batch;
  a_size.push_back(n);
  a_size.push_back(m1);
  b_size.push_back(m2);
  b_size.push_back(p);
  Tensor a3 = merge_leading_dims(expand(a, a_size), 2, {batch_numel, n, m1});
  Tensor b3 = merge_leading_dims(expand(db == 1 ? unsqueeze(b, -1) : b, b_size), 2, {batch_numel, m2, p});
  Tensor out = bmm(a3, b3);
  if (db == 1) out = squeeze(out, -1);
  Dims out_shape = batch;
  if (da > 1) out_shape.push_back(n);
  if (db > 1) out_shape.push_back(p);
  return unsafe_view(out, out_shape);
}

}  // namespace fastgrad
