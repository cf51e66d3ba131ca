// Custom differentiable ops for native apps, the C++ counterpart of fastgrad.autograd.Function:
//
//   struct Square : fastgrad::Function<Square> {
//     static constexpr const char* kName = "Square";          // the Node is named "SquareBackward"
//     static Tensor forward(AutogradContext& ctx, const Tensor& x) {
//       ctx.save_for_backward({x});
//       return x * x;
//     }
//     static tensor_list backward(AutogradContext& ctx, const tensor_list& grads) {
//       Tensor x = ctx.saved_tensors()[0];
//       return {grads[0] * x * 2.0};                          // one gradient per Tensor argument
//     }
//   };
//   Tensor y = Square::apply(x);
#pragma once

#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "fastgrad/autograd.h"
#include "fastgrad/node.h"

namespace fastgrad {

/// What a custom function's forward leaves for its backward (PyTorch's ctx).
class AutogradContext {
 public:
  /// Keeps tensors for backward (as SavedTensors, checked for in-place changes).
  void save_for_backward(const tensor_list& tensors) { to_save_ = tensors; }
  /// In backward: the saved tensors, version-checked (modifying one in place after saving is an error).
  tensor_list saved_tensors() const;
  /// Which Tensor arguments of forward need a gradient.
  const std::vector<bool>& needs_input_grad() const { return needs_input_grad_; }

 private:
  template <class T>
  friend class Function;
  friend class CppFunctionNode;
  tensor_list to_save_;
  std::vector<bool> needs_input_grad_;
  Node* node_ = nullptr;
};

/// The Node of a C++ custom Function: calls the user's backward.
class CppFunctionNode final : public Node {
 public:
  /// The backward of a C++ custom function: gradients of the outputs -> gradients of the inputs.
  using Backward = tensor_list (*)(AutogradContext&, const tensor_list&);
  /// A Node named `name` running `backward`.
  CppFunctionNode(std::string name, Backward backward) : name_(std::move(name)), backward_(backward) {}
  /// The name given.
  std::string name() const override { return name_; }
  /// Runs backward with the context.
  tensor_list apply(tensor_list&& grads) override;
  /// The context shared by forward and backward.
  AutogradContext ctx;

 private:
  std::string name_;
  Backward backward_;
};

template <class Derived>
class Function {
 public:
  template <class... Args>
  static Tensor apply(Args&&... args) {
    AutogradContext ctx;
    tensor_list inputs;
    (collect(inputs, args), ...);
    for (const Tensor& t : inputs) ctx.needs_input_grad_.push_back(t.defined() && t.requires_grad());
    Tensor out;
    {
      NoGradGuard no_grad;
      out = Derived::forward(ctx, std::forward<Args>(args)...);
    }
    bool record = GradMode::is_enabled();
    bool any = false;
    for (bool b : ctx.needs_input_grad_) any = any || b;
    if (!record || !any) return out;
    out = out.detach();  // a fresh tensor (forward may have returned an input)
    auto node = std::make_shared<CppFunctionNode>(name() + "Backward", &Derived::backward);
    for (const Tensor& t : inputs) node->add_next_edge(gradient_edge(t));
    set_history(out, node);
    for (const Tensor& t : ctx.to_save_) node->save(t, t.is_same(out));
    ctx.to_save_.clear();
    node->ctx = std::move(ctx);
    return out;
  }

 private:
  template <class A>
  static void collect(tensor_list& inputs, const A& a) {
    if constexpr (std::is_same_v<std::decay_t<A>, Tensor>) inputs.push_back(a);
  }
  template <class T, class = void>
  struct has_name : std::false_type {};
  template <class T>
  struct has_name<T, std::void_t<decltype(T::kName)>> : std::true_type {};
  static std::string name() {
    if constexpr (has_name<Derived>::value) return Derived::kName;
    else return "CppFunction";
  }
};

}  // namespace fastgrad
