// nn.functional ops (the Python layer, python/fastgrad/nn/functional.py, adds PyTorch's signatures).
#include "bindings.h"

namespace fastgrad::python {

void init_nn(py::module_& m) {
  // ---- losses (the Python nn.functional layer adds PyTorch's signatures) ----
  m.def("_mse_loss", [](const Tensor& input, const Tensor& target, const std::string& reduction) {
    return mse_loss(input, target, reduction_from_string(reduction));
  });
  m.def("_binary_cross_entropy_with_logits", [](const Tensor& input, const Tensor& target, std::optional<Tensor> weight,
                                                std::optional<Tensor> pos_weight, const std::string& reduction) {
    return binary_cross_entropy_with_logits(input, target, weight.value_or(Tensor()), pos_weight.value_or(Tensor()),
                                            reduction_from_string(reduction));
  });
}

}  // namespace fastgrad::python
