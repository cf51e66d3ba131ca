// fastgrad._C.Tensor: the C++ TensorImpl itself, with its methods and operators. Hot operators take
// `py::handle` and dispatch on exact types (See docs/design.md, section 8: failed overload conversions cost more
// than the op).
#include <pybind11/operators.h>

#include "bindings.h"

namespace fastgrad::python {

namespace {

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
  // Positional forms: to(dtype | other | device[, dtype], non_blocking, copy). As PyTorch's parser does, a
  // Python bool or float where the dtype goes names its own dtype (to(True) is to(bool), to(0.5) to(float64));
  // after the dtype, bools are non_blocking (ignored: no asynchronous copies) and then copy.
  int flags = 0;
  for (py::handle a : args) {
    const bool is_bool = PyBool_Check(a.ptr()), is_float = PyFloat_Check(a.ptr());
    if ((is_bool || is_float) && !dtype) {
      dtype = is_bool ? ScalarType::Bool : ScalarType::Float64;
    } else if (is_bool) {
      if (flags++ == 1) copy = a.ptr() == Py_True;
    } else {
      take(a);
    }
  }
  for (auto [k, v] : kwargs) {
    std::string key = py::str(k);
    if (key == "dtype" || key == "device" || key == "other") take(v);
    else if (key == "copy") {
      if (!PyBool_Check(v.ptr())) throw py::type_error("to(): argument 'copy' must be bool, not " + py_type_name(v));
      copy = v.ptr() == Py_True;
    }
    else if (key == "non_blocking" || key == "memory_format") continue;
    else throw py::type_error("to() got an unexpected keyword argument '" + key + "'");
  }
  if (!dtype || (*dtype == self.dtype() && !copy)) return copy ? clone(self) : self;
  return to_dtype(self, *dtype, copy);
}

}  // namespace

PyTypeObject* tensor_type() {
  static PyTypeObject* t = reinterpret_cast<PyTypeObject*>(py::type::of<TensorImpl>().ptr());
  return t;
}

TensorClass tensor_class(py::module_& m) { return m.attr("Tensor").cast<TensorClass>(); }

void init_tensor(py::module_& m) {
  // Note [Tensors and the garbage collector]: Tensor objects take part in Python's GC so that a cycle
  // through Python objects held by the graph (a hook that captures its own tensor, a custom Function's
  // ctx holding its output) is found and freed by gc.collect(). See traverse_tensor in hooks.cpp.
  TensorClass cls(m, "Tensor", py::custom_type_setup([](PyHeapTypeObject* heap_type) {
    PyTypeObject* type = &heap_type->ht_type;
    type->tp_flags |= Py_TPFLAGS_HAVE_GC;
    type->tp_traverse = traverse_tensor;
    type->tp_clear = clear_tensor;
    fill_number_slots(heap_type);
  }));
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
      .def("is_contiguous", [](const Tensor& t, py::object) { return t.is_contiguous(); }, py::kw_only(),
           py::arg("memory_format") = py::none())
      .def("is_floating_point", [](const Tensor& t) { return is_floating(t.dtype()); })
      .def("data_ptr", [](const Tensor& t) { return reinterpret_cast<uintptr_t>(t.data_ptr()); })
      // For fastgrad.save / load (python/fastgrad/_checkpoint.py): the storage's address and size, and a tensor
      // sharing the storage with other sizes, strides and offset (no view base, no history, as Tensor.set_).
      .def("_storage_key",
           [](const Tensor& t) {
             return py::make_tuple(reinterpret_cast<uintptr_t>(t.storage()->data()), t.storage()->nbytes());
           })
      .def(
          "_alias",
          [](const Tensor& t, const std::vector<int64_t>& sizes, const std::vector<int64_t>& strides,
             int64_t offset) {
            const auto item = static_cast<int64_t>(element_size(t.dtype()));
            const auto capacity = static_cast<int64_t>(t.storage()->nbytes()) / item;
            if (sizes.size() != strides.size() || offset < 0)
              throw py::value_error("_alias: sizes and strides differ in length, or the offset is negative");
            int64_t last = offset;  // the furthest element the alias reaches
            bool empty = false;
            for (size_t i = 0; i < sizes.size(); ++i) {
              if (sizes[i] < 0 || strides[i] < 0)
                throw py::value_error("_alias: negative size or stride");
              if (sizes[i] == 0) empty = true;
              else if (strides[i] > 0 && (sizes[i] - 1) > (INT64_MAX - last) / strides[i])
                throw py::value_error("_alias: the view's extent overflows");
              else last += (sizes[i] - 1) * strides[i];
            }
            if (!empty && last >= capacity)
              throw py::value_error("_alias: the view reaches element " + std::to_string(last) +
                                    " of a storage of " + std::to_string(capacity));
            return make_alias(t, t.dtype(), Dims(sizes), Dims(strides), offset);
          },
          py::arg("sizes"), py::arg("strides"), py::arg("offset"))
      .def_property_readonly("_version", [](const Tensor& t) { return t.version(); })
      .def_property_readonly("_base", [](const Tensor& t) { return Tensor(t->view_base()); })
      .def("_is_view", [](const Tensor& t) { return t->view_base() != nullptr; })
      .def("item", &item_object)
      .def("__len__", [](const Tensor& t) {
        if (t.dim() == 0) throw py::type_error("len() of a 0-d tensor");
        return t.sizes()[0];
      })
      .def("__bool__", [](const Tensor& t) {
        FG_CHECK(t.numel() != 0, Error, "Boolean value of Tensor with no values is ambiguous");
        FG_CHECK(t.numel() == 1, Error, "Boolean value of Tensor with more than one value is ambiguous");
        return t.item().f != 0;
      })
      .def("__float__", [](const Tensor& t) {
        // PyTorch warns here (and only here: not in item(), int() or bool()).
        if (t.requires_grad() &&
            PyErr_WarnEx(PyExc_UserWarning,
                         "Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.\n"
                         "Consider using tensor.detach() first.",
                         1) < 0)
          throw py::error_already_set();
        FG_CHECK(t.numel() == 1, ValueError, "only one element tensors can be converted to Python scalars");
        return t.item().f;
      })
      .def("__int__", [](const Tensor& t) {
        FG_CHECK(t.numel() == 1, ValueError, "only one element tensors can be converted to Python scalars");
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
                   [](Tensor& t, py::handle r) {
                     FG_CHECK(PyBool_Check(r.ptr()), Error, "requires_grad must be a bool");
                     t.set_requires_grad(r.ptr() == Py_True);
                   })
      .def("requires_grad_", [](py::object self, Flag r) {
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
        t->set_data(*d.get());
        // A leaf's accumulator recorded the old shape and dtype: if they changed, the next graph gets a
        // fresh one (See Note [Leaf accumulator] in autograd/node.cpp).
        if (t.is_leaf()) refresh_grad_accumulator(t);
      })
      .def("backward", [](const Tensor& t, py::object gradient, py::object retain_graph, py::handle create_graph_arg,
                          py::object inputs) {
        const bool create_graph = truthy(create_graph_arg);
        if (!gradient.is_none() && !is_tensor(gradient)) {
          py::handle bad = gradient;
          if (PyList_Check(gradient.ptr()) || PyTuple_Check(gradient.ptr()))
            for (py::handle h : gradient) if (!is_tensor(h) && !h.is_none()) { bad = h; break; }
          throw py::type_error("gradients can be either Tensors or None, but got " +
                               py::str(py::type::of(bad).attr("__name__")).cast<std::string>());
        }
        if (create_graph) warn_backward_create_graph();
        tensor_list grads{gradient.is_none() ? Tensor() : gradient.cast<Tensor>()};
        tensor_list in;
        if (!inputs.is_none()) {
          if (is_tensor(inputs)) in.push_back(as_tensor(inputs));
          else for (py::handle h : inputs) in.push_back(h.cast<Tensor>());
          FG_CHECK(!in.empty(), Error, "`inputs` argument to `backward()` cannot be empty.");
        }
        std::optional<bool> rg = retain_graph.is_none() ? std::nullopt : std::optional<bool>(truthy(retain_graph));
        py::gil_scoped_release release;
        fastgrad::backward({t}, grads, rg, create_graph, in);
      }, py::arg("gradient") = py::none(), py::arg("retain_graph") = py::none(), py::arg("create_graph") = false,
         py::arg("inputs") = py::none());

  // ---- copies, conversions and filling ----
  // zero_ and fill_ are also functions (torch.zero_(t), torch.fill_(t, v)).
  auto zero_method = [](py::object self) {
    Tensor t = as_tensor(self);
    zero_(t);
    return self;
  };
  auto fill_method = [](py::object self, py::handle v) {
    Tensor t = as_tensor(self);
    Scalar s;
    if (is_tensor(v)) {
      fill_(t, as_tensor(v));
      return self;
    } else if (!to_scalar(v, s)) {
      throw py::type_error("fill_(): argument 'value' must be Number, not " +
                           py::str(py::type::of(v).attr("__name__")).cast<std::string>());
    }
    fill_(t, s);
    return self;
  };
  cls.def("zero_", zero_method);
  m.def("zero_", [zero_method](const Tensor& input) { return zero_method(py::cast(input)); }, py::arg("input"));
  cls.def("fill_", fill_method, py::arg("value"));
  m.def("fill_", [fill_method](const Tensor& input, py::handle value) { return fill_method(py::cast(input), value); },
        py::arg("input"), py::arg("value"));
  cls.def("copy_", [](py::object self, const Tensor& src, Flag) {
        Tensor t = as_tensor(self);
        copy_(t, src);
        return self;
      }, py::arg("src"), py::arg("non_blocking") = false);
  // copy_ from a Python number (PyTorch wraps it as a 0-d tensor: float64, int64 or bool)
  cls.def("copy_", [](py::object self, Scalar src, Flag) {
        Tensor t = as_tensor(self);
        const ScalarType wrapped = src.is_floating() ? ScalarType::Float64
                                   : src.is_integral() ? ScalarType::Int64 : ScalarType::Bool;
        copy_(t, scalar_tensor(src, wrapped));
        return self;
      }, py::arg("src"), py::arg("non_blocking") = false);
  // memory_format is keyword-only, as in PyTorch (fastgrad has one layout: its value is not used).
  cls.def("contiguous", [](const Tensor& t, py::object) { return contiguous(t); }, py::kw_only(),
           py::arg("memory_format") = py::none());
  def_both(cls, m, "clone", [](const Tensor& t, py::object) { return clone(t); }, py::kw_only(),
           py::arg("memory_format") = py::none());
  cls.def("to", &tensor_to);
  cls.def("type", [](const Tensor& t, py::object dtype) -> py::object {
        static const char* names[] = {"BoolTensor", "IntTensor", "LongTensor", "FloatTensor", "DoubleTensor", "ByteTensor", "CharTensor", "ShortTensor", "HalfTensor", "BFloat16Tensor"};
        if (dtype.is_none()) return py::str(std::string("fastgrad.") + names[static_cast<int>(t.dtype())]);
        return wrap(to_dtype(t, dtype.cast<ScalarType>()));
      }, py::arg("dtype") = py::none());
  cls.def("float", [](const Tensor& t) { return to_dtype(t, ScalarType::Float32); });
  cls.def("double", [](const Tensor& t) { return to_dtype(t, ScalarType::Float64); });
  cls.def("long", [](const Tensor& t) { return to_dtype(t, ScalarType::Int64); });
  cls.def("int", [](const Tensor& t) { return to_dtype(t, ScalarType::Int32); });
  cls.def("bool", [](const Tensor& t) { return to_dtype(t, ScalarType::Bool); });
  cls.def("half", [](const Tensor& t) { return to_dtype(t, ScalarType::Float16); });
  cls.def("bfloat16", [](const Tensor& t) { return to_dtype(t, ScalarType::BFloat16); });
  cls.def("byte", [](const Tensor& t) { return to_dtype(t, ScalarType::UInt8); });
  cls.def("char", [](const Tensor& t) { return to_dtype(t, ScalarType::Int8); });
  cls.def("short", [](const Tensor& t) { return to_dtype(t, ScalarType::Int16); });
  cls.def("cpu", [](const Tensor& t) { return t; });
  cls.def("cuda", [](const Tensor&, py::args, py::kwargs) {
        check_device(py::str("cuda"));
        return Tensor();
      });
}

}  // namespace fastgrad::python
