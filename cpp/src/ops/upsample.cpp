// Upsampling (F.interpolate's nearest, nearest-exact, linear, bilinear, bicubic and trilinear modes), each op's
// Node beside it. The coordinate formulas and the loops are in cpu/upsample_kernels.h (Note [Upsampling
// coordinates]).
//
// Note [Upsampling gradients]
// Once the sizes, scales and align_corners are fixed, upsampling is linear in its input: out = M x for a fixed
// sparse M, so its gradient is M^T g (upsample_backward, recorded as UpsampleBilinear2DBackward0, ...), and the
// gradient's derivative with respect to g is M again: the forward op itself, recorded as
// UpsampleBilinear2DBackwardBackward0 (as PyTorch names it), so gradients differentiate any number of times.
#include <cmath>
#include <string>

#include "../cpu/upsample_kernels.h"
#include "common.h"
#include "reduced_float.h"

namespace fastgrad {

namespace {

using cpu::UpsampleKind;

// One upsampling op: the geometry of its kernels, the input's shape, its names.
struct UpsampleSpec {
  cpu::UpsampleGeometry g;
  Dims input_sizes;
  std::string label;  // "UpsampleBilinear2D"
  Dims output_shape() const {
    Dims shape(input_sizes.begin(), input_sizes.end() - g.nd);
    for (int i = 0; i < g.nd; ++i) shape.push_back(g.out[3 - g.nd + i]);
    return shape;
  }
};

Tensor upsample_run(const Tensor& input, const UpsampleSpec& spec);
Tensor upsample_backward_run(const Tensor& grad, const UpsampleSpec& spec);

// UpsampleNearest2DBackward0, UpsampleBilinear2DBackward0, ...: the transposed op (Note [Upsampling gradients]).
struct UpsampleBackward : Node {
  UpsampleSpec spec;
  explicit UpsampleBackward(UpsampleSpec s) : spec(std::move(s)) {}
  std::string name() const override { return spec.label + "Backward0"; }
  tensor_list apply(tensor_list&& g) override { return {upsample_backward_run(g[0], spec)}; }
};

// UpsampleNearest2DBackwardBackward0, ...: the derivative of the backward, the forward op.
struct UpsampleBackwardBackward : Node {
  UpsampleSpec spec;
  explicit UpsampleBackwardBackward(UpsampleSpec s) : spec(std::move(s)) {}
  std::string name() const override { return spec.label + "BackwardBackward0"; }
  tensor_list apply(tensor_list&& g) override { return {upsample_run(g[0], spec)}; }
};

Tensor upsample_run(const Tensor& input, const UpsampleSpec& spec) {
  Tensor x = dense(input), out = empty(spec.output_shape(), input.dtype());
  if (out.numel() > 0)
    dispatch_float(input.dtype(), [&](auto tag) {
      using T = decltype(tag);
      cpu::upsample<T>(x.data<T>(), out.data<T>(), spec.g);
    });
  if (compute_requires_grad({&input})) set_history(out, make_node<UpsampleBackward>({&input}, spec));
  return out;
}

Tensor upsample_backward_run(const Tensor& grad, const UpsampleSpec& spec) {
  Tensor g = dense(grad), out = empty(spec.input_sizes, grad.dtype());
  if (out.numel() > 0)
    dispatch_float(grad.dtype(), [&](auto tag) {
      using T = decltype(tag);
      cpu::upsample_backward<T>(g.data<T>(), out.data<T>(), spec.g);
    });
  if (compute_requires_grad({&grad})) set_history(out, make_node<UpsampleBackwardBackward>({&grad}, spec));
  return out;
}

std::string sizes_named(const Dims& v) {
  static const char* names[] = {"D", "H", "W"};
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::string(names[3 - v.size() + i]) + ": " +
                                            std::to_string(v[i]);
  return s;
}

// The checks and the output size of PyTorch's upsampling ops, in its order and words, then the op.
Tensor upsample_nd(const Tensor& input, int nd, UpsampleKind kind, bool align_corners,
                   const std::optional<Dims>& output_size, const std::optional<std::vector<double>>& scale_factors,
                   const char* label, const char* kernel_name) {
  if (is_reduced_float(input.dtype()))  // Note [Half-precision ops]
    return in_float32({input}, input.dtype(), [=](const tensor_list& a) {
      return upsample_nd(a[0], nd, kind, align_corners, output_size, scale_factors, label, kernel_name);
    });
  FG_CHECK(output_size.has_value() != scale_factors.has_value(), Error,
           "Must specify exactly one of output_size and scale_factors");
  FG_CHECK(input.dim() == nd + 2, Error, "It is expected input_size equals to ", nd + 2, ", but got size ",
           input.dim());
  Dims out_sizes;
  if (output_size) {
    FG_CHECK(static_cast<int>(output_size->size()) == nd, Error, label,
             ": expected output_size to hold one size for each of the ", nd, " spatial dims, but got ",
             output_size->size());
    out_sizes = *output_size;
  } else {
    FG_CHECK(static_cast<int>(scale_factors->size()) == nd, Error, label,
             ": expected scale_factors to hold one factor for each of the ", nd, " spatial dims, but got ",
             scale_factors->size());
    for (int i = 0; i < nd; ++i) {
      const double v = static_cast<double>(input.size(2 + i)) * (*scale_factors)[i];
      FG_CHECK(std::isfinite(v) && std::fabs(v) < 9.2e18, Error,
               "value cannot be converted to type int64_t without overflow");
      out_sizes.push_back(static_cast<int64_t>(v));
    }
  }
  const Dims in_sizes(input.sizes().end() - nd, input.sizes().end());
  bool positive = true;
  for (int i = 0; i < nd; ++i) positive = positive && in_sizes[i] > 0 && out_sizes[i] > 0;
  FG_CHECK(positive, Error, "Input and output sizes should be greater than 0, but got input (", sizes_named(in_sizes),
           nd == 1 ? ") and output (" : ") output (", sizes_named(out_sizes), ")");
  FG_CHECK(input.numel() != 0 || input.size(1) != 0, Error, "Non-empty ", nd + 2,
           "D data tensor expected but got a tensor with sizes ", shape_str(input.sizes()));
  if (!is_floating(input.dtype()))
    throw NotImplementedError(std::string("\"") + kernel_name + "\" not implemented for '" +
                              scalar_type_name(input.dtype()) + "'");
  UpsampleSpec spec;
  spec.g.kind = kind;
  spec.g.align_corners = align_corners;
  spec.g.nd = nd;
  spec.g.planes = input.size(0) * input.size(1);
  for (int i = 0; i < nd; ++i) {
    spec.g.in[3 - nd + i] = in_sizes[i];
    spec.g.out[3 - nd + i] = out_sizes[i];
    // a given scale factor sets the source-index step (align_corners aside)
    spec.g.scale[3 - nd + i] = scale_factors ? (*scale_factors)[i] : 0.0;
  }
  spec.input_sizes = input.sizes();
  spec.label = label;
  return upsample_run(input, spec);
}

}  // namespace

// ---- the public ops ----

Tensor upsample_nearest1d(const Tensor& input, const std::optional<Dims>& output_size,
                          const std::optional<std::vector<double>>& scale_factors) {
  return upsample_nd(input, 1, UpsampleKind::Nearest, false, output_size, scale_factors, "UpsampleNearest1D",
                     "compute_indices_weights_nearest");
}

Tensor upsample_nearest2d(const Tensor& input, const std::optional<Dims>& output_size,
                          const std::optional<std::vector<double>>& scale_factors) {
  return upsample_nd(input, 2, UpsampleKind::Nearest, false, output_size, scale_factors, "UpsampleNearest2D",
                     "upsample_nearest2d_channels_last");
}

Tensor upsample_nearest3d(const Tensor& input, const std::optional<Dims>& output_size,
                          const std::optional<std::vector<double>>& scale_factors) {
  return upsample_nd(input, 3, UpsampleKind::Nearest, false, output_size, scale_factors, "UpsampleNearest3D",
                     "compute_indices_weights_nearest");
}

Tensor upsample_nearest_exact1d(const Tensor& input, const std::optional<Dims>& output_size,
                                const std::optional<std::vector<double>>& scale_factors) {
  return upsample_nd(input, 1, UpsampleKind::NearestExact, false, output_size, scale_factors,
                     "UpsampleNearestExact1D", "compute_indices_weights_nearest");
}

Tensor upsample_nearest_exact2d(const Tensor& input, const std::optional<Dims>& output_size,
                                const std::optional<std::vector<double>>& scale_factors) {
  return upsample_nd(input, 2, UpsampleKind::NearestExact, false, output_size, scale_factors,
                     "UpsampleNearestExact2D", "upsample_nearest2d_channels_last");
}

Tensor upsample_nearest_exact3d(const Tensor& input, const std::optional<Dims>& output_size,
                                const std::optional<std::vector<double>>& scale_factors) {
  return upsample_nd(input, 3, UpsampleKind::NearestExact, false, output_size, scale_factors,
                     "UpsampleNearestExact3D", "compute_indices_weights_nearest");
}

Tensor upsample_linear1d(const Tensor& input, const std::optional<Dims>& output_size, bool align_corners,
                         const std::optional<std::vector<double>>& scale_factors) {
  return upsample_nd(input, 1, UpsampleKind::Linear, align_corners, output_size, scale_factors, "UpsampleLinear1D",
                     "compute_indices_weights_linear");
}

Tensor upsample_bilinear2d(const Tensor& input, const std::optional<Dims>& output_size, bool align_corners,
                           const std::optional<std::vector<double>>& scale_factors) {
  return upsample_nd(input, 2, UpsampleKind::Linear, align_corners, output_size, scale_factors,
                     "UpsampleBilinear2D", "upsample_bilinear2d_channels_last");
}

Tensor upsample_trilinear3d(const Tensor& input, const std::optional<Dims>& output_size, bool align_corners,
                            const std::optional<std::vector<double>>& scale_factors) {
  return upsample_nd(input, 3, UpsampleKind::Linear, align_corners, output_size, scale_factors,
                     "UpsampleTrilinear3D", "compute_indices_weights_linear");
}

Tensor upsample_bicubic2d(const Tensor& input, const std::optional<Dims>& output_size, bool align_corners,
                          const std::optional<std::vector<double>>& scale_factors) {
  return upsample_nd(input, 2, UpsampleKind::Cubic, align_corners, output_size, scale_factors, "UpsampleBicubic2D",
                     "compute_indices_weights_cubic");
}

}  // namespace fastgrad
