// The backward engine and the grad-mode switches.
#pragma once

#include <optional>
#include <string>

#include "fastgrad/node.h"
#include "fastgrad/tensor.h"

namespace fastgrad {

/// Thread-local: whether ops record history. Each thread starts with grad mode on.
struct GradMode {
  /// True when ops record history on this thread.
  static bool is_enabled();
  /// Turns recording on or off for this thread.
  static void set_enabled(bool enabled);
};

/// RAII switch of grad mode (restores the previous state on exit).
class AutoGradMode {
 public:
  /// Sets grad mode to `enabled` until the end of the scope.
  explicit AutoGradMode(bool enabled) : prev_(GradMode::is_enabled()) { GradMode::set_enabled(enabled); }
  ~AutoGradMode() { GradMode::set_enabled(prev_); }
  AutoGradMode(const AutoGradMode&) = delete;
  AutoGradMode& operator=(const AutoGradMode&) = delete;

 private:
  bool prev_;
};

/// No history recorded until the end of the scope (libtorch's NoGradGuard; Python's `with no_grad():`).
class NoGradGuard : public AutoGradMode {
 public:
  /// Turns grad mode off for the scope.
  NoGradGuard() : AutoGradMode(false) {}
};

/// Thread-local inference mode: no history at all, and tensors made inside are inference tensors, which
/// autograd refuses to save or to track outside inference mode (PyTorch's torch.inference_mode).
struct InferenceMode {
  /// True when inference mode is on on this thread.
  static bool is_enabled();
  /// Turns inference mode on or off for this thread.
  static void set_enabled(bool enabled);
};

/// Process-wide anomaly detection (PyTorch's set_detect_anomaly): the engine checks every gradient a Node
/// returns for NaN and names the Node, with the forward traceback when a provider is installed.
struct AnomalyMode {
  /// True when anomaly detection is on.
  static bool is_enabled();
  /// Turns anomaly detection on or off (process-wide).
  static void set_enabled(bool enabled);
  /// Called when a Node is created in anomaly mode; its result is kept with the Node (e.g. the Python
  /// traceback of the forward call; the bindings install it).
  using TraceProvider = std::string (*)();
  /// Installs the function that describes where a Node was created (null: none).
  static void set_trace_provider(TraceProvider provider);
  /// The current trace from the installed provider (empty without one).
  static std::string current_trace();
};

/// Cooperative interruption (Ctrl-C): the engine calls the poll every few milliseconds of a long backward;
/// the poll may throw to abort the pass. The bindings install one that checks Python's signal handlers.
using InterruptPoll = void (*)();
/// Installs the interrupt poll (null: none).
void set_interrupt_poll(InterruptPoll poll);

/// True when grad mode is on and any of the tensors requires grad: the op must record a Node.
inline bool compute_requires_grad(std::initializer_list<const Tensor*> ts) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor* t : ts)
    if (t && t->defined() && t->requires_grad()) return true;
  return false;
}

/// Runs backward from `tensors`, accumulating into the .grad of the leaves (or, with `inputs`, of those
/// tensors only). `grad_tensors[i]` may be undefined for a one-element tensor (implicitly ones).
void backward(const tensor_list& tensors, const tensor_list& grad_tensors = {},
              std::optional<bool> retain_graph = std::nullopt, bool create_graph = false,
              const tensor_list& inputs = {});

/// Returns d(outputs)/d(inputs) contracted with grad_outputs, without touching any .grad.
tensor_list grad(const tensor_list& outputs, const tensor_list& inputs, const tensor_list& grad_outputs = {},
                 std::optional<bool> retain_graph = std::nullopt, bool create_graph = false, bool allow_unused = false);

}  // namespace fastgrad
