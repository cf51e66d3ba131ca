// NumPy interop without copies: from_numpy wraps the array's memory (keeping the array alive), numpy()
// returns an array over the tensor's memory (keeping the storage alive).
#include <pybind11/numpy.h>

#include "bindings.h"

namespace fastgrad::python {

namespace {

ScalarType from_numpy_dtype(const py::dtype& dt) {
  char kind = dt.kind();
  size_t size = dt.itemsize();
  if (kind == 'f' && size == 4) return ScalarType::Float32;
  if (kind == 'f' && size == 8) return ScalarType::Float64;
  if (kind == 'i' && size == 8) return ScalarType::Int64;
  if (kind == 'i' && size == 4) return ScalarType::Int32;
  if (kind == 'b' && size == 1) return ScalarType::Bool;
  if (kind == 'f' && size == 2) return ScalarType::Float16;
  if (kind == 'i' && size == 2) return ScalarType::Int16;
  if (kind == 'i' && size == 1) return ScalarType::Int8;
  if (kind == 'u' && size == 1) return ScalarType::UInt8;
  throw py::type_error("can't convert np.ndarray of type numpy." + py::str(dt).cast<std::string>() +
                       ". The only supported types are: float64, float32, float16, int64, int32, int16, int8, "
                       "uint8, and bool.");
}

py::dtype to_numpy_dtype(ScalarType t) {
  switch (t) {
    case ScalarType::Bool: return py::dtype("bool");
    case ScalarType::Int32: return py::dtype("int32");
    case ScalarType::Int64: return py::dtype("int64");
    case ScalarType::Float32: return py::dtype("float32");
    case ScalarType::UInt8: return py::dtype("uint8");
    case ScalarType::Int8: return py::dtype("int8");
    case ScalarType::Int16: return py::dtype("int16");
    case ScalarType::Float16: return py::dtype("float16");
    case ScalarType::BFloat16:
      throw py::type_error("Got unsupported ScalarType BFloat16");
    case ScalarType::Float64: break;
  }
  return py::dtype("float64");
}

// The deleter runs wherever the last reference to the storage drops, maybe on a thread without the GIL.
void release_array(void* context, void*) {
  if (!Py_IsInitialized() || _Py_IsFinalizing()) return;  // at exit: leak rather than touch a dying interpreter
  py::gil_scoped_acquire gil;
  Py_DECREF(static_cast<PyObject*>(context));
}

Tensor from_numpy(py::array arr) {
  ScalarType dtype = from_numpy_dtype(arr.dtype());
  const auto item = static_cast<ssize_t>(element_size(dtype));
  Dims sizes, strides;
  for (ssize_t i = 0; i < arr.ndim(); ++i) {
    sizes.push_back(arr.shape(i));
    ssize_t s = arr.strides(i);
    if (s < 0)
      throw py::value_error(
          "At least one stride in the given numpy array is negative, and tensors with negative strides are not "
          "currently supported. (You can probably work around this by making a copy of your array  with "
          "array.copy().) ");
    if (s % item != 0)
      throw py::value_error("given numpy array strides not a multiple of the element byte size. Copy the numpy "
                            "array to reallocate the memory.");
    strides.push_back(s / item);
  }
  PyObject* owner = arr.ptr();
  Py_INCREF(owner);
  return from_blob(arr.mutable_data(), sizes, strides, dtype, release_array, owner);
}

py::array to_numpy(const Tensor& t, bool force) {
  FG_CHECK(force || !t.requires_grad(), Error,
           "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.");
  std::vector<ssize_t> shape(t.sizes().begin(), t.sizes().end());
  std::vector<ssize_t> strides;
  for (int64_t s : t.strides()) strides.push_back(static_cast<ssize_t>(s * element_size(t.dtype())));
  // The capsule owns a reference to the storage: the array keeps the memory alive, not the tensor.
  auto* keep = new std::shared_ptr<Storage>(t.storage());
  py::capsule base(keep, [](void* p) { delete static_cast<std::shared_ptr<Storage>*>(p); });
  return py::array(to_numpy_dtype(t.dtype()), shape, strides, t.data_ptr(), base);
}

}  // namespace

void init_numpy(py::module_& m) {
  m.def("from_numpy", [](py::handle obj) {
    if (!py::isinstance<py::array>(obj))
      throw py::type_error("expected np.ndarray (got " + py::str(py::type::of(obj).attr("__name__")).cast<std::string>() + ")");
    return from_numpy(py::reinterpret_borrow<py::array>(obj));
  }, py::arg("ndarray"));
  m.attr("Tensor").cast<py::class_<TensorImpl, std::shared_ptr<TensorImpl>>>().def(
      "numpy", [](const Tensor& t, Flag force) { return to_numpy(t, force); }, py::kw_only(),
      py::arg("force") = false);
}

}  // namespace fastgrad::python
