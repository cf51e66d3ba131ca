// fastgrad._C: the module, its exception translation and the small conversions every binding file uses.
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

py::object size_object(const Dims& sizes) {
  py::tuple t(sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) t[i] = py::int_(sizes[i]);
  if (!size_class) return std::move(t);
  return py::reinterpret_borrow<py::object>(size_class)(t);
}

Dims dims_from(py::handle h, const char* op) {
  Dims d;
  if (PyLong_Check(h.ptr())) {
    d.push_back(h.cast<int64_t>());
    return d;
  }
  if (!PySequence_Check(h.ptr()) || PyUnicode_Check(h.ptr()))
    throw py::type_error(std::string(op) + "(): argument 'size' must be a tuple of ints, but found element of type " +
                         py::str(py::type::of(h).attr("__name__")).cast<std::string>());
  for (py::handle item : py::reinterpret_borrow<py::sequence>(h)) {
    if (!PyLong_Check(item.ptr()) || PyBool_Check(item.ptr())) {
      if (PyObject_HasAttrString(item.ptr(), "__index__") && !PyBool_Check(item.ptr())) {
        d.push_back(py::reinterpret_borrow<py::object>(item).attr("__index__")().cast<int64_t>());
        continue;
      }
      throw py::type_error(std::string(op) + "(): argument 'size' must be tuple of ints, but found element of type " +
                           py::str(py::type::of(item).attr("__name__")).cast<std::string>());
    }
    d.push_back(item.cast<int64_t>());
  }
  return d;
}

Dims dims_from_args(const py::args& args, const char* op) {
  if (args.size() == 1 && !PyLong_Check(args[0].ptr())) return dims_from(args[0], op);
  return dims_from(args, op);
}

void init_dtype(py::module_& m) {
  auto cls = py::class_<DType>(m, "dtype");
  cls.def_property_readonly("is_floating_point", [](const DType& d) { return is_floating(d.type); })
      .def_property_readonly("is_signed", [](const DType& d) { return d.type != ScalarType::Bool; })
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
  m.def("_set_size_class", [](py::object cls) { size_class = cls.release().ptr(); });
  m.def("get_default_dtype", [] { return default_dtype(); });
  m.def("set_default_dtype", [](ScalarType t) { set_default_dtype(t); });
  m.def("promote_types", [](ScalarType a, ScalarType b) { return promote_types(a, b); });
  m.def("_blas_name", [] { return std::string(blas_name()); });
}

}  // namespace fastgrad::python

PYBIND11_MODULE(_C, m) {
  using namespace fastgrad::python;
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
    } catch (const fastgrad::Error& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    }
  });
  init_dtype(m);
  init_tensor(m);
  init_unary(m);
  init_binary(m);
  init_reduce(m);
  init_shape(m);
  init_index(m);
  init_linalg(m);
  init_creation(m);
  init_nn(m);
  init_autograd(m);
  init_hooks(m);
  init_runtime(m);
  init_numpy(m);
  install_fast_methods(m);  // last: it stands in front of bindings made above (Note [Fast methods])
}
