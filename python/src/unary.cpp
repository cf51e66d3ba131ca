// Elementwise unary ops: methods and function forms.
#include "bindings.h"

namespace fastgrad::python {

void init_unary(py::module_& m) {
  TensorClass cls = tensor_class(m);
  def_both(cls, m, "neg", [](const Tensor& t) { return neg(t); });
  def_both(cls, m, "exp", [](const Tensor& t) { return exp(t); });
  def_both(cls, m, "log", [](const Tensor& t) { return log(t); });
  def_both(cls, m, "sin", [](const Tensor& t) { return sin(t); });
  def_both(cls, m, "cos", [](const Tensor& t) { return cos(t); });
  def_both(cls, m, "sqrt", [](const Tensor& t) { return sqrt(t); });
  def_both(cls, m, "reciprocal", [](const Tensor& t) { return reciprocal(t); });
  def_both(cls, m, "relu", [](const Tensor& t) { return relu(t); });
  def_both(cls, m, "sigmoid", [](const Tensor& t) { return sigmoid(t); });
  def_both(cls, m, "tanh", [](const Tensor& t) { return tanh(t); });
  def_both(cls, m, "clamp", [](const Tensor& t, std::optional<Scalar> lo, std::optional<Scalar> hi) { return clamp(t, lo, hi); },
           py::arg("min") = py::none(), py::arg("max") = py::none());
  def_both(cls, m, "clip", [](const Tensor& t, std::optional<Scalar> lo, std::optional<Scalar> hi) { return clamp(t, lo, hi); },
           py::arg("min") = py::none(), py::arg("max") = py::none());
}

}  // namespace fastgrad::python
