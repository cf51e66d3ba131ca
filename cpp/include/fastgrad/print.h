// Printing tensors as PyTorch prints them. This is the one formatter: C++'s `std::cout << t` and Python's
// repr(t) (python/fastgrad/_tensor_str.py calls it) give the same text, byte for byte PyTorch 2.13's.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

#include "fastgrad/tensor.h"

namespace fastgrad {

/// torch.set_printoptions' settings. Defaults are PyTorch's "default" profile.
struct PrintOptions {
  /// Digits after the decimal point (fixed and scientific notation).
  int64_t precision = 4;
  /// Tensors with more elements than this are summarised ("..."); may be infinity.
  double threshold = 1000;
  /// Items shown at each end of a summarised dimension.
  int64_t edgeitems = 3;
  /// Characters per line before wrapping.
  int64_t linewidth = 80;
  /// Scientific notation: always (true), never (false) or chosen from the values (nullopt).
  std::optional<bool> sci_mode;
};

/// The current print options (process-wide, like PyTorch's).
PrintOptions get_printoptions();
/// Replaces the print options (process-wide; the Python `set_printoptions` calls this too).
void set_printoptions(const PrintOptions& options);

/// repr(t): "tensor([1., 2.], requires_grad=True)", with PyTorch's layout, number formatting, summarisation
/// and suffixes (dtype=fastgrad.<dtype> when the values do not imply it, grad_fn=<...>). An undefined tensor
/// prints as "[ Tensor (undefined) ]", as in libtorch.
std::string format_tensor(const Tensor& t);
/// The formatter behind format_tensor, with each part given: `values` supplies the numbers (any dtype; read
/// as numbers of `dtype`'s kind), `dtype` the dtype shown, `grad_fn_name` (empty: none) and `requires_grad`
/// the autograd suffix, `module` the prefix of the dtype suffix ("fastgrad", or "torch" to compare with
/// PyTorch's text).
std::string format_tensor(const Tensor& values, ScalarType dtype, const std::string& grad_fn_name,
                          bool requires_grad, const std::string& module = "fastgrad");

/// Writes format_tensor(t) to the stream.
std::ostream& operator<<(std::ostream& os, const Tensor& t);

}  // namespace fastgrad
