// Elementwise binary ops: Python operators, methods and function forms.
#include "bindings.h"

namespace fastgrad::python {

void init_binary(py::module_& m) {
  TensorClass cls = tensor_class(m);
  // ---- operators ----
  cls.def("__add__", [](py::handle a, py::handle b) {
        return binary(a, b, [](const Tensor& x, const Tensor& y) { return add(x, y); },
                      [](const Tensor& x, Scalar s) { return add(x, s); });
      })
      .def("__radd__", [](py::handle a, py::handle b) {
        return binary(a, b, [](const Tensor& x, const Tensor& y) { return add(y, x); },
                      [](const Tensor& x, Scalar s) { return add(x, s); });
      })
      .def("__iadd__", [](py::handle a, py::handle b) {
        return inplace(a, b, [](Tensor& x, const Tensor& y) { add_(x, y); }, [](Tensor& x, Scalar s) { add_(x, s); });
      })
      .def("__sub__", [](py::handle a, py::handle b) {
        return binary(a, b, [](const Tensor& x, const Tensor& y) { return sub(x, y); },
                      [](const Tensor& x, Scalar s) { return sub(x, s); });
      })
      .def("__rsub__", [](py::handle a, py::handle b) {
        return binary(a, b, [](const Tensor& x, const Tensor& y) { return sub(y, x); },
                      [](const Tensor& x, Scalar s) { return rsub(x, s); });
      })
      .def("__isub__", [](py::handle a, py::handle b) {
        return inplace(a, b, [](Tensor& x, const Tensor& y) { sub_(x, y); }, [](Tensor& x, Scalar s) { sub_(x, s); });
      })
      .def("__mul__", [](py::handle a, py::handle b) {
        return binary(a, b, [](const Tensor& x, const Tensor& y) { return mul(x, y); },
                      [](const Tensor& x, Scalar s) { return mul(x, s); });
      })
      .def("__rmul__", [](py::handle a, py::handle b) {
        return binary(a, b, [](const Tensor& x, const Tensor& y) { return mul(y, x); },
                      [](const Tensor& x, Scalar s) { return mul(x, s); });
      })
      .def("__imul__", [](py::handle a, py::handle b) {
        return inplace(a, b, [](Tensor& x, const Tensor& y) { mul_(x, y); }, [](Tensor& x, Scalar s) { mul_(x, s); });
      })
      .def("__truediv__", [](py::handle a, py::handle b) {
        return binary(a, b, [](const Tensor& x, const Tensor& y) { return div(x, y); },
                      [](const Tensor& x, Scalar s) { return div(x, s); });
      })
      .def("__rtruediv__", [](py::handle a, py::handle b) {
        return binary(a, b, [](const Tensor& x, const Tensor& y) { return div(y, x); },
                      [](const Tensor& x, Scalar s) { return rdiv(x, s); });
      })
      .def("__itruediv__", [](py::handle a, py::handle b) {
        return inplace(a, b, [](Tensor& x, const Tensor& y) { div_(x, y); }, [](Tensor& x, Scalar s) { div_(x, s); });
      })
      .def("__pow__", [](py::handle a, py::handle b, py::object) {
        return binary(a, b, [](const Tensor& x, const Tensor& y) { return pow(x, y); },
                      [](const Tensor& x, Scalar s) { return pow(x, s); });
      }, py::arg("other"), py::arg("modulo") = py::none())
      .def("__rpow__", [](py::handle a, py::handle b, py::object) {
        return binary(a, b, [](const Tensor& x, const Tensor& y) { return pow(y, x); },
                      [](const Tensor& x, Scalar s) { return pow(s, x); });
      }, py::arg("other"), py::arg("modulo") = py::none())
      .def("__matmul__", [](py::handle a, py::handle b) -> py::object {
        if (!is_tensor(b)) return not_implemented();
        return wrap(matmul(as_tensor(a), as_tensor(b)));
      })
      .def("__rmatmul__", [](py::handle a, py::handle b) -> py::object {
        if (!is_tensor(b)) return not_implemented();
        return wrap(matmul(as_tensor(b), as_tensor(a)));
      })
      .def("__neg__", [](const Tensor& t) { return neg(t); })
      .def("__pos__", [](const Tensor& t) { return t; });

  auto compare_op = [&cls](const char* name, CompareOp op) {
    cls.def(name, [op](py::handle a, py::handle b) {
      return binary(a, b, [op](const Tensor& x, const Tensor& y) { return compare(x, y, op); },
                    [op](const Tensor& x, Scalar s) { return compare(x, s, op); });
    });
  };
  compare_op("__eq__", CompareOp::Eq);
  compare_op("__ne__", CompareOp::Ne);
  compare_op("__lt__", CompareOp::Lt);
  compare_op("__le__", CompareOp::Le);
  compare_op("__gt__", CompareOp::Gt);
  compare_op("__ge__", CompareOp::Ge);

  def_both(cls, m, "add", [](py::handle a, py::handle b, Scalar alpha) {
        return binary(a, b, [&](const Tensor& x, const Tensor& y) { return add(x, y, alpha); },
                      [&](const Tensor& x, Scalar s) { return add(x, s, alpha); });
      }, py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  def_both(cls, m, "sub", [](py::handle a, py::handle b, Scalar alpha) {
        return binary(a, b, [&](const Tensor& x, const Tensor& y) { return sub(x, y, alpha); },
                      [&](const Tensor& x, Scalar s) { return sub(x, s, alpha); });
      }, py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  def_both(cls, m, "mul", [](py::handle a, py::handle b) {
        return binary(a, b, [](const Tensor& x, const Tensor& y) { return mul(x, y); },
                      [](const Tensor& x, Scalar s) { return mul(x, s); });
      }, py::arg("other"));
  def_both(cls, m, "div", [](py::handle a, py::handle b) {
        return binary(a, b, [](const Tensor& x, const Tensor& y) { return div(x, y); },
                      [](const Tensor& x, Scalar s) { return div(x, s); });
      }, py::arg("other"));
  def_both(cls, m, "pow", [](py::handle a, py::handle b) {
        return binary(a, b, [](const Tensor& x, const Tensor& y) { return pow(x, y); },
                      [](const Tensor& x, Scalar s) { return pow(x, s); });
      }, py::arg("exponent"));
  cls.def("add_", [](py::handle a, py::handle b, Scalar alpha) {
        return inplace(a, b, [&](Tensor& x, const Tensor& y) { add_(x, y, alpha); },
                       [&](Tensor& x, Scalar s) { add_(x, s, alpha); });
      }, py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  cls.def("sub_", [](py::handle a, py::handle b, Scalar alpha) {
        return inplace(a, b, [&](Tensor& x, const Tensor& y) { sub_(x, y, alpha); },
                       [&](Tensor& x, Scalar s) { sub_(x, s, alpha); });
      }, py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  cls.def("mul_", [](py::handle a, py::handle b) {
        return inplace(a, b, [](Tensor& x, const Tensor& y) { mul_(x, y); }, [](Tensor& x, Scalar s) { mul_(x, s); });
      }, py::arg("other"));
  cls.def("div_", [](py::handle a, py::handle b) {
        return inplace(a, b, [](Tensor& x, const Tensor& y) { div_(x, y); }, [](Tensor& x, Scalar s) { div_(x, s); });
      }, py::arg("other"));
  for (auto [name, op] : {std::pair{"eq", CompareOp::Eq}, std::pair{"ne", CompareOp::Ne}, std::pair{"lt", CompareOp::Lt},
                          std::pair{"le", CompareOp::Le}, std::pair{"gt", CompareOp::Gt}, std::pair{"ge", CompareOp::Ge}}) {
    def_both(cls, m, name, [op = op](py::handle a, py::handle b) {
      return binary(a, b, [op](const Tensor& x, const Tensor& y) { return compare(x, y, op); },
                    [op](const Tensor& x, Scalar s) { return compare(x, s, op); });
    }, py::arg("other"));
  };
}

}  // namespace fastgrad::python
