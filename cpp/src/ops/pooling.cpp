// Pooling over 1, 2 or 3 spatial dims: max pooling (with the argmax indices), max_unpool, average pooling,
// adaptive average and adaptive max pooling; each op's Node beside it. The window loops are in
// cpu/pool_kernels.h. The 1-d ops run as the 2-d ones on a height-1 input (unsqueeze, pool, squeeze), as PyTorch
// runs them, so their graphs are PyTorch's (SqueezeBackward1 -> MaxPool2DWithIndicesBackward0 ->
// UnsqueezeBackward0).
//
// Note [Pooling gradients]
// Once its windows (and, for max pooling, the maximum of each) are chosen, a pooling op is linear in its input,
// and its backward is linear in the incoming gradient. The Nodes run the kernels of cpu/pool_kernels.h when
// grad mode is off; under create_graph they are written with differentiable ops, so they differentiate again:
//  - max pooling (and adaptive max pooling) adds each gradient at its saved index: scatter_add into zeros, whose
//    own derivative is a gather at the same indices;
//  - max_unpool's gradient reads the gradient at the indices: gather;
//  - average pooling's gradient spreads each output's gradient over its window: an op of its own here
//    (pool_avg_backward), recorded as AvgPool2DBackwardBackward0 and differentiated by average pooling itself.
#include <string>
#include <type_traits>

#include "../cpu/pool_kernels.h"
#include "common.h"
#include "reduced_float.h"

namespace fastgrad {

namespace {

const char* count_word(int nd) { return nd == 2 ? "two" : "three"; }

// One value per spatial dim, from one value or nd of them.
Dims per_dim(const Dims& v, int nd, const char* op, const char* what) {
  if (v.size() == 1) return Dims(static_cast<size_t>(nd), v[0]);
  FG_CHECK(static_cast<int>(v.size()) == nd, Error, op, ": ", what, " must either be a single int, or a tuple of ",
           count_word(nd), " ints");
  return v;
}

// "kH: 2 kW: 3" (2-d) or "kT: 1 kH: 2 kW: 3" (3-d), as PyTorch's messages list per-dim values.
std::string labelled(const char* prefix, const Dims& v) {
  static const char* names2[] = {"H", "W"};
  static const char* names3[] = {"T", "H", "W"};
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += " ";
    s += std::string(prefix) + (v.size() == 3 ? names3[i] : names2[i]) + ": " + std::to_string(v[i]);
  }
  return s;
}

std::string joined(const Dims& v, const char* sep) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + std::to_string(v[i]);
  return s;
}

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// PyTorch's pooled size: floor (or ceil) of the span over the stride, plus one; in ceil mode the last window
// must start inside the input or its left padding.
int64_t pooled_size(int64_t size, int64_t kernel, int64_t stride, int64_t pad, int64_t dilation, bool ceil_mode) {
  int64_t out = floor_div(size + 2 * pad - dilation * (kernel - 1) - 1 + (ceil_mode ? stride - 1 : 0), stride) + 1;
  if (ceil_mode && (out - 1) * stride >= size + pad) --out;
  return out;
}

// The planes of a pooling input or output: everything before the nd spatial dims.
int64_t plane_count(const Dims& sizes, int nd) {
  int64_t n = 1;
  for (size_t i = 0; i + nd < sizes.size(); ++i) n *= sizes[i];
  return n;
}

int64_t plane_size(const Dims& sizes, int nd) {
  int64_t n = 1;
  for (size_t i = sizes.size() - nd; i < sizes.size(); ++i) n *= sizes[i];
  return n;
}

// The input's planes and spatial sizes in g (leading sizes 1 for fewer than 3 spatial dims).
cpu::PoolGeometry plane_geometry(const Tensor& input, int nd) {
  cpu::PoolGeometry g;
  g.planes = plane_count(input.sizes(), nd);
  for (int i = 0; i < nd; ++i) g.in[3 - nd + i] = input.size(input.dim() - nd + i);
  return g;
}

// The input's leading dims followed by g's output sizes.
Dims output_shape(const Tensor& input, int nd, const cpu::PoolGeometry& g) {
  Dims shape(input.sizes().begin(), input.sizes().end() - nd);
  for (int i = 0; i < nd; ++i) shape.push_back(g.out[3 - nd + i]);
  return shape;
}

Dims spatial(const cpu::PoolGeometry& g, int nd, const int64_t* v) { return Dims(v + 3 - nd, v + 3); }

void check_rank(const Tensor& input, int nd) {
  FG_CHECK(input.dim() == nd + 1 || input.dim() == nd + 2, Error, "non-empty ", nd + 1, "D or ", nd + 2,
           "D (batch mode) tensor expected for input");
}

void check_non_batch_dims(const Tensor& input, int nd, const char* op) {
  for (int64_t d = input.dim() == nd + 2 ? 1 : 0; d < input.dim(); ++d)
    FG_CHECK(input.size(d) > 0, Error, op, "(): Expected input's non-batch dimensions to have positive length, but "
             "input has a shape of ", shape_str(input.sizes()), " and non-batch dimension ", d,
             " has length zero!");
}

[[noreturn]] void not_implemented(const char* kernel, ScalarType dtype) {
  throw NotImplementedError(std::string("\"") + kernel + "\" not implemented for '" + scalar_type_name(dtype) + "'");
}

// The windows of max or average pooling, checked as PyTorch checks them (its order and words).
cpu::PoolGeometry pool_geometry(const char* op, const Tensor& input, int nd, const Dims& kernel_size,
                                const Dims& stride_in, const Dims& padding_in, const Dims& dilation_in,
                                bool ceil_mode, bool is_max) {
  const Dims kernel = per_dim(kernel_size, nd, op, "kernel_size");
  Dims stride = kernel;
  if (!stride_in.empty()) {
    FG_CHECK(stride_in.size() == 1 || static_cast<int>(stride_in.size()) == nd, Error, op,
             ": stride must either be omitted, a single int, or a tuple of ", count_word(nd), " ints");
    stride = per_dim(stride_in, nd, op, "stride");
  }
  const Dims padding = per_dim(padding_in, nd, op, "padding");
  const Dims dilation = per_dim(dilation_in, nd, op, "dilation");
  for (int i = 0; i < nd; ++i) FG_CHECK(stride[i] != 0, Error, "stride should not be zero");
  for (int i = 0; i < nd; ++i)
    FG_CHECK(kernel[i] > 0, Error, "kernel size should be greater than zero, but got ", labelled("k", kernel));
  for (int i = 0; i < nd; ++i)
    FG_CHECK(stride[i] > 0, Error, "stride should be greater than zero, but got ", labelled("d", stride));
  for (int i = 0; i < nd; ++i) FG_CHECK(padding[i] >= 0, Error, "pad must be non-negative, but got pad: ", padding[i]);
  for (int i = 0; i < nd; ++i)
    FG_CHECK(dilation[i] > 0, Error, "dilation should be greater than zero, but got ", labelled("dilation", dilation));
  check_rank(input, nd);
  cpu::PoolGeometry g = plane_geometry(input, nd);
  for (int i = 0; i < nd; ++i) {
    const int j = 3 - nd + i;
    FG_CHECK(padding[i] <= ((kernel[i] - 1) * dilation[i] + 1) / 2, Error,
             "pad should be at most half of effective kernel size, but got pad=", padding[i], ", kernel_size=",
             kernel[i], " and dilation=", dilation[i]);
    g.kernel[j] = kernel[i];
    g.stride[j] = stride[i];
    g.padding[j] = padding[i];
    g.dilation[j] = dilation[i];
    g.out[j] = pooled_size(g.in[j], kernel[i], stride[i], padding[i], dilation[i], ceil_mode);
  }
  check_non_batch_dims(input, nd, op);
  if (is_max)
    for (int i = 0; i < nd; ++i)
      FG_CHECK(padding[i] <= kernel[i] / 2, Error,
               "pad should be smaller than or equal to half of kernel size, but got ", labelled("k", kernel), " ",
               labelled("pad", padding));
  for (int i = 0; i < nd; ++i)
    FG_CHECK(g.out[3 - nd + i] >= 1, Error, "Given input size: (", input.size(input.dim() - nd - 1), "x",
             joined(spatial(g, nd, g.in), "x"), "). Calculated output size: (", input.size(input.dim() - nd - 1), "x",
             joined(spatial(g, nd, g.out), "x"), "). Output size is too small");
  return g;
}

void check_output_size(const char* op, int nd, const Dims& output_size) {
  FG_CHECK(static_cast<int>(output_size.size()) == nd, Error, op, ": output_size must be ", nd);
  for (int64_t o : output_size)
    FG_CHECK(o >= 0, Error, op, ": elements of output_size must be greater than or equal to 0 but received {",
             joined(output_size, ", "), "}");
}

// The windows of adaptive pooling.
cpu::PoolGeometry adaptive_geometry(const char* op, const Tensor& input, int nd, const Dims& output_size) {
  check_output_size(op, nd, output_size);
  FG_CHECK(input.dim() == nd + 1 || input.dim() == nd + 2, Error, op, "(): Expected ", nd + 1, "D or ", nd + 2,
           "D tensor, but got ", shape_str(input.sizes()));
  // (PyTorch's 2-d adaptive average pooling lets the channels be empty; dim 0 is always exempt: the batch, or the
  // channels of an unbatched input)
  const bool spatial_only = nd == 2 && std::string(op) == "adaptive_avg_pool2d";
  for (int64_t d = spatial_only ? input.dim() - 2 : 1; d < input.dim(); ++d)
    FG_CHECK(input.size(d) > 0, Error, op, "(): Expected input to have non-zero size for non-batch dimensions, but "
             "input has sizes ", shape_str(input.sizes()), " with dimension ", d, " being empty");
  cpu::PoolGeometry g = plane_geometry(input, nd);
  for (int i = 0; i < nd; ++i) g.out[3 - nd + i] = output_size[i];
  return g;
}

// The 1-d ops as 2-d ones: one more leading value for a kernel, stride, padding or dilation list.
Dims with_unit(const Dims& v, int64_t unit) {
  Dims out{unit};
  for (int64_t x : v) out.push_back(x);
  return out;
}

Dims one_d(const Dims& v, const char* op, const char* what) {
  FG_CHECK(v.size() == 1, Error, op, "() ", what,
           " must be an int, list of ints or tuple of ints of size 1 but got size ", v.size());
  return v;
}

// ---- max pooling and adaptive max pooling ----

// The gradient of max pooling, added at the indices into zeros of the input's shape (See Note [Pooling gradients]).
Tensor max_pool_gradient(const Tensor& grad, const Tensor& indices, const Dims& input_sizes, int nd) {
  const int64_t planes = plane_count(input_sizes, nd), in_plane = plane_size(input_sizes, nd);
  const int64_t out_plane = plane_size(indices.sizes(), nd);
  if (GradMode::is_enabled()) {
    Tensor flat = scatter_add(zeros({planes, in_plane}, grad.dtype()), 1, reshape(indices, {planes, out_plane}),
                              reshape(grad, {planes, out_plane}));
    return reshape(flat, input_sizes);
  }
  Tensor out = empty(input_sizes, grad.dtype()), g = dense(grad), idx = dense(indices);
  dispatch_float(grad.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cpu::max_pool_backward<T>(g.data<T>(), idx.data<int64_t>(), out.data<T>(), planes, out_plane, in_plane);
  });
  return out;
}

// MaxPool2DWithIndicesBackward0, MaxPool3DWithIndicesBackward0, AdaptiveMaxPool2DBackward0,
// AdaptiveMaxPool3DBackward0: saves the indices.
struct MaxPoolBackward : Node {
  const char* label;
  int nd;
  Dims input_sizes;
  MaxPoolBackward(const char* l, int n, Dims sizes) : label(l), nd(n), input_sizes(std::move(sizes)) {}
  std::string name() const override { return label; }
  tensor_list apply(tensor_list&& g) override { return {max_pool_gradient(g[0], saved(0), input_sizes, nd)}; }
};

std::tuple<Tensor, Tensor> max_pool_run(const Tensor& input, int nd, const cpu::PoolGeometry& g, bool adaptive,
                                        const char* kernel_name) {
  if (is_reduced_float(input.dtype())) {  // exact in float32: Note [Half-precision ops]
    tensor_list r = run_in_float32({input}, input.dtype(), [nd, g, adaptive, kernel_name](const tensor_list& a) {
      auto [v, i] = max_pool_run(a[0], nd, g, adaptive, kernel_name);
      return tensor_list{v, i};
    });
    return {r[0], r[1]};
  }
  const ScalarType dtype = input.dtype();
  if (dtype == ScalarType::Bool || (adaptive && !is_floating(dtype))) not_implemented(kernel_name, dtype);
  const Dims shape = output_shape(input, nd, g);
  Tensor x = dense(input), out = empty(shape, dtype), indices = empty(shape, ScalarType::Int64);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<T, bool>) {
      if (adaptive) cpu::adaptive_max_pool<T>(x.data<T>(), out.data<T>(), indices.data<int64_t>(), g);
      else cpu::max_pool<T>(x.data<T>(), out.data<T>(), indices.data<int64_t>(), g);
    }
  });
  if (compute_requires_grad({&input})) {
    const char* label = adaptive ? (nd == 3 ? "AdaptiveMaxPool3DBackward0" : "AdaptiveMaxPool2DBackward0")
                                 : (nd == 3 ? "MaxPool3DWithIndicesBackward0" : "MaxPool2DWithIndicesBackward0");
    auto node = make_node<MaxPoolBackward>({&input}, label, nd, input.sizes());
    node->save(indices);
    set_history(out, node);
  }
  return {out, indices};
}

std::tuple<Tensor, Tensor> max_pool_nd(const char* op, const Tensor& input, int nd, const Dims& kernel_size,
                                       const Dims& stride, const Dims& padding, const Dims& dilation, bool ceil_mode) {
  const cpu::PoolGeometry g = pool_geometry(op, input, nd, kernel_size, stride, padding, dilation, ceil_mode, true);
  return max_pool_run(input, nd, g, false, op);
}

std::tuple<Tensor, Tensor> adaptive_max_pool_nd(const char* op, const char* kernel_name, const Tensor& input, int nd,
                                                const Dims& output_size) {
  const cpu::PoolGeometry g = adaptive_geometry(op, input, nd, output_size);
  return max_pool_run(input, nd, g, true, kernel_name);
}

// ---- average pooling and adaptive average pooling ----

struct AvgPoolSpec {
  int nd;
  bool adaptive;
  cpu::PoolGeometry g;
  bool count_include_pad;
  int64_t divisor_override;  // 0: none
  Dims input_sizes;
  const char* name() const {
    if (adaptive) return nd == 3 ? "AdaptiveAvgPool3DBackward0" : "AdaptiveAvgPool2DBackward0";
    return nd == 3 ? "AvgPool3DBackward0" : "AvgPool2DBackward0";
  }
  const char* backward_name() const {
    if (adaptive) return nd == 3 ? "AdaptiveAvgPool3DBackwardBackward0" : "AdaptiveAvgPool2DBackwardBackward0";
    return nd == 3 ? "AvgPool3DBackwardBackward0" : "AvgPool2DBackwardBackward0";
  }
};

Tensor pool_avg(const Tensor& input, const AvgPoolSpec& spec);
Tensor pool_avg_backward(const Tensor& grad, const AvgPoolSpec& spec);

// AvgPool2DBackward0, AvgPool3DBackward0, AdaptiveAvgPool2DBackward0, AdaptiveAvgPool3DBackward0.
struct AvgPoolBackward : Node {
  AvgPoolSpec spec;
  explicit AvgPoolBackward(AvgPoolSpec s) : spec(std::move(s)) {}
  std::string name() const override { return spec.name(); }
  tensor_list apply(tensor_list&& g) override { return {pool_avg_backward(g[0], spec)}; }
};

// The derivative of the backward (create_graph): average pooling of the gradient's gradient.
struct AvgPoolBackwardBackward : Node {
  AvgPoolSpec spec;
  explicit AvgPoolBackwardBackward(AvgPoolSpec s) : spec(std::move(s)) {}
  std::string name() const override { return spec.backward_name(); }
  tensor_list apply(tensor_list&& g) override { return {pool_avg(g[0], spec)}; }
};

// The pooled tensor: input of the spec's input shape (or, differentiating the backward, of that shape too).
Tensor pool_avg(const Tensor& input, const AvgPoolSpec& spec) {
  Dims shape(spec.input_sizes.begin(), spec.input_sizes.end() - spec.nd);
  for (int i = 0; i < spec.nd; ++i) shape.push_back(spec.g.out[3 - spec.nd + i]);
  Tensor x = dense(input), out = empty(shape, input.dtype());
  dispatch(input.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      if (spec.adaptive) cpu::adaptive_avg_pool<T>(x.data<T>(), out.data<T>(), spec.g);
      else cpu::avg_pool<T>(x.data<T>(), out.data<T>(), spec.g, spec.count_include_pad, spec.divisor_override);
    } else if constexpr (std::is_same_v<T, int64_t>) {
      if (!spec.adaptive)
        cpu::avg_pool<T>(x.data<T>(), out.data<T>(), spec.g, spec.count_include_pad, spec.divisor_override);
    }
  });
  if (compute_requires_grad({&input})) set_history(out, make_node<AvgPoolBackward>({&input}, spec));
  return out;
}

// Each output's gradient spread over its window (Note [Pooling gradients]).
Tensor pool_avg_backward(const Tensor& grad, const AvgPoolSpec& spec) {
  Tensor g = dense(grad), out = empty(spec.input_sizes, grad.dtype());
  dispatch_float(grad.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (spec.adaptive) cpu::adaptive_avg_pool_backward<T>(g.data<T>(), out.data<T>(), spec.g);
    else cpu::avg_pool_backward<T>(g.data<T>(), out.data<T>(), spec.g, spec.count_include_pad, spec.divisor_override);
  });
  if (compute_requires_grad({&grad})) set_history(out, make_node<AvgPoolBackwardBackward>({&grad}, spec));
  return out;
}

Tensor avg_pool_nd(const char* op, const char* kernel_name, const Tensor& input, int nd, const Dims& kernel_size,
                   const Dims& stride, const Dims& padding, bool ceil_mode, bool count_include_pad,
                   std::optional<int64_t> divisor_override) {
  FG_CHECK(!divisor_override || *divisor_override != 0, Error, "divisor must be not zero");
  // PyTorch's CPU avg_pool3d has no float16/bfloat16 kernel
  if (is_reduced_float(input.dtype()) && nd == 3) not_implemented(kernel_name, input.dtype());
  if (is_reduced_float(input.dtype()))  // Note [Half-precision ops]
    return in_float32({input}, input.dtype(), [=](const tensor_list& a) {
      return avg_pool_nd(op, kernel_name, a[0], nd, kernel_size, stride, padding, ceil_mode, count_include_pad,
                         divisor_override);
    });
  AvgPoolSpec spec{nd, false, pool_geometry(op, input, nd, kernel_size, stride, padding, {1}, ceil_mode, false),
                   count_include_pad, divisor_override.value_or(0), input.sizes()};
  if (!is_floating(input.dtype()) && input.dtype() != ScalarType::Int64) not_implemented(kernel_name, input.dtype());
  return pool_avg(input, spec);
}

Tensor adaptive_avg_pool_nd(const char* op, const char* kernel_name, const Tensor& input, int nd,
                            const Dims& output_size) {
  check_output_size(op, nd, output_size);
  if (is_reduced_float(input.dtype()))  // Note [Half-precision ops]
    return in_float32({input}, input.dtype(),
                      [=](const tensor_list& a) { return adaptive_avg_pool_nd(op, kernel_name, a[0], nd, output_size); });
  bool ones = true;
  for (int64_t o : output_size) ones = ones && o == 1;
  if (ones) {  // as PyTorch: a mean over the spatial dims (MeanBackward1)
    Dims dims;
    for (int i = 0; i < nd; ++i) dims.push_back(-nd + i);
    return mean(input, dims, /*keepdim=*/true);
  }
  const cpu::PoolGeometry g = adaptive_geometry(op, input, nd, output_size);
  if (!is_floating(input.dtype()) && input.numel() > 0 && g.out_plane() > 0)
    not_implemented(kernel_name, input.dtype());
  return pool_avg(input, AvgPoolSpec{nd, true, g, false, 0, input.sizes()});
}

// ---- max_unpool ----

// max_unpool's gradient, the incoming gradient read at the indices (See Note [Pooling gradients]).
Tensor unpool_gradient(const Tensor& grad, const Tensor& indices, int nd) {
  const int64_t planes = plane_count(indices.sizes(), nd), in_plane = plane_size(indices.sizes(), nd);
  const int64_t out_plane = plane_size(grad.sizes(), nd);
  if (GradMode::is_enabled())
    return reshape(gather(reshape(grad, {planes, out_plane}), 1, reshape(indices, {planes, in_plane})),
                   indices.sizes());
  Tensor out = empty(indices.sizes(), grad.dtype()), g = dense(grad), idx = dense(indices);
  dispatch_float(grad.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cpu::gather_planes<T>(g.data<T>(), idx.data<int64_t>(), out.data<T>(), planes, out_plane, in_plane);
  });
  return out;
}

// MaxUnpool2DBackward0, MaxUnpool3DBackward0: saves the indices.
struct MaxUnpoolBackward : Node {
  int nd;
  explicit MaxUnpoolBackward(int n) : nd(n) {}
  std::string name() const override { return nd == 3 ? "MaxUnpool3DBackward0" : "MaxUnpool2DBackward0"; }
  tensor_list apply(tensor_list&& g) override { return {unpool_gradient(g[0], saved(0), nd)}; }
};

Tensor max_unpool_nd(const char* op, const Tensor& input, const Tensor& indices, int nd, const Dims& output_size) {
  if (is_reduced_float(input.dtype()))  // Note [Half-precision ops]
    return in_float32({input, indices}, input.dtype(), [=](const tensor_list& a) {
      return max_unpool_nd(op, a[0], a[1], nd, output_size);
    });
  FG_CHECK(indices.dtype() == ScalarType::Int64, Error, "elements in indices should be type int64 but got: ",
           scalar_type_name(indices.dtype()));
  FG_CHECK(indices.sizes() == input.sizes(), Error,
           "Expected shape of indices to be same as that of the input tensor (", shape_str(input.sizes()),
           ") but got indices tensor with shape: ", shape_str(indices.sizes()));
  FG_CHECK(static_cast<int>(output_size.size()) == nd, Error, "There should be exactly ", count_word(nd),
           " elements in output_size, but got ", output_size.size(), " elements.");
  FG_CHECK(input.dim() == nd + 1 || input.dim() == nd + 2, Error, "Input to ", op, " should be a ", nd + 1, "d or ",
           nd + 2, "d Tensor, but got a tensor with ", input.dim(), " dimensions.");
  for (int64_t d = input.dim() == nd + 2 ? 1 : 0; d < input.dim(); ++d)
    FG_CHECK(input.size(d) > 0, Error, op, "(): Expected input to have non-zero size for non-batch dimensions, but "
             "got ", shape_str(input.sizes()), " with dimension ", d, " being empty.");
  for (int64_t o : output_size) FG_CHECK(o >= 0, Error, op, ": output_size must be non-negative");
  if (!is_floating(input.dtype())) not_implemented(op, input.dtype());
  Dims shape(input.sizes().begin(), input.sizes().end() - nd);
  for (int64_t o : output_size) shape.push_back(o);
  const int64_t planes = plane_count(input.sizes(), nd), in_plane = plane_size(input.sizes(), nd);
  const int64_t out_plane = plane_size(shape, nd);
  Tensor x = dense(input), idx = dense(indices), out = empty(shape, input.dtype());
  int64_t bad = 0;
  bool ok = true;
  dispatch_float(input.dtype(), [&](auto tag) {
    using T = decltype(tag);
    ok = cpu::max_unpool<T>(x.data<T>(), idx.data<int64_t>(), out.data<T>(), planes, in_plane, out_plane, &bad);
  });
  FG_CHECK(ok, Error, "Found an invalid max index: ", bad, " (output volumes are of size ", joined(output_size, "x"),
           ")");
  if (compute_requires_grad({&input})) {
    auto node = make_node<MaxUnpoolBackward>({&input}, nd);
    node->save(idx);
    set_history(out, node);
  }
  return out;
}

}  // namespace

// ---- the public ops ----

std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, const Dims& kernel_size, const Dims& stride,
                                                   const Dims& padding, const Dims& dilation, bool ceil_mode) {
  return max_pool_nd("max_pool2d", input, 2, kernel_size, stride, padding, dilation, ceil_mode);
}

std::tuple<Tensor, Tensor> max_pool3d_with_indices(const Tensor& input, const Dims& kernel_size, const Dims& stride,
                                                   const Dims& padding, const Dims& dilation, bool ceil_mode) {
  return max_pool_nd("max_pool3d", input, 3, kernel_size, stride, padding, dilation, ceil_mode);
}

std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& input, const Dims& kernel_size, const Dims& stride,
                                                   const Dims& padding, const Dims& dilation, bool ceil_mode) {
  FG_CHECK(input.dim() == 2 || input.dim() == 3, Error,
           "max_pool1d() Expected 2D or 3D input tensor, but got ", shape_str(input.sizes()));
  const Dims s = stride.empty() ? stride : with_unit(one_d(stride, "max_pool1d", "stride"), 1);
  auto [out, indices] = max_pool2d_with_indices(
      unsqueeze(input, -2), with_unit(one_d(kernel_size, "max_pool1d", "kernel_size"), 1), s,
      with_unit(one_d(padding, "max_pool1d", "padding"), 0), with_unit(one_d(dilation, "max_pool1d", "dilation"), 1),
      ceil_mode);
  return {squeeze(out, -2), squeeze(indices, -2)};
}

Tensor max_pool1d(const Tensor& input, const Dims& kernel_size, const Dims& stride, const Dims& padding,
                  const Dims& dilation, bool ceil_mode) {
  return std::get<0>(max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode));
}

Tensor max_pool2d(const Tensor& input, const Dims& kernel_size, const Dims& stride, const Dims& padding,
                  const Dims& dilation, bool ceil_mode) {
  return std::get<0>(max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode));
}

Tensor max_pool3d(const Tensor& input, const Dims& kernel_size, const Dims& stride, const Dims& padding,
                  const Dims& dilation, bool ceil_mode) {
  return std::get<0>(max_pool3d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode));
}

Tensor max_unpool2d(const Tensor& input, const Tensor& indices, const Dims& output_size) {
  return max_unpool_nd("max_unpool2d", input, indices, 2, output_size);
}

Tensor max_unpool3d(const Tensor& input, const Tensor& indices, const Dims& output_size) {
  return max_unpool_nd("max_unpool3d", input, indices, 3, output_size);
}

// As PyTorch: the 2-d op on (..., L, 1).
Tensor max_unpool1d(const Tensor& input, const Tensor& indices, const Dims& output_size) {
  FG_CHECK(output_size.size() == 1, Error, "max_unpool1d: output_size must hold one value, but got ",
           output_size.size());
  return squeeze(max_unpool2d(unsqueeze(input, -1), unsqueeze(indices, -1), {output_size[0], 1}), -1);
}

Tensor avg_pool2d(const Tensor& input, const Dims& kernel_size, const Dims& stride, const Dims& padding,
                  bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override) {
  return avg_pool_nd("avg_pool2d", "avg_pool2d", input, 2, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override);
}

Tensor avg_pool3d(const Tensor& input, const Dims& kernel_size, const Dims& stride, const Dims& padding,
                  bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override) {
  return avg_pool_nd("avg_pool3d", "avg_pool3d_out_frame", input, 3, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override);
}

Tensor avg_pool1d(const Tensor& input, const Dims& kernel_size, const Dims& stride, const Dims& padding,
                  bool ceil_mode, bool count_include_pad) {
  FG_CHECK(input.dim() == 2 || input.dim() == 3, Error, "Expected 2 to 3 dimensions, but got ", input.dim(),
           "-dimensional tensor for argument #1 'self' (while checking arguments for avg_pool1d)");
  const Dims s = stride.empty() ? stride : with_unit(one_d(stride, "avg_pool1d", "stride"), 1);
  return squeeze(avg_pool2d(unsqueeze(input, -2), with_unit(one_d(kernel_size, "avg_pool1d", "kernel_size"), 1), s,
                            with_unit(one_d(padding, "avg_pool1d", "padding"), 0), ceil_mode, count_include_pad),
                 -2);
}

Tensor adaptive_avg_pool2d(const Tensor& input, const Dims& output_size) {
  return adaptive_avg_pool_nd("adaptive_avg_pool2d", "adaptive_avg_pool2d", input, 2, output_size);
}

Tensor adaptive_avg_pool3d(const Tensor& input, const Dims& output_size) {
  return adaptive_avg_pool_nd("adaptive_avg_pool3d", "adaptive_avg_pool3d_cpu", input, 3, output_size);
}

Tensor adaptive_avg_pool1d(const Tensor& input, const Dims& output_size) {
  FG_CHECK(input.dim() == 2 || input.dim() == 3, Error, "Expected 2 to 3 dimensions, but got ", input.dim(),
           "-dimensional tensor for argument #1 'self' (while checking arguments for adaptive_avg_pool1d)");
  FG_CHECK(output_size.size() == 1, Error, "adaptive_avg_pool1d: output_size must be 1");
  return squeeze(adaptive_avg_pool2d(unsqueeze(input, -2), {1, output_size[0]}), -2);
}

std::tuple<Tensor, Tensor> adaptive_max_pool2d(const Tensor& input, const Dims& output_size) {
  return adaptive_max_pool_nd("adaptive_max_pool2d", "adaptive_max_pool2d", input, 2, output_size);
}

std::tuple<Tensor, Tensor> adaptive_max_pool3d(const Tensor& input, const Dims& output_size) {
  return adaptive_max_pool_nd("adaptive_max_pool3d", "adaptive_max_pool3d_cpu", input, 3, output_size);
}

std::tuple<Tensor, Tensor> adaptive_max_pool1d(const Tensor& input, const Dims& output_size) {
  FG_CHECK(input.dim() == 2 || input.dim() == 3, Error, "Expected 2 to 3 dimensions, but got ", input.dim(),
           "-dimensional tensor for argument #1 'self' (while checking arguments for adaptive_max_pool1d)");
  FG_CHECK(output_size.size() == 1, Error, "adaptive_max_pool1d: output_size must be 1");
  auto [out, indices] = adaptive_max_pool2d(unsqueeze(input, -2), {1, output_size[0]});
  return {squeeze(out, -2), squeeze(indices, -2)};
}

}  // namespace fastgrad
