// Internal, for the op files: running an op that has no float16/bfloat16 kernel in float32 (Note [Half-precision
// ops]).
#pragma once

#include <functional>

#include "fastgrad/node.h"
#include "fastgrad/tensor.h"

namespace fastgrad {

// Note [Half-precision ops]
// PyTorch's CPU kernels compute float16 and bfloat16 in float (Note [Storage dtypes]). An op whose kernels are
// written for float32/float64 only takes half-precision inputs through run_in_float32: the reduced-float inputs
// are converted to float32 (exactly), the op runs on them, and its float32 results are rounded to `dtype` (its
// integer results, indices and counts, are returned as they are). The region is one Node: when a gradient is
// needed, the float32 op runs recorded on detached float32 copies of the inputs, and a Float32RegionBackward Node
// over the original inputs carries the name of the op's own Node (NativeLayerNormBackward0, ...), as PyTorch's
// half-precision result has, and runs that inner graph in its backward (rounding the gradients to each input's
// dtype). With create_graph, the backward runs the op once more through the differentiable conversions, so
// higher derivatives flow to the original inputs. `write_back` lists inputs the op writes in place (batch_norm's
// running statistics): their float32 copies are copied back into them afterwards.
//
// An op calls it at its top, before its own dtype checks:
//   if (any_reduced_float({&input, &weight}))
//     return run_in_float32({input, weight}, dtype, [&](const tensor_list& a) { return tensor_list{op(a[0], a[1])}; });
bool any_reduced_float(std::initializer_list<const Tensor*> ts);
tensor_list run_in_float32(const tensor_list& inputs, ScalarType dtype,
                           std::function<tensor_list(const tensor_list&)> fn, std::vector<size_t> write_back = {});
// The first reduced-float dtype among ts (the dtype such an op's results take), Float32 when none is.
ScalarType reduced_dtype_of(std::initializer_list<const Tensor*> ts);

}  // namespace fastgrad

namespace fastgrad {
// run_in_float32 for an op with one result. `f(args)` is kept for create_graph: capture by value.
template <class F>
Tensor in_float32(const tensor_list& inputs, ScalarType dtype, F f) {
  return run_in_float32(inputs, dtype, [f](const tensor_list& a) { return tensor_list{f(a)}; })[0];
}
}  // namespace fastgrad
