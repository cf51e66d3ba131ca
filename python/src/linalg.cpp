// Matrix products: operators, methods and function forms.
#include "bindings.h"

namespace fastgrad::python {

void init_linalg(py::module_& m) {
  TensorClass cls = tensor_class(m);
  def_both(cls, m, "matmul", [](const Tensor& a, const Tensor& b) { return matmul(a, b); }, py::arg("other"));
  def_both(cls, m, "mm", [](const Tensor& a, const Tensor& b) { return mm(a, b); }, py::arg("mat2"));
  def_both(cls, m, "mv", [](const Tensor& a, const Tensor& b) { return mv(a, b); }, py::arg("vec"));
  def_both(cls, m, "dot", [](const Tensor& a, const Tensor& b) { return dot(a, b); }, py::arg("other"));
}

}  // namespace fastgrad::python
