// fastgrad::optim: optimizers with PyTorch's update rules (torch.optim.SGD, Adam, AdamW), in C++. Each step
// runs the same in-place ops, in the same order, as fastgrad's Python optimizers, so a model trained in C++
// and in Python from the same seed follows the same loss curve.
//
//   fastgrad::optim::Adam opt(model.parameters(), fastgrad::optim::AdamOptions{/*lr=*/1e-2});
//   opt.zero_grad(); loss.backward(); opt.step();
#pragma once

#include <vector>

#include "fastgrad/ops.h"

namespace fastgrad::optim {

/// The base of the optimizers: the parameters (leaf tensors) it updates and its learning rate.
class Optimizer {
 public:
  /// Takes the parameters to update (each must be a defined leaf tensor).
  explicit Optimizer(tensor_list params);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// One update of every parameter that has a gradient (parameters without one are skipped), without
  /// recording history.
  virtual void step() = 0;
  /// Clears every parameter's gradient (set_to_none, PyTorch's default) or sets it to zeros.
  void zero_grad(bool set_to_none = true);
  /// The parameters, in the order given.
  const tensor_list& parameters() const { return params_; }
  /// The current learning rate.
  virtual double lr() const = 0;
  /// Changes the learning rate (a scheduler's job).
  virtual void set_lr(double lr) = 0;

 protected:
  /// The parameters to update, in the order given.
  tensor_list params_;
};

/// torch.optim.SGD's arguments.
struct SGDOptions {
  /// The learning rate.
  double lr = 1e-3;
  /// Momentum factor (0: none).
  double momentum = 0;
  /// Dampening of the momentum.
  double dampening = 0;
  /// L2 penalty added to the gradient.
  double weight_decay = 0;
  /// Nesterov momentum (needs momentum > 0 and dampening 0).
  bool nesterov = false;
  /// Maximise the objective instead.
  bool maximize = false;
};

/// Stochastic gradient descent with momentum (torch.optim.SGD): g = grad (+ weight_decay * p);
/// b = momentum * b + (1 - dampening) * g (b = g at the first step); g = b, or g + momentum * b with nesterov;
/// p -= lr * g.
class SGD : public Optimizer {
 public:
  /// Checks the options as PyTorch does (negative lr, momentum or weight_decay; nesterov without momentum or
  /// with dampening: fastgrad::ValueError).
  SGD(tensor_list params, SGDOptions options);
  /// One update.
  void step() override;
  /// options.lr.
  double lr() const override { return options.lr; }
  /// Sets options.lr.
  void set_lr(double lr) override { options.lr = lr; }
  /// The settings.
  SGDOptions options;

 private:
  tensor_list momentum_buffers_;  // one per parameter, undefined until its first step
};

/// torch.optim.Adam's (and AdamW's) arguments.
struct AdamOptions {
  /// The learning rate.
  double lr = 1e-3;
  /// Decay of the running mean of the gradient.
  double beta1 = 0.9;
  /// Decay of the running mean of its square.
  double beta2 = 0.999;
  /// Added to the denominator.
  double eps = 1e-8;
  /// L2 penalty (Adam: added to the gradient; AdamW: decoupled, p *= 1 - lr * weight_decay).
  double weight_decay = 0;
  /// Use the running maximum of the second moment (AMSGrad).
  bool amsgrad = false;
  /// Maximise the objective instead.
  bool maximize = false;
};

/// Adam (torch.optim.Adam): m = lerp(m, g, 1 - beta1); v = beta2 v + (1 - beta2) g^2;
/// p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps).
class Adam : public Optimizer {
 public:
  /// Checks the options as PyTorch does (fastgrad::ValueError for values out of range).
  Adam(tensor_list params, AdamOptions options);
  /// One update.
  void step() override;
  /// options.lr.
  double lr() const override { return options.lr; }
  /// Sets options.lr.
  void set_lr(double lr) override { options.lr = lr; }
  /// The settings.
  AdamOptions options;

 protected:
  /// Adam's update; `decoupled` applies weight decay as AdamW does.
  Adam(tensor_list params, AdamOptions options, bool decoupled);

 private:
  struct State {
    int64_t step = 0;
    Tensor exp_avg, exp_avg_sq, max_exp_avg_sq;
  };
  bool decoupled_ = false;
  std::vector<State> state_;
};

/// AdamW (torch.optim.AdamW): Adam with decoupled weight decay, p *= 1 - lr * weight_decay before the update.
/// AdamWOptions() has PyTorch's default weight_decay 0.01.
struct AdamWOptions : AdamOptions {
  /// PyTorch's AdamW defaults (weight_decay 0.01).
  AdamWOptions() { weight_decay = 1e-2; }
  /// The learning rate, with the other defaults.
  explicit AdamWOptions(double lr_) : AdamWOptions() { lr = lr_; }
};

/// AdamW; see AdamWOptions.
class AdamW : public Adam {
 public:
  /// Checks the options as Adam does.
  AdamW(tensor_list params, AdamWOptions options);
};

}  // namespace fastgrad::optim
