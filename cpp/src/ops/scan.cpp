// Scans: cumsum and cumprod along a dim. Forward and derivative side by side.
#include "../cpu/reductions.h"
#include "../cpu/wrapping.h"
#include "reduce_common.h"

namespace fastgrad {

namespace {

// Integer and bool inputs accumulate in int64 (PyTorch's rule for cumsum/cumprod without a dtype). A bool
// dtype has no kernel; PyTorch runs none for 0-size and 0-d inputs (a copy), so those pass.
ScalarType scan_type(const Tensor& t, std::optional<ScalarType> dtype, const char* kernel) {
  check_autograd_dtype(t, dtype);
  FG_CHECK(dtype != ScalarType::Bool || t.numel() == 0 || t.dim() == 0, NotImplementedError, "\"", kernel,
           "\" not implemented for 'Bool'");
  if (dtype) return *dtype;
  return is_floating(t.dtype()) ? t.dtype() : ScalarType::Int64;
}

// t (contiguous, or viewed as) (outer, n, inner) around dim.
void line_layout(const Tensor& t, int64_t dim, int64_t& outer, int64_t& n, int64_t& inner) {
  outer = 1;
  inner = 1;
  n = t.dim() == 0 ? 1 : t.sizes()[dim];
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (d < dim) outer *= t.sizes()[d];
    if (d > dim) inner *= t.sizes()[d];
  }
}

// A float scan along dim (cpu/reductions.h: in double, in order; from the end when `reverse`) into a fresh
// contiguous tensor.
Tensor float_scan(const Tensor& t, int64_t dim, ScalarType dtype, bool prod, bool reverse) {
  if (is_reduced_float(dtype))  // accumulated in double like float32, rounded (Note [Storage dtypes])
    return cast(float_scan(t, dim, ScalarType::Float32, prod, reverse), dtype);
  Tensor x = dense(t, dtype);
  Tensor out = empty(t.sizes(), dtype);
  int64_t outer, n, inner;
  line_layout(x, dim, outer, n, inner);
  dispatch_float(dtype, [&](auto tag) {
    using T = decltype(tag);
    cpu::scan_lines<T>(x.data<T>(), out.data<T>(), outer, n, inner, prod, reverse);
  });
  return out;
}

// out = the scan of t along dim in out_dtype: floats through the vector kernels, integers in a contiguous copy
// scanned in place (accumulating in int64).
template <bool IsProd>
Tensor scan(const Tensor& t, int64_t dim, ScalarType out_dtype) {
  if (is_floating(out_dtype)) return float_scan(t, dim, out_dtype, IsProd, false);
  Tensor out = cast(t, out_dtype, /*force_copy=*/true);
  const int64_t n = line_size(out, dim), stride = line_stride(out, dim);
  dispatch(out_dtype, [&](auto tag) {
    using T = decltype(tag);
    using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;
    for_each_line<1>({&out}, dim, [&](const std::array<char*, 1>& p) {
      T* x = reinterpret_cast<T*>(p[0]);
      Acc acc = IsProd ? Acc(1) : Acc(0);
      for (int64_t i = 0; i < n; ++i) {
        // int64 wraps (Note [Integer wraparound])
        if constexpr (IsProd) acc = cpu::wrapping_mul(acc, static_cast<Acc>(x[i * stride]));
        else acc = cpu::wrapping_add(acc, static_cast<Acc>(x[i * stride]));
        if constexpr (std::is_same_v<T, bool>) x[i * stride] = acc != 0;
        else x[i * stride] = static_cast<T>(acc);
      }
    });
  });
  return out;
}

// Sum from position i to the end, along dim: one pass of the scan kernel, or flip / cumsum / flip when a graph
// of the backward pass is being recorded (create_graph), so that it is differentiable.
Tensor reverse_cumsum(const Tensor& g, int64_t dim) {
  if (compute_requires_grad({&g})) return flip(cumsum(flip(g, {dim}), dim), {dim});
  return float_scan(g, dim, g.dtype(), false, true);
}

}  // namespace

// ---- cumsum ----

struct CumsumBackward0 : NamedNode<CumsumBackward0> {
  static constexpr const char* kName = "CumsumBackward0";
  int64_t dim;
  explicit CumsumBackward0(int64_t d) : dim(d) {}
  tensor_list apply(tensor_list&& g) override {
    if (g[0].dim() == 0) return {g[0]};
    return {reverse_cumsum(g[0], dim)};
  }
};

Tensor cumsum(const Tensor& t, int64_t dim, std::optional<ScalarType> dtype) {
  int64_t d = wrap_dim(dim, t.dim(), "cumsum");
  Tensor out = scan<false>(t, d, scan_type(t, dtype, "cumsum_out_cpu"));
  if (compute_requires_grad({&t}) && is_floating(out.dtype())) set_history(out, make_node<CumsumBackward0>({&t}, d));
  return out;
}

// ---- cumprod ----

namespace {

// The gradient of cumprod with zeros, computed directly (first order): along a line x_0..x_{n-1} with its
// first zero at z,
//   grad_k = sum_{i>=k} g_i out_i / x_k                              for k < z (x_k is not zero),
//   grad_z = out_{z-1} * sum_{i>=z} g_i prod_{z<j<=i} x_j,
//   grad_k = 0                                                       for k > z (every product holds x_z).
Tensor cumprod_grad_with_zeros(const Tensor& g, const Tensor& x, const Tensor& out, int64_t dim) {
  Tensor gc = cast(g, ScalarType::Float64, true), xc = cast(x, ScalarType::Float64, true);
  Tensor oc = cast(out, ScalarType::Float64, true);
  Tensor grad = zeros(x.sizes(), ScalarType::Float64);
  const int64_t n = line_size(x, dim), stride = line_stride(grad, dim);
  for_each_line<4>({&grad, &gc, &xc, &oc}, dim, [&](const std::array<char*, 4>& p) {
    double* r = reinterpret_cast<double*>(p[0]);
    const double* gp = reinterpret_cast<const double*>(p[1]);
    const double* xp = reinterpret_cast<const double*>(p[2]);
    const double* op = reinterpret_cast<const double*>(p[3]);
    int64_t z = n;
    for (int64_t i = 0; i < n; ++i)
      if (xp[i * stride] == 0) {
        z = i;
        break;
      }
    double suffix = 0;  // sum_{i>=k} g_i out_i, built from the end
    for (int64_t k = n - 1; k >= 0; --k) {
      suffix += gp[k * stride] * op[k * stride];
      if (k < z) r[k * stride] = suffix / xp[k * stride];
    }
    if (z < n) {
      double running = 1, total = 0;
      for (int64_t i = z; i < n; ++i) {
        if (i > z) running *= xp[i * stride];
        total += gp[i * stride] * running;
      }
      r[z * stride] = (z > 0 ? op[(z - 1) * stride] : 1.0) * total;
    }
  });
  return cast(grad, x.dtype());
}

// The same gradient in differentiable form, for create_graph: grad_k = sum_{i>=k} g_i C[k, i] with
// C[k, i] = prod_{j<=i, j!=k} x_j, the cumulative product of x with x_k replaced by 1. It costs n^2 per
// line, so it is used only when a graph of the backward pass is being recorded.
Tensor cumprod_grad_differentiable(const Tensor& g, const Tensor& x, int64_t dim) {
  const int64_t n = x.sizes()[dim];
  Tensor xl = transpose(x, dim, -1), gl = transpose(g, dim, -1);  // the scanned dim last
  Tensor eye_n = eye(n, n, x.dtype());
  Tensor rows = add(mul(unsqueeze(xl, -2), rsub(eye_n, 1)), eye_n);  // rows[..., k, j] = j == k ? 1 : x_j
  Tensor c = mul(cumprod(rows, -1), triu(ones({n, n}, x.dtype())));  // keep i >= k
  Tensor grad = sum(mul(c, unsqueeze(gl, -2)), {-1});
  return transpose(grad, dim, -1);
}

}  // namespace

struct CumprodBackward0 : NamedNode<CumprodBackward0> {
  static constexpr const char* kName = "CumprodBackward0";
  int64_t dim;
  explicit CumprodBackward0(int64_t d) : dim(d) {}
  tensor_list apply(tensor_list&& g) override {
    Tensor x = saved(0), out = saved(1);
    // A line of one element is the identity (whatever its value: inf and NaN included), as in PyTorch.
    if (x.dim() == 0 || x.sizes()[dim] == 1) return {g[0]};
    if (!compute_requires_grad({&g[0], &x})) {
      // One pass: reverse_cumsum(g * out) / x, unless x holds a zero.
      Tensor gd = dense(g[0], x.dtype()), xd = dense(x), od = dense(out, x.dtype());
      Tensor r = empty(x.sizes(), x.dtype());
      int64_t outer, n, inner;
      line_layout(xd, dim, outer, n, inner);
      bool ok = false;
      dispatch_float(x.dtype(), [&](auto tag) {
        using T = decltype(tag);
        ok = cpu::cumprod_backward_lines<T>(gd.data<T>(), od.data<T>(), xd.data<T>(), r.data<T>(), outer, n, inner);
      });
      return {ok ? r : cumprod_grad_with_zeros(g[0], x, out, dim)};
    }
    bool zero;
    {
      NoGradGuard guard;
      zero = sum(compare(x, Scalar(0), CompareOp::Eq)).item().i > 0;
    }
    if (!zero) return {div(reverse_cumsum(mul(g[0], out), dim), x)};
    if (compute_requires_grad({&g[0], &x})) return {cumprod_grad_differentiable(g[0], x, dim)};
    return {cumprod_grad_with_zeros(g[0], x, out, dim)};
  }
};

Tensor cumprod(const Tensor& t, int64_t dim, std::optional<ScalarType> dtype) {
  int64_t d = wrap_dim(dim, t.dim(), "cumprod");
  check_autograd_dtype(t, dtype);
  // With a dtype and a gradient to record, convert first (recorded), so the Node saves tensors of one dtype.
  if (dtype && *dtype != t.dtype() && compute_requires_grad({&t}))
    return cumprod(to_dtype(t, *dtype), dim, std::nullopt);
  Tensor out = scan<true>(t, d, scan_type(t, dtype, "cumprod_out_cpu"));
  if (compute_requires_grad({&t}) && is_floating(out.dtype())) {
    auto node = make_node<CumprodBackward0>({&t}, d);
    node->save(t);
    set_history(out, node);
    node->save(out, /*is_output=*/true);
  }
  return out;
}

// In place: the scan in self's dtype (or `dtype`, which must then fit self).
namespace {
// PyTorch's in-place scans write into self, so a dtype= other than self's is refused (in the C type names its
// message uses).
void check_scan_dtype(const Tensor& self, std::optional<ScalarType> dtype) {
  auto c_name = [](ScalarType t) {
    switch (t) {
      case ScalarType::Bool: return "bool";
      case ScalarType::Int32: return "int";
      case ScalarType::Int64: return "long int";
      case ScalarType::Float32: return "float";
      default: return "double";
    }
  };
  FG_CHECK(!dtype || *dtype == self.dtype(), Error, "Bad in-place call: input tensor dtype ", c_name(self.dtype()),
           " and output tensor dtype ", c_name(*dtype), " should match");
}
}  // namespace

Tensor& cumsum_(Tensor& self, int64_t dim, std::optional<ScalarType> dtype) {
  check_scan_dtype(self, dtype);
  ScalarType rt = dtype ? *dtype : self.dtype();
  return inplace_binary(self, nullptr, rt, "cumsum_", false, [&](const Tensor& s) { return cumsum(s, dim, rt); });
}

Tensor& cumprod_(Tensor& self, int64_t dim, std::optional<ScalarType> dtype) {
  check_scan_dtype(self, dtype);
  ScalarType rt = dtype ? *dtype : self.dtype();
  return inplace_binary(self, nullptr, rt, "cumprod_", true, [&](const Tensor& s) { return cumprod(s, dim, rt); });
}

}  // namespace fastgrad
