// Helpers shared by the elementwise op files (unary.cpp, unary_float.cpp, binary.cpp, pointwise.cpp,
// compare.cpp): dtype rules, kernels over a compute type, and the Nodes of ops without a real derivative.
#pragma once

#include <string>
#include <type_traits>

#include "../cpu/dispatch.h"
#include "common.h"

namespace fastgrad {

// Floating-point functions compute in the input's float dtype, or the default dtype for integer and bool
// inputs (exp, sin, atan2, true division, ...).
inline ScalarType float_type(ScalarType t) { return is_floating(t) ? t : default_dtype(); }

// PyTorch's message for a kernel that does not exist for a dtype: "\"abs_cpu\" not implemented for 'Bool'".
inline void check_kernel(bool ok, const char* kernel, ScalarType t) {
  FG_CHECK(ok, NotImplementedError, "\"", kernel, "\" not implemented for '", scalar_type_name(t), "'");
}

// PyTorch's result_type for the operands of a binary op (see ResultType).
inline ScalarType promote(const Tensor& a, const Tensor& b) {
  return result_type(a.dtype(), a.dim(), b.dtype(), b.dim());
}
inline ScalarType promote(const Tensor& a, Scalar b) { return result_type(a.dtype(), a.dim(), b); }
inline ScalarType promote(Scalar a, const Tensor& b) { return result_type(b.dtype(), b.dim(), a); }

// The C type name PyTorch prints in some messages: "float", "double", "long int", "int", "bool".
inline const char* c_type_name(ScalarType t) {
  static const char* names[] = {"bool", "int", "long int", "float", "double", "unsigned char", "signed char", "short int", "c10::Half", "c10::BFloat16"};
  return names[static_cast<int>(t)];
}

// check_kernel for a kernel that exists for floating dtypes only (the activations).
inline void check_floating(const Tensor& t, const char* kernel) {
  check_kernel(is_floating(t.dtype()), kernel, t.dtype());
}

// out = f(x) over t cast to `compute` (t itself, strided, when it has that dtype); `make(T{})` builds f for the
// compute type T and is only instantiated for floating types (the callers pick a float compute type).
template <class MakeF>
Tensor float_map(const Tensor& t, ScalarType compute, MakeF make) {
  return map_unary(t.dtype() == compute ? t : cast(t, compute), compute, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      return make(tag);
    } else {
      return [](T x) -> T { return x; };  // never runs: the input was cast to a float type
    }
  });
}

// out = the CPU layer's vector kernel `op` (Note [CPU dispatch]) over t cast to `compute` (float32 or float64),
// for any strides.
inline Tensor kernel_map(const Tensor& t, ScalarType compute, cpu::UnaryOp op) {
  if (is_reduced_float(compute)) return cast(kernel_map(t, ScalarType::Float32, op), compute);  // Note [Storage dtypes]
  Tensor x = t.dtype() == compute ? t : cast(t, compute);
  Tensor out = empty(t.sizes(), compute);
  if (compute == ScalarType::Float32) cpu::unary_kernel_loop<float>(out, x, cpu::unary_kernel<float>(op));
  else cpu::unary_kernel_loop<double>(out, x, cpu::unary_kernel<double>(op));
  return out;
}

// A derivative in one pass: the CPU layer's kernel `op`(g, s) when nothing records the backward pass
// (create_graph off) and g and s share a float dtype; otherwise `composite()`, written with public ops so that
// it differentiates again.
template <class F>
Tensor fused_backward(cpu::BackwardOp op, const Tensor& g, const Tensor& s, F composite) {
  const ScalarType t = g.dtype();
  if (GradMode::is_enabled() || s.dtype() != t || !is_floating(t) || is_reduced_float(t)) return composite();
  Tensor out = empty(broadcast_shapes(g.sizes(), s.sizes(), "backward"), t);
  if (t == ScalarType::Float32) cpu::binary_kernel_loop<float>(out, g, s, cpu::backward_kernel<float>(op));
  else cpu::binary_kernel_loop<double>(out, g, s, cpu::backward_kernel<double>(op));
  return out;
}

// out = f(x, y) over a and b cast to `compute` (which the op has checked), broadcasting.
template <class MakeF>
Tensor binary_map(const Tensor& a, const Tensor& b, ScalarType compute, ScalarType out_dtype, const char* op,
                  MakeF make) {
  return map_binary(cast(a, compute), cast(b, compute), out_dtype, op, make);
}

// out = f(x, y, z) over a, b, c cast to `compute`, broadcasting all three.
template <class MakeF>
Tensor ternary_map(const Tensor& a, const Tensor& b, const Tensor& c, ScalarType compute, ScalarType out_dtype,
                   const char* op, MakeF make) {
  if (is_reduced_float(compute) || is_reduced_float(out_dtype)) {  // Note [Storage dtypes]
    Tensor r = ternary_map(a, b, c, compute_type(compute), compute_type(out_dtype), op, make);
    return r.dtype() == out_dtype ? r : cast(r, out_dtype);
  }
  Dims shape = broadcast_shapes(broadcast_shapes(a.sizes(), b.sizes(), op), c.sizes(), op);
  Tensor out = empty(shape, out_dtype);
  Tensor x = cast(a, compute), y = cast(b, compute), z = cast(c, compute);
  dispatch(compute, [&](auto tag) {
    using T = decltype(tag);
    auto f = make(tag);
    using O = decltype(f(T{}, T{}, T{}));
    cpu::ternary_loop<O, T, T, T>(out, x, y, z, f);
  });
  return out;
}

// A Python number as a 0-d tensor of the dtype the op computes in (promotion decided by the caller, with the
// number ranked below every tensor as PyTorch ranks wrapped numbers). An operand of arithmetic (t % 2**31,
// 1e300 % t, t & 2**40), so it is converted unchecked like PyTorch's wrapped numbers: it wraps or becomes inf.
// A number stored as an element (where's scalars) uses scalar_tensor, which checks (Note [Checked scalar
// conversion]).
inline Tensor wrap_scalar(Scalar s, ScalarType dtype) {
  Tensor out = empty({}, dtype);
  dispatch_all(dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) *out.data<T>() = s.is_floating() ? s.f != 0 : s.i != 0;
    else *out.data<T>() = s.to<T>();
  });
  return out;
}

// A Python float as PyTorch's kernels see it when it meets a float16 / bfloat16 tensor through TensorIterator's
// cast to the common dtype (add, sub, rsub, pow): rounded to that dtype first. (mul and div read the number
// itself, in float.)
inline Scalar stored_scalar(Scalar s, ScalarType t) {
  if (!s.is_floating() || !is_reduced_float(t)) return s;
  return Scalar(static_cast<double>(t == ScalarType::Float16 ? static_cast<float>(Half(s.f))
                                                             : static_cast<float>(BFloat16(s.f))));
}

// Records a single-input Node N on `out`: saves the input and/or the output when asked.
template <class N, class... Args>
Tensor record_unary(Tensor out, const Tensor& input, bool save_input, bool save_output, Args&&... args) {
  if (!compute_requires_grad({&input})) return out;
  auto node = make_node<N>({&input}, std::forward<Args>(args)...);
  if (save_input) node->save(input);
  set_history(out, node);
  if (save_output) node->save(out, /*is_output=*/true);
  return out;
}

// Note [Piecewise-constant derivatives]
// sign, floor, round, comparisons written in place, division with a rounding mode... are constant almost
// everywhere: PyTorch records a Node (with the op's own name) whose gradient is zero for every input, so the
// result still requires grad and leaves receive zeros rather than None.
struct ZeroBackward : Node {
  const char* op_name;
  explicit ZeroBackward(const char* n) : op_name(n) {}
  std::string name() const override { return op_name; }
  tensor_list apply(tensor_list&& g) override {
    // At the broadcast shape: the engine sums it back to each input's shape.
    tensor_list out(next_edges().size());
    for (size_t i = 0; i < out.size(); ++i)
      if (needs_input_grad(i)) out[i] = zeros_like(g[0]);
    return out;
  }
};
inline Tensor record_zero_grad(Tensor out, const char* node_name, std::initializer_list<const Tensor*> inputs) {
  if (compute_requires_grad(inputs)) set_history(out, make_node<ZeroBackward>(inputs, node_name));
  return out;
}

// PyTorch records a Node named "NotImplemented" for ops without a derivative formula (floor_divide,
// number % tensor); running backward through it raises.
struct NotImplementedBackward : Node {
  const char* aten_name;
  explicit NotImplementedBackward(const char* n) : aten_name(n) {}
  std::string name() const override { return "NotImplemented"; }
  tensor_list apply(tensor_list&&) override {
    FG_CHECK(false, Error, "derivative for aten::", aten_name, " is not implemented");
    return {};
  }
};
inline Tensor record_not_implemented(Tensor out, const char* aten_name, std::initializer_list<const Tensor*> inputs) {
  if (compute_requires_grad(inputs)) set_history(out, make_node<NotImplementedBackward>(inputs, aten_name));
  return out;
}

}  // namespace fastgrad
