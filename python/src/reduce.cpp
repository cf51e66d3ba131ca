// Reductions: methods and function forms.
#include "bindings.h"

namespace fastgrad::python {

void init_reduce(py::module_& m) {
  TensorClass cls = tensor_class(m);
  def_both(cls, m, "sum", [](const Tensor& t, py::object dim, bool keepdim, py::object dtype) {
        auto dims = opt_dims(dim, "sum");
        return dims ? sum(t, *dims, keepdim, opt_dtype(dtype)) : sum(t, opt_dtype(dtype));
      }, py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(), py::arg("dtype") = py::none());
  def_both(cls, m, "mean", [](const Tensor& t, py::object dim, bool keepdim, py::object dtype) {
        auto dims = opt_dims(dim, "mean");
        return dims ? mean(t, *dims, keepdim, opt_dtype(dtype)) : mean(t, opt_dtype(dtype));
      }, py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(), py::arg("dtype") = py::none());
  def_both(cls, m, "norm", [](const Tensor& t, py::object p, py::object dim, bool keepdim) {
        double pv = 2;
        if (!p.is_none() && !(PyUnicode_Check(p.ptr()) && p.cast<std::string>() == "fro")) pv = p.cast<double>();
        auto dims = opt_dims(dim, "norm");
        return norm(t, pv, dims ? *dims : Dims{}, keepdim);
      }, py::arg("p") = "fro", py::arg("dim") = py::none(), py::arg("keepdim") = false);
}

}  // namespace fastgrad::python
