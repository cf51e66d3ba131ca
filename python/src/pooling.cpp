// Pooling (cpp/src/ops/pooling.cpp). The Python layer (python/fastgrad/nn/_functional_conv.py) parses and checks
// the arguments in PyTorch's order and words and passes one value per spatial dim; `nd` picks the op.
#include "bindings.h"

namespace fastgrad::python {

namespace {
py::tuple pair(const std::tuple<Tensor, Tensor>& r) { return py::make_tuple(std::get<0>(r), std::get<1>(r)); }

Dims int_list(py::handle h, const char* op, const char* name) { return dims_from(h, op, name, 0); }
}  // namespace

void init_pooling(py::module_& m) {
  m.def("_max_pool_with_indices", [](const Tensor& input, int64_t nd, py::handle kernel_size, py::handle stride,
                                     py::handle padding, py::handle dilation, Flag ceil_mode) {
    const char* op = nd == 1 ? "max_pool1d" : nd == 2 ? "max_pool2d" : "max_pool3d";
    const Dims k = int_list(kernel_size, op, "kernel_size"), s = int_list(stride, op, "stride"),
               p = int_list(padding, op, "padding"), d = int_list(dilation, op, "dilation");
    if (nd == 1) return pair(max_pool1d_with_indices(input, k, s, p, d, ceil_mode));
    if (nd == 2) return pair(max_pool2d_with_indices(input, k, s, p, d, ceil_mode));
    return pair(max_pool3d_with_indices(input, k, s, p, d, ceil_mode));
  });
  m.def("_avg_pool", [](const Tensor& input, int64_t nd, py::handle kernel_size, py::handle stride,
                        py::handle padding, Flag ceil_mode, Flag count_include_pad,
                        std::optional<int64_t> divisor_override) {
    const char* op = nd == 1 ? "avg_pool1d" : nd == 2 ? "avg_pool2d" : "avg_pool3d";
    const Dims k = int_list(kernel_size, op, "kernel_size"), s = int_list(stride, op, "stride"),
               p = int_list(padding, op, "padding");
    if (nd == 1) return avg_pool1d(input, k, s, p, ceil_mode, count_include_pad);
    if (nd == 2) return avg_pool2d(input, k, s, p, ceil_mode, count_include_pad, divisor_override);
    return avg_pool3d(input, k, s, p, ceil_mode, count_include_pad, divisor_override);
  });
  m.def("_adaptive_avg_pool", [](const Tensor& input, py::handle output_size) {
    const Dims o = int_list(output_size, "adaptive_avg_pool", "output_size");
    if (o.size() == 1) return adaptive_avg_pool1d(input, o);
    if (o.size() == 2) return adaptive_avg_pool2d(input, o);
    return adaptive_avg_pool3d(input, o);
  });
  m.def("_adaptive_max_pool", [](const Tensor& input, py::handle output_size) {
    const Dims o = int_list(output_size, "adaptive_max_pool", "output_size");
    if (o.size() == 1) return pair(adaptive_max_pool1d(input, o));
    if (o.size() == 2) return pair(adaptive_max_pool2d(input, o));
    return pair(adaptive_max_pool3d(input, o));
  });
  m.def("_max_unpool", [](const Tensor& input, const Tensor& indices, py::handle output_size) {
    const Dims o = int_list(output_size, "max_unpool", "output_size");
    if (o.size() == 1) return max_unpool1d(input, indices, o);
    if (o.size() == 2) return max_unpool2d(input, indices, o);
    return max_unpool3d(input, indices, o);
  });
}

}  // namespace fastgrad::python
