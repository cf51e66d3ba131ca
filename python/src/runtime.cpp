// Process-wide knobs: intra-op threads (See Note [Intra-op threads]) and the allocator's cache (See Note
// [Caching allocator]).
#include "bindings.h"
#include "fastgrad/allocator.h"
#include "fastgrad/cpu.h"
#include "fastgrad/parallel.h"
#include "fastgrad/print.h"

namespace fastgrad::python {

void init_runtime(py::module_& m) {
  // Printing: the core's formatter and print options (python/fastgrad/_tensor_str.py wraps them).
  m.def("_format_tensor", [](const Tensor& values, ScalarType dtype, std::optional<std::string> grad_fn_name,
                             bool requires_grad, const std::string& module) {
    return format_tensor(values, dtype, grad_fn_name.value_or(""), requires_grad, module);
  }, py::arg("values"), py::arg("dtype"), py::arg("grad_fn_name"), py::arg("requires_grad"), py::arg("module"));
  m.def("_set_printoptions", [](int64_t precision, double threshold, int64_t edgeitems, int64_t linewidth,
                                std::optional<bool> sci_mode) {
    set_printoptions(PrintOptions{precision, threshold, edgeitems, linewidth, sci_mode});
  }, py::arg("precision"), py::arg("threshold"), py::arg("edgeitems"), py::arg("linewidth"), py::arg("sci_mode"));
  m.def("_get_printoptions", []() {
    const PrintOptions o = get_printoptions();
    return py::make_tuple(o.precision, o.threshold, o.edgeitems, o.linewidth,
                          o.sci_mode ? py::object(py::bool_(*o.sci_mode)) : py::object(py::none()));
  });
  // PyTorch's messages: a float is refused by type ("expects an int"), a non-positive int by the core.
  m.def("set_num_threads", [](py::handle n) {
    if (!PyLong_Check(n.ptr()) || PyBool_Check(n.ptr()))
      throw std::runtime_error("set_num_threads expects an int, but got " +
                               py::str(py::type::of(n).attr("__name__")).cast<std::string>());
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(n.ptr(), &overflow);
    if (overflow || v > INT32_MAX || v < INT32_MIN) throw py::value_error("Overflow when unpacking long");
    py::gil_scoped_release release;  // resizing the pool joins worker threads
    set_num_threads(static_cast<int>(v));
  }, py::arg("int"));
  m.def("get_num_threads", [] { return get_num_threads(); });
  // The kernels' vector level (Note [CPU dispatch]); the setter is for tests and benchmarks.
  m.def("_get_cpu_capability", [] { return get_cpu_capability(); });
  m.def("_set_cpu_capability", [](const std::string& level) { set_cpu_capability(level); }, py::arg("level"));
  m.def("empty_cache", [] {
    py::gil_scoped_release release;
    empty_cache();
  });
  m.def("_allocator_stats", [] {
    AllocatorStats s = allocator_stats();
    py::dict d;
    d["allocated_bytes"] = s.allocated_bytes;
    d["cached_bytes"] = s.cached_bytes;
    d["peak_allocated_bytes"] = s.peak_allocated_bytes;
    d["allocations"] = s.allocations;
    d["cache_hits"] = s.cache_hits;
    d["requested_bytes"] = s.requested_bytes;
    d["cache_limit"] = cache_limit();
    return d;
  });
  m.def("_set_cache_limit", [](size_t bytes) { set_cache_limit(bytes); });
}

}  // namespace fastgrad::python
