// Convolution and transposed convolution (conv1d/2d/3d, conv_transpose1d/2d/3d), unfold (im2col) and fold
// (col2im): forward and derivative side by side. The kernels are in cpu/conv.cpp (Note [Convolution as matrix
// products] in cpu/conv.h).
//
// Both convolutions record one Node, ConvolutionBackward0, as PyTorch does. Its apply runs the kernels when
// grad mode is off; under create_graph it computes the same three products with public ops -- matmul and the
// two layout ops below, columns_of (im2col, Im2ColBackward0) and image_of (col2im, Col2ImBackward0), each the
// other's derivative -- so derivatives of every order are recorded.
#include <cstdint>
#include <string>

#include "../cpu/conv.h"
#include "common.h"
#include "elementwise.h"
#include "reduced_float.h"
#include "fastgrad/autocast.h"

namespace fastgrad {

namespace {

// ---- shapes ----

// One convolution's parameters, one value per spatial dim.
struct ConvSpec {
  Dims stride, padding, dilation, output_padding;
  bool transposed = false;
  int64_t groups = 1;
  int64_t nd() const { return static_cast<int64_t>(stride.size()); }
};

// The geometry of an image and its columns (the layout ops' parameters).
struct Columns {
  cpu::ConvGeometry geometry;
  int64_t nd = 2;        // spatial dims (right-aligned in the geometry's 3 slots)
  int64_t channels = 0;  // image channels
  bool batched = true;   // (N, C, *image) / (N, C * K, L), else without N
};

// 2-d and 3-d parameter names as PyTorch's kernels print them ("kernel_height: 2 kernel_width: 3"); a 1-d
// convolution runs as a 2-d one of height 1 there, so it prints `pad_value` as its height.
std::string axis_values(const char* what, const Dims& v, int64_t pad_value, const char* sep) {
  static const char* const names3[] = {"depth", "height", "width"};
  Dims all = v;
  if (all.size() == 1) all.insert(0, pad_value);
  const char* const* names = names3 + (3 - static_cast<int64_t>(all.size()));
  std::string s;
  for (size_t i = 0; i < all.size(); ++i) {
    if (i) s += sep;
    s += std::string(what) + "_" + names[i] + ": " + std::to_string(all[i]);
  }
  return s;
}

// "(4 x 4)" / "(4, 4)" lists of PyTorch's messages.
std::string joined(const Dims& v, const char* sep) {
  std::string s = "(";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + std::to_string(v[i]);
  return s + ")";
}

// A 1-d list printed as the 2-d one PyTorch's kernels see ([1, k]).
Dims as_2d(const Dims& v, int64_t pad_value) {
  Dims all = v;
  if (all.size() == 1) all.insert(0, pad_value);
  return all;
}

Dims expand_param(const Dims& v, const char* name, int64_t nd) {
  if (v.size() == 1) return Dims(static_cast<size_t>(nd), v[0]);
  FG_CHECK(static_cast<int64_t>(v.size()) == nd, Error, "expected ", name, " to be a single integer value or a list of ",
           nd, " values to match the convolution dimensions, but got ", name, "=", shape_str(v));
  return v;
}

// A size computed in 128 bits from user parameters, clamped to int64 (it must not wrap).
int64_t clamp64(__int128 v) {
  constexpr __int128 hi = INT64_MAX, lo = INT64_MIN;
  return static_cast<int64_t>(v > hi ? hi : v < lo ? lo : v);
}
__int128 effective_kernel(int64_t kernel, int64_t dilation) { return __int128(dilation) * (kernel - 1) + 1; }

// PyTorch's argument checks of a convolution, in its order, and the parameters expanded to one per spatial dim.
// `input` is batched.
ConvSpec convolution_spec(const Tensor& input, const Tensor& weight, const Tensor& bias, const Dims& stride,
                          const Dims& padding, const Dims& dilation, bool transposed, const Dims& output_padding,
                          int64_t groups) {
  FG_CHECK(input.defined() && weight.defined(), Error, "convolution: input and weight must be defined");
  FG_CHECK(!bias.defined() || bias.dtype() == input.dtype(), Error, "Input type (", c_type_name(input.dtype()),
           ") and bias type (", c_type_name(bias.dtype()), ") should be the same");
  FG_CHECK(weight.dim() >= 3, Error, "weight should have at least three dimensions");
  FG_CHECK(groups > 0, Error, "non-positive groups is not supported");
  const int64_t nd = weight.dim() - 2;
  ConvSpec spec;
  spec.stride = expand_param(stride, "stride", nd);
  spec.padding = expand_param(padding, "padding", nd);
  spec.dilation = expand_param(dilation, "dilation", nd);
  spec.output_padding = expand_param(output_padding, "output_padding", nd);
  spec.transposed = transposed;
  spec.groups = groups;
  for (int64_t p : spec.padding) FG_CHECK(p >= 0, Error, "negative padding is not supported");
  for (int64_t p : spec.output_padding) FG_CHECK(p >= 0, Error, "negative output_padding is not supported");
  for (int64_t s : spec.stride) FG_CHECK(s > 0, Error, "non-positive stride is not supported");
  for (int64_t d : spec.dilation) FG_CHECK(d >= 0, Error, "dilation should be greater than zero");

  const Dims& w = weight.sizes();
  FG_CHECK(weight.dim() == input.dim(), Error, "Expected ", weight.dim(), "-dimensional input for ", weight.dim(),
           "-dimensional weight ", shape_str(w), ", but got ", input.dim(), "-dimensional input of size ",
           shape_str(input.sizes()), " instead");
  FG_CHECK(w[0] >= groups, Error, "Given groups=", groups, ", expected weight to be at least ", groups,
           " at dimension 0, but got weight of size ", shape_str(w), " instead");
  FG_CHECK(w[0] % groups == 0, Error, "Given groups=", groups, ", expected weight to be divisible by ", groups,
           " at dimension 0, but got weight of size [", shape_str(w), "] instead");
  const bool bias_ok = !bias.defined() || bias.dim() == 1;
  if (!transposed) {
    FG_CHECK(input.size(1) == w[1] * groups, Error, "Given groups=", groups, ", weight of size ", shape_str(w),
             ", expected input", shape_str(input.sizes()), " to have ", w[1] * groups, " channels, but got ",
             input.size(1), " channels instead");
    FG_CHECK(bias_ok && (!bias.defined() || bias.size(0) == w[0]), Error, "Given weight of size ", shape_str(w),
             ", expected bias to be 1-dimensional with ", w[0], " elements, but got bias of size ",
             shape_str(bias.sizes()), " instead");
    Dims padded, kernel;
    bool fits = true;
    for (int64_t i = 0; i < nd; ++i) {
      FG_CHECK(spec.padding[i] <= INT64_MAX / 2, Error, "Given padding=", spec.padding[i], " at dimension ", i,
               " , expected padding to be at most ", INT64_MAX / 2);
      padded.push_back(clamp64(__int128(input.size(2 + i)) + 2 * __int128(spec.padding[i])));
      kernel.push_back(clamp64(effective_kernel(w[2 + i], spec.dilation[i])));
      fits &= padded.back() >= kernel.back();
    }
    FG_CHECK(fits, Error, "Calculated padded input size per channel: ", joined(padded, " x "), ". Kernel size: ",
             joined(kernel, " x "), ". Kernel size can't be greater than actual input size");
  } else {
    FG_CHECK(input.size(1) == w[0], Error, "Given transposed=1, weight of size ", shape_str(w), ", expected input",
             shape_str(input.sizes()), " to have ", w[0], " channels, but got ", input.size(1), " channels instead");
    FG_CHECK(bias_ok && (!bias.defined() || bias.size(0) == w[1] * groups), Error, "Given transposed=1, weight of size ",
             shape_str(w), ", expected bias to be 1-dimensional with ", w[1] * groups,
             " elements, but got bias of size ", shape_str(bias.sizes()), " instead");
  }

  // The checks of PyTorch's kernels, after the shapes.
  Dims kernel(w.begin() + 2, w.end());
  bool dilated = false, empty_kernel = false;
  for (int64_t i = 0; i < nd; ++i) {
    dilated |= spec.dilation[i] != 1;
    empty_kernel |= kernel[i] == 0;
  }
  if (transposed && (empty_kernel || w[1] == 0) && nd == 3)
    FG_CHECK(false, Error, "non-empty 5D (n_output_plane x n_input_plane x kernel_depth x kernel_height x kernel_width) "
             "tensor expected for weight, but got: ", shape_str(w));
  if (empty_kernel) {
    if (dilated && !transposed)
      FG_CHECK(false, Error, "kernel size should be greater than zero, but got ", shape_str(as_2d(kernel, 1)));
    if (nd == 3 && !transposed)
      FG_CHECK(false, Error, "kernel size should be greater than zero, but got: ", kernel[0], " x ", kernel[1], " x ",
               kernel[2], " (TxHxW)");
    FG_CHECK(false, Error, "kernel size should be greater than zero, but got ", axis_values("kernel", kernel, 1, " "));
  }
  if (transposed && w[1] == 0) {
    Dims shown = w;
    if (nd == 1) shown.insert(2, 1);
    FG_CHECK(false, Error, "non-empty 2D or 4D weight tensor expected, but got: ", shape_str(shown));
  }
  for (int64_t d : spec.dilation) {
    if (d > 0) continue;
    if (transposed)
      FG_CHECK(false, Error, "dilation should be greater than zero, but got ", axis_values("dilation", spec.dilation, 1, ", "));
    FG_CHECK(false, Error, "dilation should be greater than zero, but got ", shape_str(as_2d(spec.dilation, 1)));
  }
  if (transposed) {
    bool small = true;
    for (int64_t i = 0; i < nd; ++i)
      small &= spec.output_padding[i] < spec.stride[i] || spec.output_padding[i] < spec.dilation[i];
    FG_CHECK(small, Error, "output padding must be smaller than either stride or dilation, but got ",
             axis_values("output_padding", spec.output_padding, 0, " "), " ", axis_values("stride", spec.stride, 1, " "),
             " ", axis_values("dilation", spec.dilation, 1, " "));
    Dims in(input.sizes().begin() + 2, input.sizes().end()), out;
    bool positive = true;
    for (int64_t i = 0; i < nd; ++i)
      out.push_back(clamp64(__int128(in[i] - 1) * spec.stride[i] - 2 * __int128(spec.padding[i]) +
                            effective_kernel(kernel[i], spec.dilation[i]) - 1 + spec.output_padding[i] + 1));
    bool empty_plane = false;
    for (int64_t s : in) empty_plane |= s == 0;
    for (int64_t o : out) positive &= o >= (empty_plane ? 0 : 1);  // (an empty batch of empty planes may give none)
    FG_CHECK(positive, Error, "Given input size per channel: ", joined(as_2d(in, 1), " x "),
             ". Calculated output size per channel: ", joined(as_2d(out, 1), " x "), ". Output size is too small");
    Dims shown = input.sizes();
    if (nd == 1) shown.insert(2, 1);
    FG_CHECK(!(empty_plane && input.size(0) > 0), Error,
             "Only zero batch or zero channel inputs are supported, but got input shape: ", shape_str(shown));
  }
  FG_CHECK(weight.dtype() == input.dtype(), Error, "expected scalar type ", scalar_type_name(input.dtype()),
           " but found ", scalar_type_name(weight.dtype()));
  if (input.size(0) > 0) {  // PyTorch's CPU kernels by dtype (an empty batch runs none)
    const ScalarType t = input.dtype();
    const bool narrow = t == ScalarType::Bool || t == ScalarType::Int32;
    if (transposed) check_kernel(!narrow, nd == 3 ? "slow_conv_transpose3d_out_cpu" : "slow_conv_transpose2d_out_cpu", t);
    else if (dilated) check_kernel(!narrow, "slow_conv_dilated<>", t);
    else check_kernel(t != ScalarType::Bool, nd == 3 ? "compute_columns3d" : "slow_conv2d_cpu", t);
  }
  return spec;
}

// The kernels' description of a convolution of `input` (batched) with `weight`, and the output's sizes.
cpu::ConvShape conv_shape(const Dims& in, const Dims& w, const ConvSpec& spec, Dims& out) {
  const int64_t nd = spec.nd(), off = 3 - nd;
  cpu::ConvShape s;
  s.batch = in[0];
  s.groups = spec.groups;
  cpu::ConvGeometry& g = s.geometry;
  for (int64_t i = 0; i < nd; ++i) {
    g.kernel[off + i] = w[2 + i];
    g.stride[off + i] = spec.stride[i];
    g.padding[off + i] = spec.padding[i];
    g.dilation[off + i] = spec.dilation[i];
  }
  out = Dims{in[0]};
  if (!spec.transposed) {
    s.image_channels = in[1];
    s.window_channels = w[0];
    // PyTorch's quirk, kept: with no input channels the output has none either.
    out.push_back(in[1] == 0 ? 0 : w[0]);
    for (int64_t i = 0; i < nd; ++i) {
      g.image[off + i] = in[2 + i];
      g.windows[off + i] = clamp64((__int128(in[2 + i]) + 2 * __int128(spec.padding[i]) -
                                    effective_kernel(w[2 + i], spec.dilation[i])) / spec.stride[i] + 1);
      out.push_back(g.windows[off + i]);
    }
  } else {
    s.window_channels = in[1];
    s.image_channels = w[1] * spec.groups;
    out.push_back(s.image_channels);
    for (int64_t i = 0; i < nd; ++i) {
      g.windows[off + i] = in[2 + i];
      g.image[off + i] = clamp64(__int128(in[2 + i] - 1) * spec.stride[i] - 2 * __int128(spec.padding[i]) +
                                 effective_kernel(w[2 + i], spec.dilation[i]) + spec.output_padding[i]);
      out.push_back(g.image[off + i]);
    }
  }
  return s;
}

// f(T{}) for the dtypes the products run in (float32, float64, int32, int64).
template <class F>
void dispatch_products(ScalarType dtype, F&& f) {
  switch (dtype) {
    case ScalarType::Float32: f(float{}); break;
    case ScalarType::Float64: f(double{}); break;
    case ScalarType::Int32: f(int32_t{}); break;
    case ScalarType::Int64: f(int64_t{}); break;
    default: FG_CHECK(false, Error, "convolution: unsupported dtype ", dtype_name(dtype));
  }
}

template <class T>
const T* ptr_or_null(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

// ---- the layout ops: image <-> columns ----

Dims image_sizes(const Columns& c, int64_t batch) {
  Dims d;
  if (c.batched) d.push_back(batch);
  d.push_back(c.channels);
  for (int64_t i = 3 - c.nd; i < 3; ++i) d.push_back(c.geometry.image[i]);
  return d;
}

Dims column_sizes(const Columns& c, int64_t batch) {
  Dims d;
  if (c.batched) d.push_back(batch);
  d.push_back(c.channels * c.geometry.kernel_numel());
  d.push_back(c.geometry.window_numel());
  return d;
}

Tensor columns_of(const Tensor& image, const Columns& c);
Tensor image_of(const Tensor& columns, const Columns& c);

struct Im2ColBackward0 : NamedNode<Im2ColBackward0> {
  static constexpr const char* kName = "Im2ColBackward0";
  Columns c;
  explicit Im2ColBackward0(const Columns& cols) : c(cols) {}
  tensor_list apply(tensor_list&& g) override { return {image_of(grad_or_zeros(g, 0), c)}; }
};

struct Col2ImBackward0 : NamedNode<Col2ImBackward0> {
  static constexpr const char* kName = "Col2ImBackward0";
  Columns c;
  explicit Col2ImBackward0(const Columns& cols) : c(cols) {}
  tensor_list apply(tensor_list&& g) override { return {columns_of(grad_or_zeros(g, 0), c)}; }
};

// f(T{}) for the dtypes the layout kernels move (all of them).
template <class F>
void dispatch_layout(ScalarType dtype, F&& f) {
  if (dtype == ScalarType::Bool) f(bool{});
  else dispatch_products(dtype, f);
}

Tensor columns_of(const Tensor& image, const Columns& c) {
  const int64_t batch = c.batched ? image.size(0) : 1;
  Tensor out = empty(column_sizes(c, batch), image.dtype());
  if (out.numel() > 0) {
    Tensor x = dense(image);
    dispatch_layout(image.dtype(), [&](auto tag) {
      using T = decltype(tag);
      cpu::im2col<T>(x.data<T>(), batch, c.channels, c.geometry, out.data<T>());
    });
  }
  if (compute_requires_grad({&image})) set_history(out, make_node<Im2ColBackward0>({&image}, c));
  return out;
}

Tensor image_of(const Tensor& columns, const Columns& c) {
  const int64_t batch = c.batched ? columns.size(0) : 1;
  Tensor out = empty(image_sizes(c, batch), columns.dtype());
  if (out.numel() > 0) {
    Tensor x = dense(columns);
    dispatch_layout(columns.dtype(), [&](auto tag) {
      using T = decltype(tag);
      cpu::col2im<T>(x.data<T>(), batch, c.channels, c.geometry, out.data<T>());
    });
  }
  if (compute_requires_grad({&columns})) set_history(out, make_node<Col2ImBackward0>({&columns}, c));
  return out;
}

// ---- convolution ----

// Note [Kept columns]: a convolution's weight gradient needs im2col(input) again; when the weight requires grad and
// the column matrix is small (at most kKeptColumnsBytes), the forward keeps the one it made and the Node saves it
// (released with the graph), so backward skips the second im2col. Larger ones are recomputed: a network of big
// layers would otherwise hold kernel_size times its activations.
constexpr int64_t kKeptColumnsBytes = int64_t(32) << 20;

struct ConvolutionBackward0 : NamedNode<ConvolutionBackward0> {
  static constexpr const char* kName = "ConvolutionBackward0";
  ConvSpec spec;
  bool kept_columns;
  ConvolutionBackward0(ConvSpec s, bool kept) : spec(std::move(s)), kept_columns(kept) {}

  // saved: input, weight, [the input's columns] (See Note [Kept columns])
  tensor_list apply(tensor_list&& g) override {
    Tensor input = saved(0), weight = saved(1);
    Tensor go = grad_or_zeros(g, 0);
    Dims out_sizes;
    const cpu::ConvShape s = conv_shape(input.sizes(), weight.sizes(), spec, out_sizes);
    tensor_list grads(3);
    if (!spec.transposed && input.size(1) == 0) {  // no input channels: nothing reached the output
      if (needs_input_grad(0)) grads[0] = zeros(input.sizes(), input.dtype());
      if (needs_input_grad(1)) grads[1] = zeros(weight.sizes(), weight.dtype());
      if (needs_input_grad(2)) grads[2] = zeros({weight.size(0)}, weight.dtype());
      return grads;
    }
    if (GradMode::is_enabled()) return composite(input, weight, go, s);
    const ScalarType dt = input.dtype();
    Tensor x = dense(input), w = dense(weight), god = dense(go, dt);
    const int64_t out_channels = out_sizes[1];
    const int64_t out_plane = spec.transposed ? s.geometry.image_numel() : s.geometry.window_numel();
    if (needs_input_grad(0)) grads[0] = empty(input.sizes(), dt);
    if (needs_input_grad(1)) grads[1] = empty(weight.sizes(), dt);
    if (needs_input_grad(2)) grads[2] = empty({out_channels}, dt);
    dispatch_float(dt, [&](auto tag) {
      using T = decltype(tag);
      if (grads[0].defined() && grads[0].numel() > 0) {
        if (spec.transposed) cpu::conv_windows_from_image<T>(s, god.data<T>(), w.data<T>(), nullptr, grads[0].data<T>());
        else cpu::conv_image_from_windows<T>(s, god.data<T>(), w.data<T>(), nullptr, grads[0].data<T>());
      }
      if (grads[1].defined()) {
        const T* windows = spec.transposed ? x.data<T>() : god.data<T>();
        const T* image = spec.transposed ? god.data<T>() : x.data<T>();
        const Tensor columns = kept_columns ? saved(2) : Tensor();
        cpu::conv_weight_grad<T>(s, windows, image, grads[1].data<T>(), ptr_or_null<T>(columns));
      }
      if (grads[2].defined()) cpu::channel_sums<T>(god.data<T>(), out_sizes[0], out_channels, out_plane, grads[2].data<T>());
    });
    return grads;
  }

  // create_graph: the products of Note [Convolution as matrix products] in public ops.
  tensor_list composite(const Tensor& input, const Tensor& weight, const Tensor& go, const cpu::ConvShape& s) {
    const int64_t N = s.batch, G = s.groups, nd = spec.nd();
    const int64_t K = s.geometry.kernel_numel(), L = s.geometry.window_numel();
    const int64_t cgk = s.image_channels / G * K, og = s.window_channels / G;
    Columns c{s.geometry, nd, s.image_channels, true};
    const Tensor& image = spec.transposed ? go : input;
    const Tensor& windows = spec.transposed ? input : go;
    Tensor w = reshape(weight, {G, og, cgk});
    tensor_list grads(3);
    Tensor cols;  // im2col(image), (N, G, cgk, L)
    auto image_columns = [&]() -> const Tensor& {
      if (!cols.defined()) cols = reshape(columns_of(image, c), {N, G, cgk, L});
      return cols;
    };
    if (needs_input_grad(0)) {
      if (spec.transposed) {
        grads[0] = reshape(matmul(w, image_columns()), input.sizes());
      } else {
        Tensor col_grad = matmul(transpose(w, 1, 2), reshape(go, {N, G, og, L}));
        grads[0] = image_of(reshape(col_grad, {N, s.image_channels * K, L}), c);
      }
    }
    if (needs_input_grad(1)) {
      Tensor per_sample = matmul(reshape(windows, {N, G, og, L}), transpose(image_columns(), 2, 3));
      grads[1] = reshape(sum(per_sample, {0}), weight.sizes());
    }
    if (needs_input_grad(2)) {
      Dims dims{0};
      for (int64_t i = 0; i < nd; ++i) dims.push_back(2 + i);
      grads[2] = sum(go, dims);
    }
    return grads;
  }
};

// The convolution itself, on a batched input, after convolution_spec's checks.
Tensor run_convolution(const Tensor& input, const Tensor& weight, const Tensor& bias, const ConvSpec& spec) {
  Dims out_sizes;
  const cpu::ConvShape s = conv_shape(input.sizes(), weight.sizes(), spec, out_sizes);
  const ScalarType dt = input.dtype();
  Tensor out = empty(out_sizes, dt);
  const bool record = compute_requires_grad({&input, &weight, &bias});
  Tensor columns;  // See Note [Kept columns]
  if (record && !spec.transposed && weight.requires_grad() && out.numel() > 0 && cpu::conv_uses_columns(s)) {
    const __int128 bytes = __int128(s.batch) * s.image_channels * s.geometry.kernel_numel() *
                           s.geometry.window_numel() * int64_t(element_size(dt));
    if (bytes <= kKeptColumnsBytes)
      columns = empty({s.batch, s.image_channels * s.geometry.kernel_numel(), s.geometry.window_numel()}, dt);
  }
  if (out.numel() > 0) {
    Tensor x = dense(input), w = dense(weight), b = bias.defined() ? dense(bias, dt) : Tensor();
    dispatch_products(dt, [&](auto tag) {
      using T = decltype(tag);
      if (spec.transposed)
        cpu::conv_image_from_windows<T>(s, x.data<T>(), w.data<T>(), ptr_or_null<T>(b), out.data<T>());
      else
        cpu::conv_windows_from_image<T>(s, x.data<T>(), w.data<T>(), ptr_or_null<T>(b), out.data<T>(),
                                        columns.defined() ? columns.data<T>() : nullptr);
    });
  }
  if (record) {
    auto node = make_node<ConvolutionBackward0>({&input, &weight, bias.defined() ? &bias : nullptr}, spec,
                                                columns.defined());
    node->save(input);
    node->save(weight);
    if (columns.defined()) node->save(columns);
    set_history(out, node);
  }
  return out;
}

// ---- the nn.functional forms: unbatched inputs, the bias dtype, padding modes ----

// PyTorch's checks before the convolution proper (the bias dtype first, then the input's rank), and whether
// the input is unbatched.
bool check_conv_input(const char* name, int64_t nd, const Tensor& input, const Tensor& weight, const Tensor& bias,
                      bool transposed = false) {
  FG_CHECK(input.defined() && weight.defined(), Error, name, ": input and weight must be defined");
  FG_CHECK(transposed || !bias.defined() || bias.dtype() == input.dtype(), Error, "Input type (", c_type_name(input.dtype()),
           ") and bias type (", c_type_name(bias.dtype()), ") should be the same");
  FG_CHECK(input.dim() == nd + 1 || input.dim() == nd + 2, Error, "Expected ", nd + 1, "D (unbatched) or ", nd + 2,
           "D (batched) input to ", name, ", but got input of size: ", shape_str(input.sizes()));
  return input.dim() == nd + 1;
}

Tensor conv_nd(const char* name, int64_t nd, const Tensor& input, const Tensor& weight, const Tensor& bias,
               const Dims& stride, const Dims& padding, const Dims& dilation, int64_t groups) {
  const bool unbatched = check_conv_input(name, nd, input, weight, bias);
  Tensor out = convolution(unbatched ? unsqueeze(input, 0) : input, weight, bias, stride, padding, dilation, false,
                           {0}, groups);
  return unbatched ? squeeze(out, 0) : out;
}

Tensor conv_nd(const char* name, int64_t nd, const Tensor& input, const Tensor& weight, const Tensor& bias,
               const Dims& stride, ConvPadding padding, const Dims& dilation, int64_t groups) {
  const bool unbatched = check_conv_input(name, nd, input, weight, bias);
  Tensor x = unbatched ? unsqueeze(input, 0) : input;
  Tensor out;
  if (padding == ConvPadding::Valid) {
    out = convolution(x, weight, bias, stride, {0}, dilation, false, {0}, groups);
  } else {
    FG_CHECK(weight.dim() == x.dim(), Error, "Expected ", weight.dim(), "-dimensional input for ", weight.dim(),
             "-dimensional weight", shape_str(weight.sizes()), ", but got ", x.dim(), "-dimensional input of size ",
             shape_str(x.sizes()), " instead");
    const int64_t k = weight.dim() - 2;
    const Dims st = expand_param(stride, "stride", k), dil = expand_param(dilation, "dilation", k);
    for (int64_t s : st) FG_CHECK(s == 1, Error, "padding='same' is not supported for strided convolutions");
    // d * (k - 1) in all per dim, half on each side; an odd total puts the extra one after the input (a zero
    // slice joined on, as PyTorch pads the input), the rest is the convolution's own symmetric padding.
    Dims pad(static_cast<size_t>(k));
    for (int64_t i = 0; i < k; ++i) {
      const int64_t total = clamp64(__int128(dil[i]) * (weight.size(2 + i) - 1));
      pad[i] = total / 2;
      if (total % 2 != 0) {
        Dims shape = x.sizes();
        shape[2 + i] = 1;
        x = cat({x, zeros(shape, x.dtype())}, 2 + i);
      }
    }
    out = convolution(x, weight, bias, st, pad, dil, false, {0}, groups);
  }
  return unbatched ? squeeze(out, 0) : out;
}

Tensor conv_transpose_nd(const char* name, int64_t nd, const Tensor& input, const Tensor& weight, const Tensor& bias,
                         const Dims& stride, const Dims& padding, const Dims& output_padding, int64_t groups,
                         const Dims& dilation) {
  const bool unbatched = check_conv_input(name, nd, input, weight, bias, true);
  // PyTorch's transposed convolution takes a bias of another dtype, converted to the input's.
  const Tensor b = bias.defined() && bias.dtype() != input.dtype() ? to_dtype(bias, input.dtype()) : bias;
  Tensor out = convolution(unbatched ? unsqueeze(input, 0) : input, weight, b, stride, padding, dilation, true,
                           output_padding, groups);
  return unbatched ? squeeze(out, 0) : out;
}

// ---- unfold / fold (2-d, as PyTorch's im2col / col2im) ----

Dims pair_param(const Dims& v, const char* name) {
  FG_CHECK(v.size() == 2, Error, "It is expected ", name, " equals to 2, but got size ", v.size());
  return v;
}

void check_positive(const Dims& v, const char* message, const char* what) {
  FG_CHECK(v[0] > 0 && v[1] > 0, Error, message, ", but got ", what, "_height: ", v[0], " ", what, "_width: ", v[1]);
}

Columns layout_2d(int64_t channels, const Dims& image, const Dims& windows, const Dims& kernel, const Dims& dilation,
                  const Dims& padding, const Dims& stride, bool batched) {
  Columns c;
  c.nd = 2;
  c.channels = channels;
  c.batched = batched;
  for (int i = 0; i < 2; ++i) {
    c.geometry.image[1 + i] = image[i];
    c.geometry.windows[1 + i] = windows[i];
    c.geometry.kernel[1 + i] = kernel[i];
    c.geometry.dilation[1 + i] = dilation[i];
    c.geometry.padding[1 + i] = padding[i];
    c.geometry.stride[1 + i] = stride[i];
  }
  return c;
}

int64_t blocks_along(int64_t size, int64_t kernel, int64_t dilation, int64_t padding, int64_t stride) {
  return clamp64((__int128(size) + 2 * __int128(padding) - effective_kernel(kernel, dilation)) / stride + 1);
}

}  // namespace

ConvPadding conv_padding_from_string(const std::string& s) {
  if (s == "valid") return ConvPadding::Valid;
  FG_CHECK(s == "same", Error, "Invalid padding string: '", s, "'");
  return ConvPadding::Same;
}

Tensor convolution(const Tensor& input, const Tensor& weight, const Tensor& bias, const Dims& stride,
                   const Dims& padding, const Dims& dilation, bool transposed, const Dims& output_padding,
                   int64_t groups) {
  if (AutocastMode::is_enabled()) {  // Note [Autocast]
    const Tensor input_ac = autocast_lower(input), weight_ac = autocast_lower(weight), bias_ac = autocast_lower(bias);
    AutocastOff off;
    return convolution(input_ac, weight_ac, bias_ac, stride, padding, dilation, transposed, output_padding, groups);
  }
  if (is_reduced_float(input.dtype()) && input.dtype() == weight.dtype() &&
      (!bias.defined() || bias.dtype() == input.dtype()))  // in float32 (Note [Storage dtypes])
    return in_float32({input, weight, bias}, input.dtype(),
                      [stride, padding, dilation, transposed, output_padding, groups](const tensor_list& a) {
                        return convolution(a[0], a[1], a[2], stride, padding, dilation, transposed, output_padding,
                                           groups);
                      });
  const ConvSpec spec =
      convolution_spec(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups);
  return run_convolution(input, weight, bias, spec);
}

Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Dims& stride, const Dims& padding,
              const Dims& dilation, int64_t groups) {
  return conv_nd("conv1d", 1, input, weight, bias, stride, padding, dilation, groups);
}
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Dims& stride, const Dims& padding,
              const Dims& dilation, int64_t groups) {
  return conv_nd("conv2d", 2, input, weight, bias, stride, padding, dilation, groups);
}
Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Dims& stride, const Dims& padding,
              const Dims& dilation, int64_t groups) {
  return conv_nd("conv3d", 3, input, weight, bias, stride, padding, dilation, groups);
}
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Dims& stride,
              ConvPadding padding, const Dims& dilation, int64_t groups) {
  return conv_nd("conv1d", 1, input, weight, bias, stride, padding, dilation, groups);
}
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Dims& stride,
              ConvPadding padding, const Dims& dilation, int64_t groups) {
  return conv_nd("conv2d", 2, input, weight, bias, stride, padding, dilation, groups);
}
Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Dims& stride,
              ConvPadding padding, const Dims& dilation, int64_t groups) {
  return conv_nd("conv3d", 3, input, weight, bias, stride, padding, dilation, groups);
}

Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Dims& stride,
                        const Dims& padding, const Dims& output_padding, int64_t groups, const Dims& dilation) {
  return conv_transpose_nd("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding, groups, dilation);
}
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Dims& stride,
                        const Dims& padding, const Dims& output_padding, int64_t groups, const Dims& dilation) {
  return conv_transpose_nd("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups, dilation);
}
Tensor conv_transpose3d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Dims& stride,
                        const Dims& padding, const Dims& output_padding, int64_t groups, const Dims& dilation) {
  return conv_transpose_nd("conv_transpose3d", 3, input, weight, bias, stride, padding, output_padding, groups, dilation);
}

Tensor im2col(const Tensor& input, const Dims& kernel_size, const Dims& dilation, const Dims& padding,
              const Dims& stride) {
  FG_CHECK(input.defined(), Error, "im2col: input must be defined");
  if (is_reduced_float(input.dtype()))  // Note [Half-precision ops]
    return in_float32({input}, input.dtype(), [=](const tensor_list& a) {
      return im2col(a[0], kernel_size, dilation, padding, stride);
    });
  const Dims kernel = pair_param(kernel_size, "kernel_size"), dil = pair_param(dilation, "dilation");
  const Dims pad = pair_param(padding, "padding"), st = pair_param(stride, "stride");
  check_positive(kernel, "kernel size should be greater than zero", "kernel");
  check_positive(dil, "dilation should be greater than zero", "dilation");
  FG_CHECK(pad[0] >= 0 && pad[1] >= 0, Error, "padding should be non-negative, but got pad_height: ", pad[0],
           " pad_width: ", pad[1]);
  check_positive(st, "stride should be greater than zero", "stride");
  const int64_t d = input.dim();
  bool nonempty = d == 3 || d == 4;
  for (int64_t i = d - 3; nonempty && i < d; ++i) nonempty = input.size(i) != 0;
  FG_CHECK(nonempty, Error, "Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero "
           "dimensions for input, but got: ", shape_str(input.sizes()));
  const Dims image{input.size(d - 2), input.size(d - 1)};
  const Dims blocks{blocks_along(image[0], kernel[0], dil[0], pad[0], st[0]),
                    blocks_along(image[1], kernel[1], dil[1], pad[1], st[1])};
  FG_CHECK(blocks[0] >= 1 && blocks[1] >= 1, Error, "Given input with spatial size ", joined(image, ", "),
           ", kernel_size=", joined(kernel, ", "), ", dilation=", joined(dil, ", "), ", padding=", joined(pad, ", "),
           ", calculated shape of the array of sliding blocks as ", joined(blocks, ", "),
           ", but its components must be at least one.");
  const ScalarType t = input.dtype();
  check_kernel(is_floating(t) || t == ScalarType::Bool, "im2col_out_cpu", t);
  return columns_of(input, layout_2d(input.size(d - 3), image, blocks, kernel, dil, pad, st, d == 4));
}

Tensor col2im(const Tensor& input, const Dims& output_size, const Dims& kernel_size, const Dims& dilation,
              const Dims& padding, const Dims& stride) {
  FG_CHECK(input.defined(), Error, "col2im: input must be defined");
  if (is_reduced_float(input.dtype()))  // Note [Half-precision ops]
    return in_float32({input}, input.dtype(), [=](const tensor_list& a) {
      return col2im(a[0], output_size, kernel_size, dilation, padding, stride);
    });
  const Dims out = pair_param(output_size, "output_size"), kernel = pair_param(kernel_size, "kernel_size");
  const Dims dil = pair_param(dilation, "dilation"), pad = pair_param(padding, "padding");
  const Dims st = pair_param(stride, "stride");
  check_positive(kernel, "kernel size should be greater than zero", "kernel");
  check_positive(st, "stride should be greater than zero", "stride");
  check_positive(dil, "dilation should be greater than zero", "dilation");
  FG_CHECK(pad[0] >= 0 && pad[1] >= 0, Error, "padding should be non-negative, but got pad_height: ", pad[0],
           " pad_width: ", pad[1]);
  const int64_t d = input.dim();
  bool nonempty = d == 2 || d == 3;
  for (int64_t i = d - 2; nonempty && i < d; ++i) nonempty = input.size(i) != 0;
  FG_CHECK(nonempty, Error, "Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero "
           "dimensions for input, but got: ", shape_str(input.sizes()));
  const int64_t rows = input.size(d - 2), k = kernel[0] * kernel[1];
  FG_CHECK(rows % k == 0, Error, "Expected size of input's dimension ", d - 2,
           " to be divisible by the product of kernel_size, but got input.size(", d - 2, ")=", rows,
           " and kernel_size=", joined(kernel, ", "), ".");
  const Dims blocks{blocks_along(out[0], kernel[0], dil[0], pad[0], st[0]),
                    blocks_along(out[1], kernel[1], dil[1], pad[1], st[1])};
  const int64_t L = input.size(d - 1);
  FG_CHECK(blocks[0] >= 1 && blocks[1] >= 1 && clamp64(__int128(blocks[0]) * blocks[1]) == L, Error,
           "Given output_size=", joined(out, ", "), ", kernel_size=", joined(kernel, ", "), ", dilation=",
           joined(dil, ", "), ", padding=", joined(pad, ", "), ", stride=", joined(st, ", "),
           ", expected size of input's dimension ", d - 1, " to match the calculated number of sliding blocks ",
           blocks[0], " * ", blocks[1], " = ", clamp64(__int128(blocks[0]) * blocks[1]), ", but got input.size(",
           d - 1, ")=", L, ".");
  const ScalarType t = input.dtype();
  check_kernel(is_floating(t) || t == ScalarType::Bool, "col2im_out_cpu", t);
  return image_of(input, layout_2d(rows / k, out, blocks, kernel, dil, pad, st, d == 3));
}

}  // namespace fastgrad
