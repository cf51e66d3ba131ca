// Process-wide knobs: intra-op threads (See Note [Intra-op threads]).
#include "bindings.h"
#include "fastgrad/parallel.h"

namespace fastgrad::python {

void init_runtime(py::module_& m) {
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
}

}  // namespace fastgrad::python
