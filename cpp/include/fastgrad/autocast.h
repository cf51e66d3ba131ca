// CPU autocast regions (torch.autocast("cpu", dtype)): the thread-local switch and the casts the ops of PyTorch's
// lists apply (cpp/src/autograd/grad_mode.cpp, cpp/src/ops/copy.cpp).
#pragma once

#include "fastgrad/dtype.h"
#include "fastgrad/tensor.h"

namespace fastgrad {

// Note [Autocast]: torch.autocast("cpu", dtype) regions, per thread, as PyTorch's CPU autocast. While a region is
// enabled, an op of PyTorch's CPU lower-precision list (mm, bmm, matmul, addmm, baddbmm, linear, the convolutions,
// einsum, scaled_dot_product_attention, prelu) first casts its float32 / float16 / bfloat16 operands to the
// region's dtype (autocast_lower), an op of its float32 list (the losses, prod, trace, the 3-d pooling, ...) casts
// them to float32 (autocast_float32), and cat / stack promote theirs to the widest of float32 and the region's
// dtype (autocast_promote). float64 and non-floating operands are never cast, and a call with an explicit dtype
// argument is not cast. The casts are the recorded, differentiable conversion (ToCopyBackward0), so backward runs
// in the dtypes the forward recorded and the gradient of a float32 leaf is float32. Each op casts once at entry and
// runs its body with autocast off (AutocastOff), as PyTorch's dispatcher excludes autocast below the cast; the
// engine runs backward passes with autocast off. Ops written in Python (F.prelu, the composite losses) apply the
// same casts through the bindings (fastgrad/amp/autocast_mode.py, _autocast_op).

/// Thread-local state of the CPU autocast region (off on every new thread).
struct AutocastMode {
  /// True inside an enabled CPU autocast region on this thread.
  static bool is_enabled();
  /// The region's lower-precision dtype (bfloat16 or float16; bfloat16 outside a region).
  static ScalarType dtype();
  /// Enters or leaves a region (dtype must be bfloat16 or float16): torch.autocast calls it on entry and exit.
  static void set(bool enabled, ScalarType dtype);
};

/// RAII: autocast off until the end of the scope (an op's body after its casts, backward passes), then restored.
class AutocastOff {
 public:
  /// Turns the region off for the scope.
  AutocastOff() : enabled_(AutocastMode::is_enabled()), dtype_(AutocastMode::dtype()) {
    if (enabled_) AutocastMode::set(false, dtype_);
  }
  ~AutocastOff() {
    if (enabled_) AutocastMode::set(true, dtype_);
  }
  AutocastOff(const AutocastOff&) = delete;
  AutocastOff& operator=(const AutocastOff&) = delete;

 private:
  bool enabled_;
  ScalarType dtype_;
};

/// t converted to the region's dtype when a region is enabled and t is float32, float16 or
/// bfloat16; otherwise t itself (also an undefined t).
Tensor autocast_lower(const Tensor& t);
/// t converted to float32 when a region is enabled and t is float16 or bfloat16; otherwise t.
Tensor autocast_float32(const Tensor& t);
/// PyTorch's "promote" policy (cat, stack): the eligible tensors (float32, float16, bfloat16) converted to float32
/// if one of them is float32, else to the region's dtype. As PyTorch's check, which reads them in order, a
/// half-precision tensor of the other half dtype seen before any float32 one raises Error. Without an enabled
/// region, the tensors unchanged.
tensor_list autocast_promote(const tensor_list& tensors);

}  // namespace fastgrad
