// The thread-local grad and inference modes, anomaly mode and the interrupt poll: the state every op and
// the engine read. See docs/design.md, section 4.
#include "grad_mode.h"
#include "fastgrad/autocast.h"

#include <atomic>

namespace fastgrad {

namespace {
// Note [Static TLS]: every op reads these flags. The initial-exec model makes each read one instruction
// instead of a call to __tls_get_addr (the default for a shared library); plain bools with constant
// initializers use a few bytes of the static TLS space that glibc keeps for dlopen()ed libraries.
#define FASTGRAD_STATIC_TLS __attribute__((tls_model("initial-exec")))
thread_local bool grad_mode_enabled FASTGRAD_STATIC_TLS = true;
thread_local bool inference_mode_enabled FASTGRAD_STATIC_TLS = false;
thread_local bool autocast_enabled FASTGRAD_STATIC_TLS = false;
thread_local ScalarType autocast_dtype FASTGRAD_STATIC_TLS = ScalarType::BFloat16;
std::atomic<bool> anomaly_enabled{false};
std::atomic<AnomalyMode::TraceProvider> trace_provider{nullptr};
std::atomic<InterruptPoll> interrupt_poll{nullptr};  // read by the engine (current_interrupt_poll)
}  // namespace

bool GradMode::is_enabled() { return grad_mode_enabled; }
void GradMode::set_enabled(bool enabled) { grad_mode_enabled = enabled; }
bool AutocastMode::is_enabled() { return autocast_enabled; }
ScalarType AutocastMode::dtype() { return autocast_dtype; }
void AutocastMode::set(bool enabled, ScalarType dtype) {
  autocast_enabled = enabled;
  autocast_dtype = dtype;
}
bool InferenceMode::is_enabled() { return inference_mode_enabled; }
void InferenceMode::set_enabled(bool enabled) { inference_mode_enabled = enabled; }
bool AnomalyMode::is_enabled() { return anomaly_enabled.load(std::memory_order_relaxed); }
void AnomalyMode::set_enabled(bool enabled) { anomaly_enabled.store(enabled); }
void AnomalyMode::set_trace_provider(TraceProvider provider) { trace_provider.store(provider); }
std::string AnomalyMode::current_trace() {
  TraceProvider p = trace_provider.load();
  return p ? p() : std::string();
}
void set_interrupt_poll(InterruptPoll poll) { interrupt_poll.store(poll); }
InterruptPoll current_interrupt_poll() { return interrupt_poll.load(std::memory_order_relaxed); }

}  // namespace fastgrad
