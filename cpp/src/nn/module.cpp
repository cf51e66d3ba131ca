// fastgrad::nn (see nn.h): Module's registry, the layers and their PyTorch initialisation. Forward passes are
// the core ops the Python layer calls; no math lives here.
#include <cmath>
#include <unordered_set>

#include "fastgrad/autograd.h"
#include "fastgrad/nn.h"

namespace fastgrad::nn {

Tensor Module::register_parameter(const std::string& name, Tensor t, bool requires_grad) {
  FG_CHECK(!name.empty() && name.find('.') == std::string::npos, ValueError,
           "register_parameter: parameter name can't be empty or contain \".\", got \"", name, "\"");
  for (const auto& p : params_) FG_CHECK(p.first != name, ValueError, "attribute '", name, "' already exists");
  if (!t.defined()) return t;
  if (requires_grad != t.requires_grad()) t.set_requires_grad(requires_grad);
  params_.emplace_back(name, t);
  return t;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> m) {
  FG_CHECK(m != nullptr, ValueError, "register_module: module '", name, "' is null");
  FG_CHECK(!name.empty() && name.find('.') == std::string::npos, ValueError,
           "register_module: module name can't be empty or contain \".\", got \"", name, "\"");
  for (const auto& c : children_) FG_CHECK(c.first != name, ValueError, "attribute '", name, "' already exists");
  children_.emplace_back(name, std::move(m));
}

Named<Tensor> Module::named_parameters(bool recurse) const {
  // Depth first, a module's own parameters before its children's (PyTorch's named_modules order), with an
  // explicit stack; modules and tensors seen twice are skipped, as PyTorch's remove_duplicate does.
  Named<Tensor> out;
  std::unordered_set<const Module*> seen_modules;
  std::unordered_set<const TensorImpl*> seen_params;
  std::vector<std::pair<std::string, const Module*>> stack{{"", this}};
  while (!stack.empty()) {
    auto [prefix, m] = stack.back();
    stack.pop_back();
    if (!seen_modules.insert(m).second) continue;
    for (const auto& [name, t] : m->params_)
      if (seen_params.insert(t.get()).second) out.emplace_back(prefix + name, t);
    if (!recurse) break;
    for (auto it = m->children_.rbegin(); it != m->children_.rend(); ++it)
      stack.emplace_back(prefix + it->first + ".", it->second.get());
  }
  return out;
}

tensor_list Module::parameters(bool recurse) const {
  tensor_list out;
  for (auto& named : named_parameters(recurse)) out.push_back(std::move(named.second));
  return out;
}

Module& Module::train(bool on) {
  std::vector<Module*> stack{this};
  while (!stack.empty()) {
    Module* m = stack.back();
    stack.pop_back();
    m->training_ = on;
    for (auto& c : m->children_) stack.push_back(c.second.get());
  }
  return *this;
}

void Module::zero_grad(bool set_to_none) {
  for (Tensor& p : parameters()) {
    Tensor g = p.grad();
    if (!g.defined()) continue;
    if (set_to_none) {
      p.set_grad(Tensor());
    } else {
      NoGradGuard no_grad;
      p.set_grad(zeros_like(g));
    }
  }
}

// ---- initialisation (torch.nn.init) ----

Tensor& uniform_(Tensor& t, double from, double to) {
  NoGradGuard no_grad;
  return fastgrad::uniform_(t, from, to);
}

Tensor& kaiming_uniform_(Tensor& t, double a) {
  FG_CHECK(t.dim() >= 2, ValueError,
           "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions");
  if (t.numel() == 0) return t;  // PyTorch warns "Initializing zero-element tensors is a no-op"
  int64_t receptive = 1;
  for (int64_t d = 2; d < t.dim(); ++d) receptive *= t.size(d);
  const double fan_in = static_cast<double>(t.size(1) * receptive);
  // The arithmetic of torch.nn.init, in its order: gain for leaky_relu, std = gain / sqrt(fan), bound.
  const double gain = std::sqrt(2.0 / (1 + std::pow(a, 2)));
  const double stdev = gain / std::sqrt(fan_in);
  const double bound = std::sqrt(3.0) * stdev;
  return nn::uniform_(t, -bound, bound);
}

namespace {
int64_t fan_in_of(const Tensor& weight) {
  int64_t receptive = 1;
  for (int64_t d = 2; d < weight.dim(); ++d) receptive *= weight.size(d);
  return weight.size(1) * receptive;
}
}  // namespace

// ---- layers ----

Linear::Linear(int64_t in_features_, int64_t out_features_, bool with_bias, ScalarType dtype)
    : in_features(in_features_), out_features(out_features_) {
  FG_CHECK(in_features >= 0 && out_features >= 0, Error, "Linear: in_features and out_features must be >= 0, got ",
           in_features, " and ", out_features);
  weight = register_parameter("weight", empty({out_features, in_features}, dtype));
  if (with_bias) bias = register_parameter("bias", empty({out_features}, dtype));
  reset_parameters();
}

void Linear::reset_parameters() {
  kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const int64_t fan_in = fan_in_of(weight);
    const double bound = fan_in > 0 ? 1 / std::sqrt(static_cast<double>(fan_in)) : 0;
    nn::uniform_(bias, -bound, bound);
  }
}

Tensor Linear::forward(const Tensor& input) { return linear(input, weight, bias); }

Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, const Dims& kernel_size, Conv2dOptions options_)
    : options(std::move(options_)) {
  FG_CHECK(kernel_size.size() == 1 || kernel_size.size() == 2, ValueError,
           "Conv2d: kernel_size must have one or two values, got ", kernel_size.size());
  FG_CHECK(options.groups > 0, ValueError, "groups must be a positive integer");
  FG_CHECK(in_channels % options.groups == 0, ValueError, "in_channels must be divisible by groups");
  FG_CHECK(out_channels % options.groups == 0, ValueError, "out_channels must be divisible by groups");
  const int64_t kh = kernel_size[0], kw = kernel_size.size() == 2 ? kernel_size[1] : kernel_size[0];
  weight = register_parameter("weight", empty({out_channels, in_channels / options.groups, kh, kw}, options.dtype));
  if (options.bias) bias = register_parameter("bias", empty({out_channels}, options.dtype));
  reset_parameters();
}

void Conv2d::reset_parameters() {
  kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const int64_t fan_in = fan_in_of(weight);
    if (fan_in != 0) {
      const double bound = 1 / std::sqrt(static_cast<double>(fan_in));
      nn::uniform_(bias, -bound, bound);
    }
  }
}

Tensor Conv2d::forward(const Tensor& input) {
  return conv2d(input, weight, bias, options.stride, options.padding, options.dilation, options.groups);
}

Sequential::Sequential(std::vector<std::shared_ptr<Module>> modules) {
  for (auto& m : modules) push_back(std::move(m));
}

void Sequential::push_back(std::shared_ptr<Module> module) {
  register_module(std::to_string(named_children().size()), std::move(module));
}

Tensor Sequential::forward(const Tensor& input) {
  Tensor x = input;
  for (const auto& child : named_children()) x = child.second->forward(x);
  return x;
}

}  // namespace fastgrad::nn
