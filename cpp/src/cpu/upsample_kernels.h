// The loops of upsampling (F.interpolate's nearest, nearest-exact, linear and cubic modes) and of their gradients,
// for ops/upsample.cpp.
//
// Every mode is separable: along each spatial dim, output position o reads a few input positions ("taps") with
// fixed weights, and an output element is the weighted sum over the taps of every dim (the innermost dim summed
// first, then each outer one, as PyTorch's CPU kernel nests them). The taps depend on the mode and on the sizes
// only, so they are computed once per dim; planes (one channel of one sample) are independent and split among
// the intra-op threads (Note [Intra-op threads]), each plane computed by one thread in one fixed order.
//
// Note [Upsampling coordinates]
// PyTorch's formulas, with `scale` the source-index step of a dim (input size n, output size m):
//  - align_corners: (n - 1) / (m - 1), or 0 when m == 1; otherwise 1 / scale_factor when a positive scale
//    factor was given (interpolate's scale_factor without recompute_scale_factor), else n / m;
//  - linear and cubic: source position x = scale * o (align_corners) or scale * (o + 0.5) - 0.5 (clamped at 0
//    for linear only); i = min(floor(x), n - 1), t = clamp(x - i, 0, 1). Linear reads i and min(i + 1, n - 1)
//    with weights 1 - t and t; cubic reads i - 1 .. i + 2 clamped into [0, n - 1] with Keys' cubic convolution
//    weights for A = -0.75;
//  - nearest: min(floor(o * s), n - 1) with s the step above without align_corners; nearest-exact:
//    min(floor((o + 0.5) * s), n - 1). The product is floored as a float32; s is computed in the tensor's dtype
//    in the forward and in float32 in the backward;
//  - the same-size shortcuts of PyTorch's kernels, which ignore a given scale factor: linear copies a dim whose
//    size does not change (forward and backward); nearest's backward, and its 2-d forward, read o for m == n and
//    o / 2 for m == 2n; bicubic's backward copies the gradient when no dim changes size (its forward does not).
//    Where a shortcut is in the backward only, the backward is not the forward's exact transpose (as in PyTorch).
// The weights are computed in the tensor's dtype (float32 for float32 tensors), as PyTorch's CPU kernel does.
#pragma once

#include <cstdint>

namespace fastgrad::cpu {

enum class UpsampleKind { Nearest, NearestExact, Linear, Cubic };

// One upsampling: `nd` spatial dims (1 to 3), stored as the last nd of in/out (leading sizes 1 are not
// interpolated); scale[d] > 0 is the given scale factor of dim d, 0 none (Note [Upsampling coordinates]).
struct UpsampleGeometry {
  UpsampleKind kind = UpsampleKind::Nearest;
  bool align_corners = false;
  int nd = 1;
  int64_t planes = 0;
  int64_t in[3] = {1, 1, 1};
  int64_t out[3] = {1, 1, 1};
  double scale[3] = {0, 0, 0};
  int64_t in_plane() const { return in[0] * in[1] * in[2]; }
  int64_t out_plane() const { return out[0] * out[1] * out[2]; }
};

// out (planes of g.out_plane(), contiguous) from in (planes of g.in_plane(), contiguous).
template <class T>
void upsample(const T* in, T* out, const UpsampleGeometry& g);

// The gradient (grad_in written whole): each output's gradient times its taps' weights, added at their positions.
template <class T>
void upsample_backward(const T* grad_out, T* grad_in, const UpsampleGeometry& g);

}  // namespace fastgrad::cpu
