// Shape ops and views: methods and function forms.
#include "bindings.h"

namespace fastgrad::python {

void init_shape(py::module_& m) {
  TensorClass cls = tensor_class(m);
  def_both(cls, m, "t", [](const Tensor& x) { return t(x); });
  cls.def_property_readonly("T", [](const Tensor& x) {
        // Reverses all dimensions; for <= 2-D this is t().
        FG_CHECK(x.dim() <= 2, NotImplementedError, "fastgrad: Tensor.T is only supported for <= 2-D tensors yet");
        return t(x);
      });
  def_both(cls, m, "transpose", [](const Tensor& x, int64_t a, int64_t b) { return transpose(x, a, b); },
           py::arg("dim0"), py::arg("dim1"));
  cls.def("view", [](const Tensor& x, py::args shape) { return view(x, dims_from_args(shape, "view")); });
  cls.def("reshape", [](const Tensor& x, py::args shape) { return reshape(x, dims_from_args(shape, "reshape")); });
  cls.def("expand", [](const Tensor& x, py::args shape) { return expand(x, dims_from_args(shape, "expand")); });
  cls.def("expand_as", [](const Tensor& x, const Tensor& o) { return expand(x, o.sizes()); });
  cls.def("view_as", [](const Tensor& x, const Tensor& o) { return view(x, o.sizes()); });
  cls.def("reshape_as", [](const Tensor& x, const Tensor& o) { return reshape(x, o.sizes()); });
  def_both(cls, m, "unsqueeze", [](const Tensor& x, int64_t d) { return unsqueeze(x, d); }, py::arg("dim"));
  def_both(cls, m, "squeeze", [](const Tensor& x, py::object d) {
        return d.is_none() ? squeeze(x) : squeeze(x, d.cast<int64_t>());
      }, py::arg("dim") = py::none());
  def_both(cls, m, "select", [](const Tensor& x, int64_t d, int64_t i) { return select(x, d, i); }, py::arg("dim"),
           py::arg("index"));
}

}  // namespace fastgrad::python
