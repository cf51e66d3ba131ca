// fastgrad::nn: modules with registered parameters, as PyTorch's torch.nn (and libtorch's torch::nn) in C++.
//
//   fastgrad::manual_seed(0);
//   fastgrad::nn::Sequential model({std::make_shared<fastgrad::nn::Linear>(2, 16),
//                                   std::make_shared<fastgrad::nn::Tanh>(),
//                                   std::make_shared<fastgrad::nn::Linear>(16, 1)});
//   fastgrad::optim::SGD opt(model.parameters(), {/*lr=*/0.1});
//   auto loss = fastgrad::nn::mse_loss(model(x), y);
//   opt.zero_grad(); loss.backward(); opt.step();
//
// The layers initialise their parameters as PyTorch's (and fastgrad's Python nn) do, drawing from the default
// generator in the same order, so after the same manual_seed the same model has the same weights in C++,
// in fastgrad's Python layer and in PyTorch. Forward passes call the core ops the Python layer calls
// (linear, conv2d, relu, ...); see cpp/src/nn/.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "fastgrad/ops.h"

namespace fastgrad::nn {

/// A parameter or sub-module with its (dotted) name, as named_parameters() / named_children() list them.
template <class T>
using Named = std::vector<std::pair<std::string, T>>;

/// The base of every layer: an ordered set of named parameters (leaf tensors that require grad) and named
/// sub-modules, a training flag, and forward(). Hold modules by std::shared_ptr (sub-modules are shared).
class Module {
 public:
  /// A module with no parameters, in training mode.
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  /// The computation of the layer on one input.
  virtual Tensor forward(const Tensor& input) = 0;
  /// forward(input), as calling a PyTorch module.
  Tensor operator()(const Tensor& input) { return forward(input); }

  /// The parameters of this module and (with recurse) of its sub-modules, depth first in registration order,
  /// named as PyTorch names them ("0.weight", "encoder.fc.bias"); a tensor shared by two modules is listed
  /// once, under its first name.
  Named<Tensor> named_parameters(bool recurse = true) const;
  /// The tensors of named_parameters(), in the same order (what an optimizer takes).
  tensor_list parameters(bool recurse = true) const;
  /// The direct sub-modules with their names.
  const Named<std::shared_ptr<Module>>& named_children() const { return children_; }
  /// Training mode for this module and every sub-module (dropout, batch norm behave differently); returns *this.
  Module& train(bool on = true);
  /// Evaluation mode: train(false).
  Module& eval() { return train(false); }
  /// True in training mode.
  bool is_training() const { return training_; }
  /// Clears the gradient of every parameter (set_to_none, PyTorch's default) or sets it to zeros.
  void zero_grad(bool set_to_none = true);
  /// The layer's name as PyTorch prints it ("Linear", "Sequential").
  virtual std::string name() const = 0;

 protected:
  /// Registers a parameter under `name` (must be unique in this module) and returns it; the tensor becomes a
  /// leaf that requires grad (unless requires_grad is false). An undefined tensor registers nothing (a layer
  /// built without bias).
  Tensor register_parameter(const std::string& name, Tensor t, bool requires_grad = true);
  /// Registers a sub-module under `name` and returns it.
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
    add_child(name, m);
    return m;
  }

 private:
  void add_child(const std::string& name, std::shared_ptr<Module> m);
  Named<Tensor> params_;
  Named<std::shared_ptr<Module>> children_;
  bool training_ = true;
};

/// input @ weight^T + bias (torch.nn.Linear). weight (out_features, in_features) is drawn from
/// kaiming_uniform(a = sqrt(5)), i.e. U(-1/sqrt(in_features), 1/sqrt(in_features)), and bias (out_features)
/// from the same bound, weight first, as PyTorch does.
class Linear : public Module {
 public:
  /// A layer mapping in_features to out_features, with a bias unless `bias` is false.
  Linear(int64_t in_features, int64_t out_features, bool bias = true, ScalarType dtype = default_dtype());
  /// linear(input, weight, bias).
  Tensor forward(const Tensor& input) override;
  /// "Linear".
  std::string name() const override { return "Linear"; }
  /// Redraws weight and bias as the constructor does.
  void reset_parameters();
  /// The weight, (out_features, in_features).
  Tensor weight;
  /// The bias, (out_features); undefined when built without one.
  Tensor bias;
  /// The input and output sizes.
  int64_t in_features, out_features;
};

/// The settings of Conv2d (torch.nn.Conv2d's arguments after the channels and kernel size).
struct Conv2dOptions {
  /// Step between windows: one value for both dims, or (height, width).
  Dims stride = {1};
  /// Implicit zero padding on each side: one value or two.
  Dims padding = {0};
  /// Spacing between kernel elements: one value or two.
  Dims dilation = {1};
  /// Channel groups (in_channels and out_channels divisible by it).
  int64_t groups = 1;
  /// Whether the layer has a bias.
  bool bias = true;
  /// The parameters' dtype.
  ScalarType dtype = default_dtype();
};

/// 2-d convolution (torch.nn.Conv2d) on (N, C_in, H, W) or (C_in, H, W). weight (out_channels,
/// in_channels / groups, kh, kw) from kaiming_uniform(a = sqrt(5)); bias from U(-1/sqrt(fan_in), 1/sqrt(fan_in))
/// with fan_in = in_channels / groups * kh * kw, as PyTorch draws them.
class Conv2d : public Module {
 public:
  /// kernel_size: one value (square) or (kh, kw).
  Conv2d(int64_t in_channels, int64_t out_channels, const Dims& kernel_size, Conv2dOptions options = {});
  /// conv2d(input, weight, bias, stride, padding, dilation, groups).
  Tensor forward(const Tensor& input) override;
  /// "Conv2d".
  std::string name() const override { return "Conv2d"; }
  /// Redraws weight and bias as the constructor does.
  void reset_parameters();
  /// The kernel, (out_channels, in_channels / groups, kh, kw).
  Tensor weight;
  /// The bias, (out_channels); undefined when built without one.
  Tensor bias;
  /// The settings given.
  Conv2dOptions options;
};

/// max(x, 0) elementwise (torch.nn.ReLU).
class ReLU : public Module {
 public:
  /// relu(input).
  Tensor forward(const Tensor& input) override { return relu(input); }
  /// "ReLU".
  std::string name() const override { return "ReLU"; }
};

/// tanh elementwise (torch.nn.Tanh).
class Tanh : public Module {
 public:
  /// tanh(input).
  Tensor forward(const Tensor& input) override { return tanh(input); }
  /// "Tanh".
  std::string name() const override { return "Tanh"; }
};

/// 1 / (1 + exp(-x)) elementwise (torch.nn.Sigmoid).
class Sigmoid : public Module {
 public:
  /// sigmoid(input).
  Tensor forward(const Tensor& input) override { return sigmoid(input); }
  /// "Sigmoid".
  std::string name() const override { return "Sigmoid"; }
};

/// x * Phi(x) elementwise (torch.nn.GELU); approximate "none" (erf) or "tanh".
class GELU : public Module {
 public:
  /// approximate: "none" or "tanh".
  explicit GELU(std::string approximate = "none") : approximate(std::move(approximate)) {}
  /// gelu(input, approximate).
  Tensor forward(const Tensor& input) override { return gelu(input, approximate); }
  /// "GELU".
  std::string name() const override { return "GELU"; }
  /// "none" or "tanh".
  std::string approximate;
};

/// The modules applied one after the other (torch.nn.Sequential); they are registered as "0", "1", ...
class Sequential : public Module {
 public:
  /// An empty Sequential (forward returns its input).
  Sequential() = default;
  /// The given modules, in order.
  Sequential(std::vector<std::shared_ptr<Module>> modules);  // NOLINT
  /// Appends a module (named by its position).
  void push_back(std::shared_ptr<Module> module);
  /// Each module's forward on the previous one's output.
  Tensor forward(const Tensor& input) override;
  /// "Sequential".
  std::string name() const override { return "Sequential"; }
  /// The number of modules.
  size_t size() const { return named_children().size(); }
  /// The i-th module.
  const std::shared_ptr<Module>& operator[](size_t i) const { return named_children().at(i).second; }
};

/// mean((input - target)^2) (or the sum, or per element): torch.nn.functional.mse_loss, the core's op.
inline Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean) {
  return fastgrad::mse_loss(input, target, reduction);
}
/// Cross entropy of logits `input` (N, C) against class indices (int64, (N)) or class probabilities:
/// torch.nn.functional.cross_entropy, the core's op.
inline Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                            Reduction reduction = Reduction::Mean, int64_t ignore_index = -100,
                            double label_smoothing = 0.0) {
  return fastgrad::cross_entropy(input, target, weight, reduction, ignore_index, label_smoothing);
}

/// Fills t from U(-bound, bound), bound = gain * sqrt(3 / fan_in) with gain = sqrt(2 / (1 + a^2))
/// (torch.nn.init.kaiming_uniform_ with mode "fan_in", nonlinearity "leaky_relu"), without recording history.
/// A tensor with no elements is left alone (no numbers drawn).
Tensor& kaiming_uniform_(Tensor& t, double a = 0);
/// Fills t from U(from, to) without recording history (torch.nn.init.uniform_).
Tensor& uniform_(Tensor& t, double from = 0, double to = 1);

}  // namespace fastgrad::nn
