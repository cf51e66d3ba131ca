// nn helpers that are neither activations nor losses: the reduction argument, linear and one_hot.
// See nn_activation.cpp and nn_loss.cpp for the rest of nn.functional.
#include "common.h"
#include "../cpu/index_kernels.h"
#include "fastgrad/autocast.h"

namespace fastgrad {

Reduction reduction_from_string(const std::string& s) {
  if (s == "none") return Reduction::None;
  if (s == "mean") return Reduction::Mean;
  if (s == "sum") return Reduction::Sum;
  throw ValueError(s + " is not a valid value for reduction");
}

// ---- linear ----
// input @ weight^T + bias, recorded as PyTorch 2.13 records it (Node names are part of the contract):
//  - a 2-D input with a bias is one addmm (AddmmBackward0);
//  - a contiguous input of another rank with a row bias (1-D, or (1, ..., 1, out_features)) is flattened to
//    2-D, goes through addmm and is viewed back (ViewBackward0 over AddmmBackward0); a 1-D input is (1, in);
//  - anything else (no bias, a non-contiguous input, a 0-d or batched bias) is matmul, then the bias added.
// (PyTorch also takes the addmm path for a few biases whose addmm then fails, e.g. (out_features, 1);
// those are computed here through the add instead.)
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  if (AutocastMode::is_enabled()) {  // Note [Autocast]
    const Tensor input_ac = autocast_lower(input), weight_ac = autocast_lower(weight), bias_ac = autocast_lower(bias);
    AutocastOff off;
    return linear(input_ac, weight_ac, bias_ac);
  }
  const int64_t rank = input.dim();
  if (bias.defined() && rank == 2) return addmm(bias, input, t(weight));
  const bool row_bias =
      bias.defined() && bias.dim() >= 1 &&
      (bias.dim() == 1 || (bias.numel() == bias.size(-1) && weight.dim() == 2 && bias.size(-1) == weight.size(0)));
  if (row_bias && rank > 0 && input.is_contiguous()) {
    // The flattened size is a product, not -1: a 0-size dimension would make -1 ambiguous.
    int64_t rows = 1;
    for (int64_t d = 0; d + 1 < rank; ++d) rows *= input.size(d);
    Tensor out = addmm(bias, reshape(input, {rows, input.size(rank - 1)}), t(weight));
    Dims shape(input.sizes().begin(), input.sizes().end() - 1);
    shape.push_back(out.size(1));
    return view(out, shape);
  }
  Tensor out = matmul(input, t(weight));
  return bias.defined() ? add(out, bias) : out;
}

// ---- one_hot ----

Tensor one_hot(const Tensor& tensor, int64_t num_classes) {
  FG_CHECK(tensor.dtype() == ScalarType::Int64, Error,
           "one_hot is only applicable to index tensor of type LongTensor.");
  Tensor idx = cast(tensor, ScalarType::Int64, /*force_copy=*/!tensor.is_contiguous());
  const int64_t* iv = idx.data<int64_t>();
  const int64_t n = idx.numel();
  if (num_classes == -1) {
    FG_CHECK(n > 0, Error, "Can not infer total number of classes from empty tensor.");
    num_classes = *std::max_element(iv, iv + n) + 1;
  }
  FG_CHECK(num_classes >= -1, Error, "num_classes should be positive or -1, got ", num_classes);
  if (n > 0) {
    FG_CHECK(*std::min_element(iv, iv + n) >= 0, Error, "Class values must be non-negative.");
    FG_CHECK(*std::max_element(iv, iv + n) < num_classes, Error, "Class values must be smaller than num_classes.");
  }
  Dims shape = tensor.sizes();
  shape.push_back(num_classes);
  Tensor out = zeros(shape, ScalarType::Int64);
  cpu::one_hot_rows(out.data<int64_t>(), iv, n, num_classes);
  return out;
}

}  // namespace fastgrad
