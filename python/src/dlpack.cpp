// DLPack, both ways, without copies: Tensor.__dlpack__ / __dlpack_device__ export a tensor's memory in a capsule
// ("dltensor_versioned" for a consumer that asks for DLPack 1.x through max_version, "dltensor" otherwise), and
// fastgrad._C._from_dlpack_capsule wraps the memory of another library's capsule (python/fastgrad/_dlpack.py
// asks the producer for it).
//
// Note [DLPack]
// The structs below are the DLPack ABI (dlpack.h, version 1.0: DLTensor, DLManagedTensor and
// DLManagedTensorVersioned), declared here from the specification. An exported capsule owns an alias of the
// tensor (same storage, no autograd metadata), so the producer's Python objects may die first; its deleter frees
// only C++ objects and runs on any thread. An imported capsule's deleter is the producer's: fastgrad calls it,
// holding the GIL, when the last tensor over that memory is freed, and renames the capsule "used_..." so that the
// capsule's own destructor does not call it too. A read-only versioned tensor is copied (fastgrad tensors are
// writable); a capsule is consumed once.
#include "bindings.h"

namespace fastgrad::python {

namespace {

struct DLDevice {
  int32_t device_type;  // kDLCPU = 1
  int32_t device_id;
};
struct DLDataType {
  uint8_t code;  // kDLInt 0, kDLUInt 1, kDLFloat 2, kDLBfloat 4, kDLComplex 5, kDLBool 6
  uint8_t bits;
  uint16_t lanes;
};
struct DLTensor {
  void* data;
  DLDevice device;
  int32_t ndim;
  DLDataType dtype;
  int64_t* shape;
  int64_t* strides;  // in elements; NULL means compact row-major
  uint64_t byte_offset;
};
struct DLManagedTensor {
  DLTensor dl_tensor;
  void* manager_ctx;
  void (*deleter)(DLManagedTensor* self);
};
struct DLPackVersion {
  uint32_t major;
  uint32_t minor;
};
struct DLManagedTensorVersioned {
  DLPackVersion version;
  void* manager_ctx;
  void (*deleter)(DLManagedTensorVersioned* self);
  uint64_t flags;
  DLTensor dl_tensor;
};
constexpr uint64_t kReadOnly = 1;
constexpr uint64_t kIsCopied = 2;
constexpr int32_t kDLCPU = 1;
constexpr const char* kVersioned = "dltensor_versioned";
constexpr const char* kLegacy = "dltensor";

DLDataType dl_dtype(ScalarType t) {
  switch (t) {
    case ScalarType::Bool: return {6, 8, 1};
    case ScalarType::Int32: return {0, 32, 1};
    case ScalarType::Int64: return {0, 64, 1};
    case ScalarType::Float32: return {2, 32, 1};
    case ScalarType::UInt8: return {1, 8, 1};
    case ScalarType::Int8: return {0, 8, 1};
    case ScalarType::Int16: return {0, 16, 1};
    case ScalarType::Float16: return {2, 16, 1};
    case ScalarType::BFloat16: return {4, 16, 1};
    case ScalarType::Float64: break;
  }
  return {2, 64, 1};
}

std::string dl_dtype_name(DLDataType d) {
  static const char* codes[] = {"int", "uint", "float", "opaque handle", "bfloat", "complex", "bool"};
  std::string name = d.code < 7 ? codes[d.code] : "code " + std::to_string(d.code);
  name += std::to_string(d.bits);
  if (d.lanes != 1) name += "x" + std::to_string(d.lanes);
  return name;
}

ScalarType from_dl_dtype(DLDataType d) {
  if (d.lanes == 1) {
    if (d.code == 2 && d.bits == 32) return ScalarType::Float32;
    if (d.code == 2 && d.bits == 64) return ScalarType::Float64;
    if (d.code == 0 && d.bits == 32) return ScalarType::Int32;
    if (d.code == 0 && d.bits == 64) return ScalarType::Int64;
    if (d.code == 6 && d.bits == 8) return ScalarType::Bool;
    if (d.code == 2 && d.bits == 16) return ScalarType::Float16;
    if (d.code == 4 && d.bits == 16) return ScalarType::BFloat16;
    if (d.code == 1 && d.bits == 8) return ScalarType::UInt8;
    if (d.code == 0 && d.bits == 8) return ScalarType::Int8;
    if (d.code == 0 && d.bits == 16) return ScalarType::Int16;
  }
  throw py::type_error("from_dlpack: unsupported DLPack dtype " + dl_dtype_name(d) +
                       "; fastgrad has float16, bfloat16, float32, float64, uint8, int8, int16, int32, int64 and bool");
}

// What an exported capsule owns: the alias and the arrays DLTensor points at.
template <class Managed>
struct Export {
  Managed managed{};
  Tensor alias;
  std::vector<int64_t> shape, strides;
};

template <class Managed>
Managed* make_export(const Tensor& t, bool copy) {
  auto* e = new Export<Managed>();
  Tensor src = copy ? clone(t.detach()) : t;
  e->alias = make_alias(src, src.dtype(), src.sizes(), src.strides(), src.storage_offset());
  e->shape.assign(src.sizes().begin(), src.sizes().end());
  e->strides.assign(src.strides().begin(), src.strides().end());
  DLTensor& d = e->managed.dl_tensor;
  d.data = e->alias.data_ptr();
  d.device = {kDLCPU, 0};
  d.ndim = static_cast<int32_t>(e->shape.size());
  d.dtype = dl_dtype(src.dtype());
  d.shape = e->shape.data();
  d.strides = e->strides.data();
  d.byte_offset = 0;
  e->managed.manager_ctx = e;
  e->managed.deleter = [](Managed* self) { delete static_cast<Export<Managed>*>(self->manager_ctx); };
  return &e->managed;
}

template <class Managed>
void capsule_destructor(PyObject* capsule) {
  // Not consumed: the capsule still owns the tensor. (A consumer renames it "used_...".)
  const char* name = PyCapsule_GetName(capsule);
  if (name == nullptr || std::string(name).rfind("used_", 0) == 0) {
    PyErr_Clear();
    return;
  }
  auto* m = static_cast<Managed*>(PyCapsule_GetPointer(capsule, name));
  if (m == nullptr) {
    PyErr_Clear();
    return;
  }
  if (m->deleter) m->deleter(m);
}

py::object to_dlpack(const Tensor& t, bool versioned, bool copy) {
  if (t.requires_grad())
    throw std::runtime_error("Can't export tensors that require gradient, use tensor.detach()");
  if (versioned) {
    auto* m = make_export<DLManagedTensorVersioned>(t, copy);
    m->version = {1, 0};
    m->flags = copy ? kIsCopied : 0;
    return py::reinterpret_steal<py::object>(
        PyCapsule_New(m, kVersioned, capsule_destructor<DLManagedTensorVersioned>));
  }
  auto* m = make_export<DLManagedTensor>(t, copy);
  return py::reinterpret_steal<py::object>(PyCapsule_New(m, kLegacy, capsule_destructor<DLManagedTensor>));
}

// The storage deleter of an imported tensor: the producer's deleter, under the GIL (NumPy's and others' deleters
// touch Python objects). At interpreter exit the memory is left to the process's end.
template <class Managed>
void release_managed(void* context, void*) {
  if (!Py_IsInitialized() || _Py_IsFinalizing()) return;
  py::gil_scoped_acquire gil;
  auto* m = static_cast<Managed*>(context);
  if (m->deleter) m->deleter(m);
}

template <class Managed>
Tensor wrap(Managed* m, bool read_only, const char* used_name, PyObject* capsule) {
  const DLTensor& d = m->dl_tensor;
  if (d.device.device_type != kDLCPU)
    throw py::buffer_error("from_dlpack: the tensor is on DLPack device type " +
                           std::to_string(d.device.device_type) + "; fastgrad only has CPU tensors");
  ScalarType dtype = from_dl_dtype(d.dtype);
  if (d.ndim < 0 || d.ndim > 64) throw py::value_error("from_dlpack: invalid number of dimensions");
  Dims sizes, strides;
  int64_t numel = 1;
  for (int32_t i = 0; i < d.ndim; ++i) {
    if (d.shape[i] < 0) throw py::value_error("from_dlpack: negative size");
    sizes.push_back(d.shape[i]);
    numel *= d.shape[i];
  }
  if (d.strides) {
    for (int32_t i = 0; i < d.ndim; ++i) {
      if (d.strides[i] < 0 && d.shape[i] > 1)
        throw py::buffer_error("from_dlpack: negative strides are not supported; copy the array first");
      strides.push_back(d.shape[i] > 1 ? d.strides[i] : std::max<int64_t>(d.strides[i], 0));
    }
  } else {
    strides = Dims(sizes.size(), 1);
    for (int32_t i = d.ndim - 2; i >= 0; --i) strides[i] = strides[i + 1] * std::max<int64_t>(sizes[i + 1], 1);
  }
  // Consumed from here on: fastgrad owns the managed tensor.
  PyCapsule_SetName(capsule, used_name);
  char* data = static_cast<char*>(d.data) + d.byte_offset;
  if (numel == 0 || read_only) {
    Tensor out = empty(sizes, dtype);
    if (numel != 0) {
      Tensor view = from_blob(data, sizes, strides, dtype, nullptr, nullptr);
      copy_(out, view);
    }
    if (m->deleter) m->deleter(m);
    return out;
  }
  return from_blob(data, sizes, strides, dtype, release_managed<Managed>, m);
}

Tensor from_capsule(py::handle obj) {
  PyObject* capsule = obj.ptr();
  if (!PyCapsule_CheckExact(capsule)) throw py::type_error("from_dlpack: expected a DLPack capsule");
  if (PyCapsule_IsValid(capsule, kVersioned)) {
    auto* m = static_cast<DLManagedTensorVersioned*>(PyCapsule_GetPointer(capsule, kVersioned));
    if (m->version.major != 1) {
      throw py::buffer_error("from_dlpack: DLPack version " + std::to_string(m->version.major) + "." +
                             std::to_string(m->version.minor) + " is not supported (fastgrad reads 1.x)");
    }
    return wrap(m, (m->flags & kReadOnly) != 0, "used_dltensor_versioned", capsule);
  }
  if (PyCapsule_IsValid(capsule, kLegacy)) {
    auto* m = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(capsule, kLegacy));
    return wrap(m, false, "used_dltensor", capsule);
  }
  throw py::value_error(
      "from_dlpack: the capsule is not a DLPack tensor, or it was already consumed (a capsule can be used once)");
}

}  // namespace

void init_dlpack(py::module_& m) {
  m.def(
      "_to_dlpack",
      [](const Tensor& t, bool versioned, bool copy) { return to_dlpack(t, versioned, copy); }, py::arg("tensor"),
      py::arg("versioned") = false, py::arg("copy") = false);
  m.def("_from_dlpack_capsule", [](py::handle capsule) { return from_capsule(capsule); }, py::arg("capsule"));
}

}  // namespace fastgrad::python
