// fastgrad._C: the module, its exception translation and the small conversions every binding file uses.
#include <cstdlib>
#include <cstring>

#include "bindings.h"

namespace fastgrad::python {

namespace {
// Module-lifetime Python objects are held as raw strong references and never released: C++ static
// destructors run after the interpreter is gone, when releasing them would crash.
PyObject* dtype_objects[kNumScalarTypes];
PyObject* size_class = nullptr;  // fastgrad.Size, set by the Python package at import
PyTypeObject* dtype_type = nullptr;
}  // namespace

py::object dtype_object(ScalarType t) { return py::reinterpret_borrow<py::object>(dtype_objects[static_cast<int>(t)]); }
bool is_dtype_object(py::handle h) { return dtype_type && Py_TYPE(h.ptr()) == dtype_type; }

bool to_scalar(py::handle h, Scalar& out) {
  PyObject* o = h.ptr();
  if (PyBool_Check(o)) {
    out = Scalar(o == Py_True);
    return true;
  }
  if (PyLong_Check(o)) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    // PyTorch's messages for Python ints outside int64 (it reads [2**63, 2**64) as uint64, which fastgrad's
    // Scalar cannot hold: those are refused too).
    if (overflow) {
      PyErr_SetString(PyExc_OverflowError, overflow < 0 ? "can't convert negative int to unsigned" : "int too big to convert");
      throw py::error_already_set();
    }
    out = Scalar(static_cast<int64_t>(v));
    return true;
  }
  if (PyFloat_Check(o)) {
    out = Scalar(PyFloat_AS_DOUBLE(o));
    return true;
  }
  // NumPy scalars and other numbers (but never a Tensor: those go to the tensor overloads).
  if (PyObject_TypeCheck(o, reinterpret_cast<PyTypeObject*>(py::type::of<TensorImpl>().ptr()))) return false;
  if (PyIndex_Check(o)) {
    py::object i = py::reinterpret_steal<py::object>(PyNumber_Index(o));
    if (!i) throw py::error_already_set();
    return to_scalar(i, out);
  }
  if (Py_TYPE(o)->tp_as_number && Py_TYPE(o)->tp_as_number->nb_float) {
    double d = PyFloat_AsDouble(o);
    if (d == -1.0 && PyErr_Occurred()) throw py::error_already_set();
    out = Scalar(d);
    return true;
  }
  return false;
}

void check_device(py::handle device) {
  if (device.is_none()) return;
  std::string s;
  if (PyUnicode_Check(device.ptr())) {
    s = device.cast<std::string>();
  } else if (py::hasattr(device, "type")) {
    s = py::str(device).cast<std::string>();
  } else if (PyLong_Check(device.ptr())) {
    s = "cuda:" + py::str(device).cast<std::string>();  // PyTorch reads an int as a CUDA ordinal
  } else {
    throw py::type_error("device must be a string, a fastgrad.device or None, got " +
                         py::str(py::type::of(device)).cast<std::string>());
  }
  if (s.empty()) throw std::runtime_error("Device string must not be empty");
  std::string type = s.substr(0, s.find(':'));
  std::string index = s.find(':') == std::string::npos ? "0" : s.substr(s.find(':') + 1);
  if (index.empty() || index.find_first_not_of("0123456789") != std::string::npos)
    throw std::runtime_error("Invalid device string: '" + s + "'");
  if (type == "cpu") {
    if (index == "0") return;
    throw std::runtime_error("fastgrad: the CPU is device 0; got device '" + s + "'");
  }
  if (type == "cuda") {
    PyErr_SetString(PyExc_AssertionError, "fastgrad not compiled with CUDA enabled");
    throw py::error_already_set();
  }
  static const char* known[] = {"cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga",
                                "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone"};
  for (const char* k : known)
    if (type == k)
      throw std::runtime_error("fastgrad runs on the CPU only: device type '" + type + "' is not available");
  throw std::runtime_error(
      "Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, maia, xla, lazy, vulkan, "
      "mps, meta, hpu, mtia, privateuseone device type at start of device string: " + s);
}

bool load_int(py::handle h, bool convert, int64_t& out) {
  PyObject* o = h.ptr();
  if (PyBool_Check(o)) return false;
  if (!PyLong_Check(o)) {
    if (PyObject_TypeCheck(o, tensor_type())) {
      if (!convert) return false;
      const Tensor& t = tensor_ref(o);
      if (t.dim() != 0 || is_floating(t.dtype()) || t.dtype() == ScalarType::Bool) return false;
      out = t.item().i;
      return true;
    }
    // NumPy integer scalars (numpy.bool_ has __index__ too, but is not an int to PyTorch)
    const char* tp = Py_TYPE(o)->tp_name;
    if (!PyIndex_Check(o) || std::strncmp(tp, "numpy.", 6) != 0 || std::strcmp(tp, "numpy.bool") == 0 ||
        std::strcmp(tp, "numpy.bool_") == 0)
      return false;
    py::object index = py::reinterpret_steal<py::object>(PyNumber_Index(o));
    if (!index) throw py::error_already_set();
    return load_int(index, convert, out);
  }
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
  if (overflow) throw py::value_error("Overflow when unpacking long long");
  if (v == -1 && PyErr_Occurred()) throw py::error_already_set();
  out = static_cast<int64_t>(v);
  return true;
}

bool scalar_from_tensor(py::handle h, Scalar& out) {
  if (!is_tensor(h)) return false;
  const Tensor& t = tensor_ref(h.ptr());
  if (t.dim() != 0 || t.requires_grad()) return false;
  out = t.item();
  return true;
}

bool load_real(py::handle h, double& out) {
  PyObject* o = h.ptr();
  if (PyLong_Check(o) && !PyBool_Check(o)) {
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow == 0) {
      if (v == -1 && PyErr_Occurred()) throw py::error_already_set();
      out = static_cast<double>(v);
      return true;
    }
    if (overflow < 0) {
      PyErr_SetString(PyExc_OverflowError, "can't convert negative int to unsigned");
      throw py::error_already_set();
    }
    const unsigned long long u = PyLong_AsUnsignedLongLong(o);
    if (PyErr_Occurred()) {
      PyErr_Clear();
      PyErr_SetString(PyExc_OverflowError, "int too big to convert");
      throw py::error_already_set();
    }
    out = static_cast<double>(u);
    return true;
  }
  Scalar s;
  if (to_scalar(h, s)) {
    out = s.f;
    return true;
  }
  if (PyObject_TypeCheck(o, tensor_type())) {  // a one-element tensor, as PyTorch's Scalar parameters take one
    const Tensor& t = tensor_ref(o);
    if (t.numel() != 1) return false;
    out = t.item().f;
    return true;
  }
  // other objects with __float__ (a 0-d NumPy array)
  PyNumberMethods* nb = Py_TYPE(o)->tp_as_number;
  if (!nb || !nb->nb_float || PyUnicode_Check(o)) return false;
  out = PyFloat_AsDouble(o);
  if (out == -1.0 && PyErr_Occurred()) throw py::error_already_set();
  return true;
}

int64_t int_arg(py::handle h, const char* op, const char* name, int position) {
  int64_t v = 0;
  if (load_int(h, true, v)) return v;
  std::string s = std::string(op) + "(): argument '" + name + "'";
  if (position > 0) s += " (position " + std::to_string(position) + ")";
  throw py::type_error(s + " must be int, not " + py_type_name(h));
}

py::object size_object(const Dims& sizes) {
  py::tuple t(sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) t[i] = py::int_(sizes[i]);
  if (!size_class) return std::move(t);
  return py::reinterpret_borrow<py::object>(size_class)(t);
}

namespace {

// "op(): argument 'name' (position p)" -- PyTorch's prefix for argument errors (no position for keywords).
std::string arg_prefix(const IntListArg& a) {
  std::string s = std::string(a.op) + "(): argument '" + a.name + "'";
  if (a.position > 0) s += " (position " + std::to_string(a.position) + ")";
  return s;
}

// One element of an int list: a Python int, an object with __index__ (NumPy integers), or a one-element
// integer Tensor, as PyTorch reads them. A bool is refused as the first element (PyTorch's parser decides from
// the first element whether the argument is an int list at all, and a bool is not an int there) and read as 0
// or 1 after it (the elements are then unpacked as Python ints: torch.zeros(2, True) is zeros(2, 1)).
// Anything else gives std::nullopt.
std::optional<int64_t> int_element(py::handle h, const IntListArg& a, size_t pos) {
  PyObject* o = h.ptr();
  if (PyBool_Check(o)) {
    if (pos == 0) return std::nullopt;
    return o == Py_True ? 1 : 0;
  }
  py::object index;
  if (PyObject_TypeCheck(o, tensor_type())) {
    const Tensor& t = tensor_ref(o);
    if (t.numel() != 1 || is_floating(t.dtype()) || t.dtype() == ScalarType::Bool) return std::nullopt;
    return t.item().i;
  }
  if (!PyLong_Check(o)) {
    if (!PyIndex_Check(o)) return std::nullopt;
    index = py::reinterpret_steal<py::object>(PyNumber_Index(o));
    if (!index) {  // e.g. a NumPy array of several elements: not an int after all
      if (!PyErr_ExceptionMatches(PyExc_TypeError)) throw py::error_already_set();
      PyErr_Clear();
      return std::nullopt;
    }
    o = index.ptr();
  }
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
  if (overflow)
    throw py::type_error(std::string(a.op) + "(): argument '" + a.name + "' failed to unpack the object at pos " +
                         std::to_string(pos + 1) + " with error \"Overflow when unpacking long long\"");
  if (v == -1 && PyErr_Occurred()) throw py::error_already_set();
  return static_cast<int64_t>(v);
}

}  // namespace

// Note [Int lists]: every size, shape and dim list from Python comes through here, so the accepted forms
// and the errors are PyTorch's everywhere: a list or tuple (a fastgrad.Size is one) of ints, NumPy integers
// or one-element integer tensors (bools after the first element, see int_element); where the argument may be a single int (`a.single`), also an int or a
// one-element integer tensor. Anything else -- a Tensor of several elements, a float, a string, a NumPy
// array -- is a TypeError naming the op and the argument. Only lists and tuples are iterated, each item held
// by a reference of its own: a Tensor's items are new objects, and a borrowed handle to one (what iterating
// a py::sequence gives) dangles as soon as the iterator moves on, which crashed the interpreter.
Dims dims_from(py::handle h, const IntListArg& a) {
  Dims d;
  PyObject* o = h.ptr();
  if (PyList_Check(o) || PyTuple_Check(o)) {
    py::sequence seq = py::reinterpret_borrow<py::sequence>(h);
    const size_t n = seq.size();
    for (size_t i = 0; i < n; ++i) {
      py::object item = seq[i];
      auto v = int_element(item, a, i);
      if (!v)
        throw py::type_error(arg_prefix(a) + " must be tuple of ints, but found element of type " + py_type_name(item) +
                             " at pos " + std::to_string(i));
      d.push_back(*v);
    }
    return d;
  }
  if (a.single && !PyBool_Check(o) && (PyObject_TypeCheck(o, tensor_type()) || PyIndex_Check(o))) {
    if (auto v = int_element(h, a, 0)) {
      d.push_back(*v);
      return d;
    }
  }
  throw py::type_error(arg_prefix(a) + " must be tuple of ints, not " + py_type_name(h));
}

Dims dims_from(py::handle h, const char* op, const char* name, int position, bool single) {
  return dims_from(h, IntListArg{op, name, position, single});
}

Dims dims_from_args(const py::args& args, const char* op, const char* name) {
  const IntListArg a{op, name, 1, true};
  if (args.size() == 0) throw py::type_error(std::string(op) + "() missing 1 required positional arguments: \"" + name + "\"");
  if (args.size() == 1) return dims_from(args[0], a);
  // Spread out (`zeros(2, 3)`): each argument is one element.
  Dims d;
  for (size_t i = 0; i < args.size(); ++i) {
    auto v = int_element(args[i], a, i);
    if (!v)
      throw py::type_error(std::string(op) + "(): argument '" + name + "' failed to unpack the object at pos " +
                           std::to_string(i + 1) + " with error \"type must be tuple of ints,but got " +
                           py_type_name(args[i]) + "\"");
    d.push_back(*v);
  }
  return d;
}

void init_dtype(py::module_& m) {
  auto cls = py::class_<DType>(m, "dtype");
  cls.def_property_readonly("is_floating_point", [](const DType& d) { return is_floating(d.type); })
      .def_property_readonly("is_signed",
                             [](const DType& d) { return d.type != ScalarType::Bool && d.type != ScalarType::UInt8; })
      .def_property_readonly("is_complex", [](const DType&) { return false; })
      .def_property_readonly("itemsize", [](const DType& d) { return element_size(d.type); })
      .def("__repr__", [](const DType& d) { return std::string("fastgrad.") + dtype_name(d.type); })
      .def("__reduce__", [](const DType& d) { return std::string(dtype_name(d.type)); });
  dtype_type = reinterpret_cast<PyTypeObject*>(cls.ptr());
  for (int i = 0; i < kNumScalarTypes; ++i) {
    auto t = static_cast<ScalarType>(i);
    dtype_objects[i] = py::cast(DType{t}).release().ptr();
    m.attr(dtype_name(t)) = dtype_object(t);
  }
  m.def("_check_device", [](py::handle d) { check_device(d); });
  // The int-list parser for the Python layer (nn.functional's kernel sizes, strides, paddings): a tuple.
  m.def("_int_list", [](py::handle value, const std::string& op, const std::string& name, int position, bool single) {
    Dims d = dims_from(value, IntListArg{op.c_str(), name.c_str(), position, single});
    py::tuple t(d.size());
    for (size_t i = 0; i < d.size(); ++i) t[i] = py::int_(d[i]);
    return t;
  }, py::arg("value"), py::arg("op"), py::arg("name"), py::arg("position") = 0, py::arg("single") = true);
  m.def("_set_size_class", [](py::object cls) { size_class = cls.release().ptr(); });
  m.def("get_default_dtype", [] { return default_dtype(); });
  m.def("set_default_dtype", [](ScalarType t) { set_default_dtype(t); }, py::arg("d"), py::pos_only());
  m.def("promote_types", [](ScalarType a, ScalarType b) { return promote_types(a, b); }, py::arg("type1"),
        py::arg("type2"));
  m.def("_blas_name", [] { return std::string(blas_name()); });
  // Note [Docstrings of bound functions]: fastgrad/_docs.py gives each pybind11 function (module function or
  // Tensor method) CPython's internal docstring form, "name(text signature)\n--\n\ndoc": __doc__ is then the
  // doc alone and __text_signature__ the signature, so inspect.signature and help() show the argument names
  // and defaults. Only functions pybind11 made are rewritten (their doc is pybind11's own strdup'd string,
  // which pybind11 frees with the function).
  m.def("_set_doc", [](py::handle fn, const std::string& doc) {
    PyObject* f = fn.ptr();
    if (set_fast_method_doc(f, doc)) return;  // Note [Fast methods]: a Tensor method with its own definition
    if (PyInstanceMethod_Check(f)) f = PyInstanceMethod_GET_FUNCTION(f);
    if (!PyCFunction_Check(f) || !py::detail::function_record_ptr_from_PyObject(PyCFunction_GET_SELF(f)))
      throw py::type_error("_set_doc(): expected a function made by pybind11, got " + py_type_name(fn));
    auto* cf = reinterpret_cast<PyCFunctionObject*>(f);
    char* copy = strdup(doc.c_str());
    if (!copy) throw std::bad_alloc();
    std::free(const_cast<char*>(cf->m_ml->ml_doc));
    cf->m_ml->ml_doc = copy;
  }, py::arg("fn"), py::arg("doc"));
}

}  // namespace fastgrad::python

namespace {
// fastgrad.linalg.LinAlgError: a RuntimeError subclass, made once with the module (PyTorch's torch._C._LinAlgError).
PyObject* linalg_error = nullptr;
PyObject* linalg_error_type() { return linalg_error ? linalg_error : PyExc_RuntimeError; }
}  // namespace

PYBIND11_MODULE(_C, m) {
  using namespace fastgrad::python;
  linalg_error = PyErr_NewExceptionWithDoc(
      "fastgrad._C._LinAlgError",  // PyTorch's name (torch._C._LinAlgError), as tracebacks print it
      "Error raised by fastgrad.linalg functions when the input is singular or not positive-definite; a "
      "subclass of RuntimeError.",
      PyExc_RuntimeError, nullptr);
  if (!linalg_error) throw py::error_already_set();
  m.add_object("_LinAlgError", py::handle(linalg_error));
  m.doc() = "fastgrad core: tensors, ops, autograd engine";
  // Note [Error translation]: each core error type becomes the Python exception PyTorch raises.
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const fastgrad::IndexError& e) {
      PyErr_SetString(PyExc_IndexError, e.what());
    } catch (const fastgrad::ValueError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const fastgrad::TypeError& e) {
      PyErr_SetString(PyExc_TypeError, e.what());
    } catch (const fastgrad::NotImplementedError& e) {
      PyErr_SetString(PyExc_NotImplementedError, e.what());
    } catch (const fastgrad::LinAlgError& e) {
      PyErr_SetString(linalg_error_type(), e.what());
    } catch (const fastgrad::Error& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    } catch (const py::cast_error& e) {
      // A Python value of the wrong type met a conversion inside a binding: PyTorch's class is TypeError
      // (the message gets the op's name in Note [Argument errors]).
      PyErr_SetString(PyExc_TypeError, e.what());
    }
  });
  init_dtype(m);
  init_tensor(m);
  init_unary(m);
  init_binary(m);
  init_reduce(m);
  init_sorting(m);
  init_shape(m);
  init_index(m);
  init_linalg(m);
  init_creation(m);
  init_nn(m);
  init_pooling(m);
  init_upsample(m);
  init_conv(m);
  init_autograd(m);
  init_hooks(m);
  init_runtime(m);
  init_dlpack(m);
  init_numpy(m);
  install_argument_errors(m);  // every binding made above (Note [Argument errors])
  install_fast_methods(m);  // last: it stands in front of bindings made above (Note [Fast methods])
}
