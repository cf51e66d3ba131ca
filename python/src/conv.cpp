// Convolution, transposed convolution, unfold and fold for nn.functional (python/fastgrad/nn/_functional_conv.py
// calls these with its arguments unchanged). The arguments are read as PyTorch's parser reads them: an int for
// a list parameter stands for that int in every spatial dim, lists go through Note [Int lists]; the checks
// and the math are the core's (cpp/src/ops/conv.cpp).
#include "bindings.h"

namespace fastgrad::python {

namespace {

// PyTorch's TypeError for a non-tensor input, weight or bias of a convolution ("conv2d() received an invalid
// combination of arguments - got (list, Tensor, NoneType, ...)").
void check_conv_tensors(const char* name, py::handle input, py::handle weight, py::handle bias) {
  if (is_tensor(input) && is_tensor(weight) && (bias.is_none() || is_tensor(bias))) return;
  std::string got;
  for (py::handle h : {input, weight, bias}) got += (got.empty() ? "" : ", ") + (is_tensor(h) ? "Tensor" : py_type_name(h));
  throw py::type_error(std::string(name) + "() received an invalid combination of arguments - got (" + got +
                       ", ...), but expected one of: (Tensor input, Tensor weight, Tensor bias = None, tuple of ints "
                       "stride = 1, tuple of ints padding = 0, tuple of ints dilation = 1, int groups = 1)");
}

// A tensor argument of a transposed convolution or of im2col / col2im: TypeError "op(): argument 'input'
// (position 1) must be Tensor, not list".
Tensor tensor_arg(py::handle h, const char* op, const char* name, int position) {
  if (!is_tensor(h))
    throw py::type_error(std::string(op) + "(): argument '" + name + "' (position " + std::to_string(position) +
                         ") must be Tensor, not " + py_type_name(h));
  return tensor_ref(h.ptr());
}

Tensor opt_tensor(py::handle h, const char* op, const char* name, int position) {
  return h.is_none() ? Tensor() : tensor_arg(h, op, name, position);
}

// An int[nd] parameter: a single int stands for nd copies of it (a list is kept as given, for the core to
// expand or refuse with PyTorch's message).
Dims int_list(py::handle h, int64_t nd, const char* op, const char* name, int position = 0) {
  Dims d = dims_from(h, op, name, position);
  if (d.size() == 1 && !PyList_Check(h.ptr()) && !PyTuple_Check(h.ptr())) return Dims(static_cast<size_t>(nd), d[0]);
  return d;
}

// torch.nn.functional's _pair: a list or tuple as given, anything else twice (so that a float is reported as
// "found element of type float at pos 0", as PyTorch does).
Dims pair_list(py::handle h, const char* op, const char* name, int position) {
  if (PyList_Check(h.ptr()) || PyTuple_Check(h.ptr())) return dims_from(h, op, name, position, false);
  return dims_from(py::make_tuple(h, h), op, name, position, false);
}

// padding='same' with an even total padding d * (k - 1) in some dim: PyTorch pads the input by one more element
// after it there, and says so.
void warn_asymmetric_same(const Tensor& weight, const Dims& dilation) {
  const int64_t k = weight.dim() - 2;
  for (int64_t i = 0; i < k; ++i) {
    const int64_t d = dilation.size() == 1 ? dilation[0] : i < static_cast<int64_t>(dilation.size()) ? dilation[i] : 1;
    if (d % 2 != 0 && (weight.size(2 + i) - 1) % 2 != 0) {
      if (PyErr_WarnEx(PyExc_UserWarning,
                       "Using padding='same' with even kernel lengths and odd dilation may require a zero-padded "
                       "copy of the input be created",
                       2) < 0)
        throw py::error_already_set();
      return;
    }
  }
}

using ConvFn = Tensor (*)(const Tensor&, const Tensor&, const Tensor&, const Dims&, const Dims&, const Dims&, int64_t);
using ConvModeFn = Tensor (*)(const Tensor&, const Tensor&, const Tensor&, const Dims&, ConvPadding, const Dims&,
                              int64_t);
using ConvTransposeFn = Tensor (*)(const Tensor&, const Tensor&, const Tensor&, const Dims&, const Dims&, const Dims&,
                                   int64_t, const Dims&);

}  // namespace

void init_conv(py::module_& m) {
  // _conv(nd, input, weight, bias, stride, padding, dilation, groups): conv1d/2d/3d.
  m.def("_conv", [](int64_t nd, py::handle input, py::handle weight, py::handle bias, py::handle stride,
                    py::handle padding, py::handle dilation, py::handle groups) {
    static const char* const names[] = {"conv1d", "conv2d", "conv3d"};
    static const ConvFn fns[] = {conv1d, conv2d, conv3d};
    static const ConvModeFn mode_fns[] = {conv1d, conv2d, conv3d};
    if (nd < 1 || nd > 3) throw py::value_error("_conv: nd must be 1, 2 or 3");
    const char* name = names[nd - 1];
    check_conv_tensors(name, input, weight, bias);
    const Tensor& x = tensor_ref(input.ptr());
    const Tensor& w = tensor_ref(weight.ptr());
    const Tensor b = bias.is_none() ? Tensor() : tensor_ref(bias.ptr());
    const Dims st = int_list(stride, nd, name, "stride");
    const Dims dil = int_list(dilation, nd, name, "dilation");
    const int64_t g = int_arg(groups, name, "groups");
    if (PyUnicode_Check(padding.ptr())) {
      const ConvPadding mode = conv_padding_from_string(padding.cast<std::string>());
      if (mode == ConvPadding::Same && w.dim() >= 3) warn_asymmetric_same(w, dil);
      return mode_fns[nd - 1](x, w, b, st, mode, dil, g);
    }
    return fns[nd - 1](x, w, b, st, int_list(padding, nd, name, "padding"), dil, g);
  });
  // _conv_transpose(nd, input, weight, bias, stride, padding, output_padding, groups, dilation).
  m.def("_conv_transpose", [](int64_t nd, py::handle input, py::handle weight, py::handle bias, py::handle stride,
                              py::handle padding, py::handle output_padding, py::handle groups, py::handle dilation) {
    static const char* const names[] = {"conv_transpose1d", "conv_transpose2d", "conv_transpose3d"};
    static const ConvTransposeFn fns[] = {conv_transpose1d, conv_transpose2d, conv_transpose3d};
    if (nd < 1 || nd > 3) throw py::value_error("_conv_transpose: nd must be 1, 2 or 3");
    const char* name = names[nd - 1];
    const Tensor x = tensor_arg(input, name, "input", 1), w = tensor_arg(weight, name, "weight", 2);
    const Tensor b = opt_tensor(bias, name, "bias", 3);
    return fns[nd - 1](x, w, b, int_list(stride, nd, name, "stride"), int_list(padding, nd, name, "padding"),
                       int_list(output_padding, nd, name, "output_padding"), int_arg(groups, name, "groups"),
                       int_list(dilation, nd, name, "dilation"));
  });
  // torch.convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups): every
  // argument required, the input batched.
  m.def("convolution", [](py::handle input, py::handle weight, py::handle bias, py::handle stride, py::handle padding,
                          py::handle dilation, Flag transposed, py::handle output_padding, int64_t groups) {
    constexpr const char* name = "convolution";
    const Tensor x = tensor_arg(input, name, "input", 1), w = tensor_arg(weight, name, "weight", 2);
    const Tensor b = opt_tensor(bias, name, "bias", 3);
    return convolution(x, w, b, dims_from(stride, name, "stride", 4), dims_from(padding, name, "padding", 5),
                       dims_from(dilation, name, "dilation", 6), transposed,
                       dims_from(output_padding, name, "output_padding", 8), groups);
  }, py::arg("input"), py::arg("weight"), py::arg("bias"), py::arg("stride"), py::arg("padding"), py::arg("dilation"),
     py::arg("transposed"), py::arg("output_padding"), py::arg("groups"));
  m.def("_im2col", [](py::handle input, py::handle kernel_size, py::handle dilation, py::handle padding,
                      py::handle stride) {
    const Tensor x = tensor_arg(input, "im2col", "input", 1);
    return im2col(x, pair_list(kernel_size, "im2col", "kernel_size", 2), pair_list(dilation, "im2col", "dilation", 3),
                  pair_list(padding, "im2col", "padding", 4), pair_list(stride, "im2col", "stride", 5));
  });
  m.def("_col2im", [](py::handle input, py::handle output_size, py::handle kernel_size, py::handle dilation,
                      py::handle padding, py::handle stride) {
    const Tensor x = tensor_arg(input, "col2im", "input", 1);
    return col2im(x, pair_list(output_size, "col2im", "output_size", 2),
                  pair_list(kernel_size, "col2im", "kernel_size", 3), pair_list(dilation, "col2im", "dilation", 4),
                  pair_list(padding, "col2im", "padding", 5), pair_list(stride, "col2im", "stride", 6));
  });
}

}  // namespace fastgrad::python
