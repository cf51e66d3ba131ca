// fastgrad._C.Tensor: the C++ TensorImpl itself, with its methods and operators. Hot operators take
// `py::handle` and dispatch on exact types (See DESIGN.md section 10: failed overload conversions cost more
// than the op).
#include <pybind11/operators.h>

#include "bindings.h"

namespace fastgrad::python {

namespace {

PyTypeObject* tensor_type() {
  static PyTypeObject* t = reinterpret_cast<PyTypeObject*>(py::type::of<TensorImpl>().ptr());
  return t;
}
bool is_tensor(py::handle h) { return PyObject_TypeCheck(h.ptr(), tensor_type()); }
Tensor as_tensor(py::handle h) { return h.cast<Tensor>(); }
py::object not_implemented() { return py::reinterpret_borrow<py::object>(Py_NotImplemented); }
py::object wrap(const Tensor& t) { return py::cast(t); }

// self op other, where other is a Tensor or a Python number.
template <class TensorFn, class ScalarFn>
py::object binary(py::handle self, py::handle other, TensorFn tf, ScalarFn sf) {
  Tensor a = as_tensor(self);
  if (is_tensor(other)) return wrap(tf(a, as_tensor(other)));
  Scalar s;
  if (to_scalar(other, s)) return wrap(sf(a, s));
  return not_implemented();
}

// self op= other: returns self itself (the same Python object), as Python's augmented assignment needs.
template <class TensorFn, class ScalarFn>
py::object inplace(py::handle self, py::handle other, TensorFn tf, ScalarFn sf) {
  Tensor a = as_tensor(self);
  if (is_tensor(other)) {
    tf(a, as_tensor(other));
  } else {
    Scalar s;
    if (!to_scalar(other, s)) return not_implemented();
    sf(a, s);
  }
  return py::reinterpret_borrow<py::object>(self);
}

std::optional<ScalarType> opt_dtype(py::handle h) {
  if (h.is_none()) return std::nullopt;
  return h.cast<ScalarType>();
}

// dim=None | int | tuple of ints
std::optional<Dims> opt_dims(py::handle h, const char* op) {
  if (h.is_none()) return std::nullopt;
  return dims_from(h, op);
}

std::vector<TensorIndex> parse_index(py::handle idx) {
  std::vector<TensorIndex> out;
  auto one = [&](py::handle h) {
    TensorIndex i;
    if (h.is_none()) {
      i.kind = TensorIndex::Kind::None;
    } else if (h.ptr() == Py_Ellipsis) {
      i.kind = TensorIndex::Kind::Ellipsis;
    } else if (PySlice_Check(h.ptr())) {
      i.kind = TensorIndex::Kind::Slice;
      auto* s = reinterpret_cast<PySliceObject*>(h.ptr());
      auto get = [](PyObject* o) -> std::optional<int64_t> {
        if (o == Py_None) return std::nullopt;
        return py::reinterpret_borrow<py::object>(o).attr("__index__")().cast<int64_t>();
      };
      i.start = get(s->start);
      i.stop = get(s->stop);
      i.step = get(s->step).value_or(1);
    } else if (PyLong_Check(h.ptr()) && !PyBool_Check(h.ptr())) {
      i.integer = h.cast<int64_t>();
    } else if (is_tensor(h) && as_tensor(h).dim() == 0 && !is_floating(as_tensor(h).dtype()) &&
               as_tensor(h).dtype() != ScalarType::Bool) {
      i.integer = as_tensor(h).item().i;
    } else if (!is_tensor(h) && PyIndex_Check(h.ptr()) && !PyBool_Check(h.ptr())) {
      i.integer = py::reinterpret_borrow<py::object>(h).attr("__index__")().cast<int64_t>();
    } else {
      throw NotImplementedError("fastgrad: indexing with " + py::str(py::type::of(h).attr("__name__")).cast<std::string>() +
                                " (advanced indexing) is not supported yet");
    }
    out.push_back(i);
  };
  if (PyTuple_Check(idx.ptr()))
    for (py::handle h : py::reinterpret_borrow<py::tuple>(idx)) one(h);
  else
    one(idx);
  return out;
}

py::object item_object(const Tensor& t) { return py::cast(t.item()); }

// Tensor.to(...): dtype, device, another tensor, or a mix of them; returns self when nothing changes.
Tensor tensor_to(const Tensor& self, const py::args& args, const py::kwargs& kwargs) {
  std::optional<ScalarType> dtype;
  bool copy = false;
  auto take = [&](py::handle h) {
    if (h.is_none()) return;
    if (is_dtype_object(h) || h.ptr() == reinterpret_cast<PyObject*>(&PyFloat_Type) ||
        h.ptr() == reinterpret_cast<PyObject*>(&PyLong_Type) || h.ptr() == reinterpret_cast<PyObject*>(&PyBool_Type))
      dtype = h.cast<ScalarType>();
    else if (is_tensor(h))
      dtype = as_tensor(h).dtype();
    else
      check_device(h);
  };
  for (py::handle a : args) take(a);
  for (auto [k, v] : kwargs) {
    std::string key = py::str(k);
    if (key == "dtype" || key == "device" || key == "other") take(v);
    else if (key == "copy") copy = v.cast<bool>();
    else if (key == "non_blocking" || key == "memory_format") continue;
    else throw py::type_error("to() got an unexpected keyword argument '" + key + "'");
  }
  if (!dtype || (*dtype == self.dtype() && !copy)) return copy ? clone(self) : self;
  return to_dtype(self, *dtype, copy);
}

}  // namespace

void init_tensor(py::module_& m) {
  py::class_<TensorImpl, std::shared_ptr<TensorImpl>> cls(m, "Tensor");
  cls.attr("__module__") = "fastgrad";
  // The legacy constructor (and what Python subclasses such as nn.Parameter call): a new tensor object
  // over the memory of the one fastgrad._tensor._legacy_source builds from the arguments.
  cls.def(py::init([](py::args args, py::kwargs kwargs) {
    Tensor src = py::module_::import("fastgrad._tensor").attr("_legacy_source")(*args, **kwargs).cast<Tensor>();
    return std::make_shared<TensorImpl>(src.storage(), src.sizes(), src.strides(), src.storage_offset(), src.dtype());
  }));

  // ---- metadata ----
  cls.def_property_readonly("shape", [](const Tensor& t) { return size_object(t.sizes()); })
      .def("size", [](const Tensor& t, py::object dim) -> py::object {
        if (dim.is_none()) return size_object(t.sizes());
        return py::int_(t.size(dim.cast<int64_t>()));
      }, py::arg("dim") = py::none())
      .def("stride", [](const Tensor& t, py::object dim) -> py::object {
        if (dim.is_none()) {
          py::tuple s(t.dim());
          for (int64_t i = 0; i < t.dim(); ++i) s[i] = py::int_(t.strides()[i]);
          return std::move(s);
        }
        return py::int_(t.stride(dim.cast<int64_t>()));
      }, py::arg("dim") = py::none())
      .def("dim", [](const Tensor& t) { return t.dim(); })
      .def("ndimension", [](const Tensor& t) { return t.dim(); })
      .def_property_readonly("ndim", [](const Tensor& t) { return t.dim(); })
      .def("numel", [](const Tensor& t) { return t.numel(); })
      .def("nelement", [](const Tensor& t) { return t.numel(); })
      .def("element_size", [](const Tensor& t) { return element_size(t.dtype()); })
      .def_property_readonly("itemsize", [](const Tensor& t) { return element_size(t.dtype()); })
      .def_property_readonly("nbytes", [](const Tensor& t) { return t.numel() * element_size(t.dtype()); })
      .def_property_readonly("dtype", [](const Tensor& t) { return t.dtype(); })
      .def_property_readonly("is_cuda", [](const Tensor&) { return false; })
      .def_property_readonly("is_cpu", [](const Tensor&) { return true; })
      .def("storage_offset", [](const Tensor& t) { return t.storage_offset(); })
      .def("is_contiguous", [](const Tensor& t, py::object) { return t.is_contiguous(); },
           py::arg("memory_format") = py::none())
      .def("is_floating_point", [](const Tensor& t) { return is_floating(t.dtype()); })
      .def("data_ptr", [](const Tensor& t) { return reinterpret_cast<uintptr_t>(t.data_ptr()); })
      .def_property_readonly("_version", [](const Tensor& t) { return t.version(); })
      .def_property_readonly("_base", [](const Tensor& t) { return Tensor(t->view_base()); })
      .def("_is_view", [](const Tensor& t) { return t->view_base() != nullptr; })
      .def("item", &item_object)
      .def("__len__", [](const Tensor& t) {
        if (t.dim() == 0) throw py::type_error("len() of a 0-d tensor");
        return t.sizes()[0];
      })
      .def("__bool__", [](const Tensor& t) {
        FG_CHECK(t.numel() == 1, Error, "Boolean value of Tensor with more than one value is ambiguous");
        return t.item().f != 0;
      })
      .def("__float__", [](const Tensor& t) {
        FG_CHECK(t.numel() == 1, Error, "only one element tensors can be converted to Python scalars");
        return t.item().f;
      })
      .def("__int__", [](const Tensor& t) {
        FG_CHECK(t.numel() == 1, Error, "only one element tensors can be converted to Python scalars");
        Scalar s = t.item();
        return s.is_floating() ? static_cast<int64_t>(s.f) : s.i;
      })
      .def("__index__", [](const Tensor& t) {
        FG_CHECK(t.numel() == 1 && !is_floating(t.dtype()) && t.dtype() != ScalarType::Bool, TypeError,
                 "only integer tensors of a single element can be converted to an index");
        return t.item().i;
      })
      .def("__hash__", [](py::handle self) { return py::hash(py::int_(reinterpret_cast<uintptr_t>(self.ptr()))); });

  // ---- autograd ----
  cls.def_property("requires_grad", [](const Tensor& t) { return t.requires_grad(); },
                   [](Tensor& t, bool r) { t.set_requires_grad(r); })
      .def("requires_grad_", [](py::object self, bool r) {
        as_tensor(self).set_requires_grad(r);
        return self;
      }, py::arg("requires_grad") = true)
      .def_property_readonly("is_leaf", [](const Tensor& t) { return t.is_leaf(); })
      .def_property_readonly("grad_fn", [](const Tensor& t) { return node_object(t.grad_fn()); })
      .def_property_readonly("output_nr", [](const Tensor& t) { return t.output_nr(); })
      .def_property("grad", [](const Tensor& t) {
        Tensor g = t.grad();
        if (!g.defined() && !t.is_leaf() && !t.retains_grad())
          PyErr_WarnEx(PyExc_UserWarning,
                       "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
                       "attribute won't be populated during autograd.backward(). If you indeed want the .grad field "
                       "to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you "
                       "access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. See "
                       "github.com/pytorch/pytorch/pull/30531 for more information.", 1);
        return g;
      }, [](Tensor& t, py::object g) {
        if (g.is_none()) t.set_grad(Tensor());
        else if (is_tensor(g)) t.set_grad(as_tensor(g));
        else throw py::type_error("assigned grad expected to be a Tensor or None but got grad of type " +
                                  py::str(py::type::of(g).attr("__name__")).cast<std::string>());
      })
      .def("retain_grad", [](const Tensor& t) { t.retain_grad(); })
      .def_property_readonly("retains_grad", [](const Tensor& t) { return t.retains_grad(); })
      .def("detach", [](const Tensor& t) { return t.detach(); })
      .def("detach_", [](py::object self) {
        Tensor t = as_tensor(self);
        FG_CHECK(!t->view_base(), Error, "Can't detach views in-place. Use detach() instead.");
        if (auto* m = t->autograd()) {
          m->grad_fn.reset();
          m->requires_grad = false;
        }
        return self;
      })
      .def_property("data", [](const Tensor& t) { return data_alias(t); }, [](Tensor& t, const Tensor& d) {
        // `x.data = y` makes x look at y's memory and metadata, keeping x's autograd identity.
        FG_CHECK(d.dtype() == t.dtype() || t.is_leaf(), Error, "data set to a tensor of a different dtype");
        t->set_storage(d.storage());
        t->set_sizes_and_strides(d.sizes(), d.strides(), d.storage_offset());
      })
      .def("backward", [](const Tensor& t, py::object gradient, py::object retain_graph, bool create_graph,
                          py::object inputs) {
        tensor_list grads{gradient.is_none() ? Tensor() : gradient.cast<Tensor>()};
        tensor_list in;
        if (!inputs.is_none()) {
          if (is_tensor(inputs)) in.push_back(as_tensor(inputs));
          else for (py::handle h : inputs) in.push_back(h.cast<Tensor>());
          FG_CHECK(!in.empty(), Error, "'inputs' argument to backward() cannot be empty.");
        }
        std::optional<bool> rg = retain_graph.is_none() ? std::nullopt : std::optional<bool>(retain_graph.cast<bool>());
        py::gil_scoped_release release;
        fastgrad::backward({t}, grads, rg, create_graph, in);
      }, py::arg("gradient") = py::none(), py::arg("retain_graph") = py::none(), py::arg("create_graph") = false,
         py::arg("inputs") = py::none());

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

  // ---- indexing ----
  cls.def("__getitem__", [](const Tensor& t, py::handle idx) { return index(t, parse_index(idx)); })
      .def("__setitem__", [](Tensor& t, py::handle idx, py::handle value) {
        Tensor v;
        Scalar s;
        if (is_tensor(value)) v = as_tensor(value);
        else if (to_scalar(value, s)) v = scalar_tensor(s, t.dtype());
        else throw py::type_error("can't assign a " + py::str(py::type::of(value).attr("__name__")).cast<std::string>() +
                                  " to a fastgrad tensor");
        index_put_(t, parse_index(idx), v);
      });

  // ---- methods (and their function forms) ----
  // Ops that are both a Tensor method and a fastgrad function (`x.exp()` and `fastgrad.exp(x)`).
  auto both = [&](const char* name, auto f, auto... extra) {
    cls.def(name, f, extra...);
    m.def(name, f, py::arg("input"), extra...);
  };
  both("add", [](py::handle a, py::handle b, Scalar alpha) {
        return binary(a, b, [&](const Tensor& x, const Tensor& y) { return add(x, y, alpha); },
                      [&](const Tensor& x, Scalar s) { return add(x, s, alpha); });
      }, py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  both("sub", [](py::handle a, py::handle b, Scalar alpha) {
        return binary(a, b, [&](const Tensor& x, const Tensor& y) { return sub(x, y, alpha); },
                      [&](const Tensor& x, Scalar s) { return sub(x, s, alpha); });
      }, py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  both("mul", [](py::handle a, py::handle b) {
        return binary(a, b, [](const Tensor& x, const Tensor& y) { return mul(x, y); },
                      [](const Tensor& x, Scalar s) { return mul(x, s); });
      }, py::arg("other"));
  both("div", [](py::handle a, py::handle b) {
        return binary(a, b, [](const Tensor& x, const Tensor& y) { return div(x, y); },
                      [](const Tensor& x, Scalar s) { return div(x, s); });
      }, py::arg("other"));
  both("pow", [](py::handle a, py::handle b) {
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
  cls.def("zero_", [](py::object self) {
        Tensor t = as_tensor(self);
        zero_(t);
        return self;
      });
  cls.def("fill_", [](py::object self, py::handle v) {
        Tensor t = as_tensor(self);
        Scalar s;
        if (is_tensor(v)) {
          FG_CHECK(as_tensor(v).dim() == 0, Error, "fill_ only supports 0-dimension value tensor but got tensor with ",
                   as_tensor(v).dim(), " dimensions.");
          s = as_tensor(v).item();
        } else if (!to_scalar(v, s)) {
          throw py::type_error("fill_(): argument 'value' must be Number, not " +
                               py::str(py::type::of(v).attr("__name__")).cast<std::string>());
        }
        fill_(t, s);
        return self;
      }, py::arg("value"));
  cls.def("copy_", [](py::object self, const Tensor& src, bool) {
        Tensor t = as_tensor(self);
        copy_(t, src);
        return self;
      }, py::arg("src"), py::arg("non_blocking") = false);
  for (auto [name, op] : {std::pair{"eq", CompareOp::Eq}, std::pair{"ne", CompareOp::Ne}, std::pair{"lt", CompareOp::Lt},
                          std::pair{"le", CompareOp::Le}, std::pair{"gt", CompareOp::Gt}, std::pair{"ge", CompareOp::Ge}}) {
    both(name, [op = op](py::handle a, py::handle b) {
      return binary(a, b, [op](const Tensor& x, const Tensor& y) { return compare(x, y, op); },
                    [op](const Tensor& x, Scalar s) { return compare(x, s, op); });
    }, py::arg("other"));
  }
  both("neg", [](const Tensor& t) { return neg(t); });
  both("exp", [](const Tensor& t) { return exp(t); });
  both("log", [](const Tensor& t) { return log(t); });
  both("sin", [](const Tensor& t) { return sin(t); });
  both("cos", [](const Tensor& t) { return cos(t); });
  both("sqrt", [](const Tensor& t) { return sqrt(t); });
  both("reciprocal", [](const Tensor& t) { return reciprocal(t); });
  both("relu", [](const Tensor& t) { return relu(t); });
  both("sigmoid", [](const Tensor& t) { return sigmoid(t); });
  both("tanh", [](const Tensor& t) { return tanh(t); });
  both("clamp", [](const Tensor& t, std::optional<Scalar> lo, std::optional<Scalar> hi) { return clamp(t, lo, hi); },
           py::arg("min") = py::none(), py::arg("max") = py::none());
  both("clip", [](const Tensor& t, std::optional<Scalar> lo, std::optional<Scalar> hi) { return clamp(t, lo, hi); },
           py::arg("min") = py::none(), py::arg("max") = py::none());
  both("sum", [](const Tensor& t, py::object dim, bool keepdim, py::object dtype) {
        auto dims = opt_dims(dim, "sum");
        return dims ? sum(t, *dims, keepdim, opt_dtype(dtype)) : sum(t, opt_dtype(dtype));
      }, py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(), py::arg("dtype") = py::none());
  both("mean", [](const Tensor& t, py::object dim, bool keepdim, py::object dtype) {
        auto dims = opt_dims(dim, "mean");
        return dims ? mean(t, *dims, keepdim, opt_dtype(dtype)) : mean(t, opt_dtype(dtype));
      }, py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(), py::arg("dtype") = py::none());
  both("norm", [](const Tensor& t, py::object p, py::object dim, bool keepdim) {
        double pv = 2;
        if (!p.is_none() && !(PyUnicode_Check(p.ptr()) && p.cast<std::string>() == "fro")) pv = p.cast<double>();
        auto dims = opt_dims(dim, "norm");
        return norm(t, pv, dims ? *dims : Dims{}, keepdim);
      }, py::arg("p") = "fro", py::arg("dim") = py::none(), py::arg("keepdim") = false);
  both("t", [](const Tensor& x) { return t(x); });
  cls.def_property_readonly("T", [](const Tensor& x) {
        // Reverses all dimensions; for <= 2-D this is t().
        FG_CHECK(x.dim() <= 2, NotImplementedError, "fastgrad: Tensor.T is only supported for <= 2-D tensors yet");
        return t(x);
      });
  both("transpose", [](const Tensor& x, int64_t a, int64_t b) { return transpose(x, a, b); },
           py::arg("dim0"), py::arg("dim1"));
  cls.def("view", [](const Tensor& x, py::args shape) { return view(x, dims_from_args(shape, "view")); });
  cls.def("reshape", [](const Tensor& x, py::args shape) { return reshape(x, dims_from_args(shape, "reshape")); });
  cls.def("expand", [](const Tensor& x, py::args shape) { return expand(x, dims_from_args(shape, "expand")); });
  cls.def("expand_as", [](const Tensor& x, const Tensor& o) { return expand(x, o.sizes()); });
  cls.def("view_as", [](const Tensor& x, const Tensor& o) { return view(x, o.sizes()); });
  cls.def("reshape_as", [](const Tensor& x, const Tensor& o) { return reshape(x, o.sizes()); });
  both("unsqueeze", [](const Tensor& x, int64_t d) { return unsqueeze(x, d); }, py::arg("dim"));
  both("squeeze", [](const Tensor& x, py::object d) {
        return d.is_none() ? squeeze(x) : squeeze(x, d.cast<int64_t>());
      }, py::arg("dim") = py::none());
  both("select", [](const Tensor& x, int64_t d, int64_t i) { return select(x, d, i); }, py::arg("dim"),
           py::arg("index"));
  both("matmul", [](const Tensor& a, const Tensor& b) { return matmul(a, b); }, py::arg("other"));
  both("mm", [](const Tensor& a, const Tensor& b) { return mm(a, b); }, py::arg("mat2"));
  both("mv", [](const Tensor& a, const Tensor& b) { return mv(a, b); }, py::arg("vec"));
  both("dot", [](const Tensor& a, const Tensor& b) { return dot(a, b); }, py::arg("other"));
  cls.def("contiguous", [](const Tensor& t, py::object) { return contiguous(t); },
           py::arg("memory_format") = py::none());
  both("clone", [](const Tensor& t, py::object) { return clone(t); }, py::arg("memory_format") = py::none());
  cls.def("to", &tensor_to);
  cls.def("type", [](const Tensor& t, py::object dtype) -> py::object {
        static const char* names[] = {"BoolTensor", "IntTensor", "LongTensor", "FloatTensor", "DoubleTensor"};
        if (dtype.is_none()) return py::str(std::string("fastgrad.") + names[static_cast<int>(t.dtype())]);
        return wrap(to_dtype(t, dtype.cast<ScalarType>()));
      }, py::arg("dtype") = py::none());
  cls.def("float", [](const Tensor& t) { return to_dtype(t, ScalarType::Float32); });
  cls.def("double", [](const Tensor& t) { return to_dtype(t, ScalarType::Float64); });
  cls.def("long", [](const Tensor& t) { return to_dtype(t, ScalarType::Int64); });
  cls.def("int", [](const Tensor& t) { return to_dtype(t, ScalarType::Int32); });
  cls.def("bool", [](const Tensor& t) { return to_dtype(t, ScalarType::Bool); });
  cls.def("cpu", [](const Tensor& t) { return t; });
  cls.def("cuda", [](const Tensor&, py::args, py::kwargs) {
        check_device(py::str("cuda"));
        return Tensor();
      });
}

}  // namespace fastgrad::python
