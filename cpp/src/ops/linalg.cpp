// Matrix products: forward and derivative side by side. Float and double go through BLAS.
#include "../kernels/blas.h"
#include "common.h"

namespace fastgrad {

namespace {

const char* short_type(ScalarType t) {
  static const char* names[] = {"bool", "int", "long int", "float", "double"};
  return names[static_cast<int>(t)];
}

// How a 2-D operand can be handed to BLAS without a copy: row-major (ld = stride 0) or transposed.
struct Operand {
  Tensor t;
  bool trans = false;
  int64_t ld = 0;
};

Operand as_blas_operand(const Tensor& t) {
  int64_t rows = t.sizes()[0], cols = t.sizes()[1];
  int64_t s0 = t.strides()[0], s1 = t.strides()[1];
  if ((s1 == 1 || cols <= 1) && s0 >= std::max<int64_t>(cols, 1)) return {t, false, s0};
  if ((s0 == 1 || rows <= 1) && s1 >= std::max<int64_t>(rows, 1)) return {t, true, s1};
  Tensor c = cast(t, t.dtype(), /*force_copy=*/true);
  return {c, false, std::max<int64_t>(cols, 1)};
}

// out (m x n, contiguous) = a (m x k) @ b (k x n), no autograd.
Tensor mm_kernel(const Tensor& a, const Tensor& b) {
  int64_t m = a.sizes()[0], k = a.sizes()[1], n = b.sizes()[1];
  Tensor out = empty({m, n}, a.dtype());
  if (m == 0 || n == 0) return out;
  if (k == 0) return zeros({m, n}, a.dtype());
  Operand oa = as_blas_operand(a), ob = as_blas_operand(b);
  dispatch(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<T, bool>)
      kernels::gemm<T>(oa.trans, ob.trans, m, n, k, T(1), oa.t.data<T>(), oa.ld, ob.t.data<T>(), ob.ld, T(0),
                       out.data<T>(), n);
  });
  return out;
}

void check_same_dtype(const Tensor& a, const Tensor& b) {
  FG_CHECK(a.dtype() == b.dtype(), Error, "expected m1 and m2 to have the same dtype, but got: ", short_type(a.dtype()),
           " != ", short_type(b.dtype()));
  FG_CHECK(a.dtype() != ScalarType::Bool, Error, "\"addmm_impl_cpu_\" not implemented for 'Bool'");
}

}  // namespace

struct MmBackward0 : NamedNode<MmBackward0> {
  static constexpr const char* kName = "MmBackward0";
  size_t self_slot = SIZE_MAX, mat2_slot = SIZE_MAX;
  tensor_list apply(tensor_list&& g) override {
    return {needs_input_grad(0) ? mm(g[0], t(saved(mat2_slot))) : Tensor(),
            needs_input_grad(1) ? mm(t(saved(self_slot)), g[0]) : Tensor()};
  }
};

Tensor mm(const Tensor& a, const Tensor& b) {
  FG_CHECK(a.dim() == 2, Error, "self must be a matrix (mm: got a ", a.dim(), "-D tensor of shape ",
           shape_str(a.sizes()), ")");
  FG_CHECK(b.dim() == 2, Error, "mat2 must be a matrix (mm: got a ", b.dim(), "-D tensor of shape ",
           shape_str(b.sizes()), ")");
  FG_CHECK(a.sizes()[1] == b.sizes()[0], Error, "mat1 and mat2 shapes cannot be multiplied (", a.sizes()[0], "x",
           a.sizes()[1], " and ", b.sizes()[0], "x", b.sizes()[1], ")");
  check_same_dtype(a, b);
  Tensor out = mm_kernel(a, b);
  if (compute_requires_grad({&a, &b})) {
    auto node = make_node<MmBackward0>({&a, &b});
    if (node->needs_input_grad(0)) node->mat2_slot = node->save(b);
    if (node->needs_input_grad(1)) node->self_slot = node->save(a);
    set_history(out, node);
  }
  return out;
}

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

Tensor mv(const Tensor& a, const Tensor& v) {
  FG_CHECK(a.dim() == 2 && v.dim() == 1, Error, "vector + matrix @ vector expected, got ", a.dim(), ", ", v.dim(),
           " (mv: shapes ", shape_str(a.sizes()), " and ", shape_str(v.sizes()), ")");
  FG_CHECK(a.sizes()[1] == v.sizes()[0], Error, "size mismatch, got input (", a.sizes()[0], "), mat (", a.sizes()[0],
           "x", a.sizes()[1], "), vec (", v.sizes()[0], ")");
  check_same_dtype(a, v);
  Tensor out;
  {
    NoGradGuard guard;
    out = mm_kernel(a, view(v, {v.sizes()[0], 1}));
    out->set_sizes_and_strides({a.sizes()[0]}, {1}, 0);
  }
  if (compute_requires_grad({&a, &v})) {
    auto node = make_node<MvBackward0>({&a, &v});
    if (node->needs_input_grad(0)) node->vec_slot = node->save(v);
    if (node->needs_input_grad(1)) node->self_slot = node->save(a);
    set_history(out, node);
  }
  return out;
}

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
  check_same_dtype(a, b);
  Tensor out;
  {
    NoGradGuard guard;
    out = mm_kernel(view(a, {1, a.numel()}), view(b, {b.numel(), 1}));
    out->set_sizes_and_strides({}, {}, 0);
  }
  if (compute_requires_grad({&a, &b})) {
    auto node = make_node<DotBackward0>({&a, &b});
    if (node->needs_input_grad(0)) node->other_slot = node->save(b);
    if (node->needs_input_grad(1)) node->self_slot = node->save(a);
    set_history(out, node);
  }
  return out;
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  FG_CHECK(a.dim() > 0 && b.dim() > 0, Error, "both arguments to matmul need to be at least 1D, but they are ",
           a.dim(), "D and ", b.dim(), "D");
  if (a.dim() == 1 && b.dim() == 1) return dot(a, b);
  if (a.dim() == 2 && b.dim() == 2) return mm(a, b);
  if (a.dim() == 2 && b.dim() == 1) return mv(a, b);
  if (a.dim() == 1 && b.dim() == 2) {
    // As PyTorch: unsqueeze, mm, and squeeze the result in place (SqueezeBackward4 in the graph).
    FG_CHECK(a.sizes()[0] == b.sizes()[0], Error, "mat1 and mat2 shapes cannot be multiplied (1x", a.sizes()[0],
             " and ", b.sizes()[0], "x", b.sizes()[1], ")");
    Tensor out = mm(unsqueeze(a, 0), b);
    return squeeze_(out, 0);
  }
  // Batched: broadcast the batch dimensions, multiply and sum over the contracted dimension.
  Tensor x = a.dim() == 1 ? unsqueeze(a, 0) : a;
  Tensor y = b.dim() == 1 ? unsqueeze(b, 1) : b;
  FG_CHECK(x.sizes()[x.dim() - 1] == y.sizes()[y.dim() - 2], Error, "Expected size for first two dimensions of batch2 ",
           "tensor to be: [", x.sizes()[x.dim() - 1], "] but got: [", y.sizes()[y.dim() - 2],
           "] (matmul: shapes ", shape_str(a.sizes()), " and ", shape_str(b.sizes()), ")");
  check_same_dtype(x, y);
  Tensor out = sum(mul(unsqueeze(x, -1), unsqueeze(y, -3)), {-2});
  if (a.dim() == 1) out = squeeze(out, -2);
  if (b.dim() == 1) out = squeeze(out, -1);
  return out;
}

}  // namespace fastgrad
