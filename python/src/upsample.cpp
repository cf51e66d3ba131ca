// Upsampling (cpp/src/ops/upsample.cpp). The Python layer (python/fastgrad/nn/_functional_interp.py) parses and
// checks interpolate's arguments in PyTorch's order and words and passes either the output sizes or one scale
// factor per spatial dim; `mode` and the input's rank pick the op.
#include <string>

#include "bindings.h"

namespace fastgrad::python {

void init_upsample(py::module_& m) {
  m.def("_upsample", [](const Tensor& input, const std::string& mode, py::handle output_size,
                        std::optional<std::vector<double>> scale_factors, Flag align_corners) {
    std::optional<Dims> size;
    if (!output_size.is_none()) size = dims_from(output_size, "interpolate", "size", 1, false);
    const int64_t nd = input.dim() - 2;
    if (mode == "nearest") {
      if (nd == 1) return upsample_nearest1d(input, size, scale_factors);
      if (nd == 2) return upsample_nearest2d(input, size, scale_factors);
      return upsample_nearest3d(input, size, scale_factors);
    }
    if (mode == "nearest-exact") {
      if (nd == 1) return upsample_nearest_exact1d(input, size, scale_factors);
      if (nd == 2) return upsample_nearest_exact2d(input, size, scale_factors);
      return upsample_nearest_exact3d(input, size, scale_factors);
    }
    if (mode == "linear") return upsample_linear1d(input, size, align_corners, scale_factors);
    if (mode == "bilinear") return upsample_bilinear2d(input, size, align_corners, scale_factors);
    if (mode == "bicubic") return upsample_bicubic2d(input, size, align_corners, scale_factors);
    if (mode == "trilinear") return upsample_trilinear3d(input, size, align_corners, scale_factors);
    throw ValueError("_upsample: unknown mode '" + mode + "'");
  });
}

}  // namespace fastgrad::python
