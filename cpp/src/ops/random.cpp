// Random tensors and in-place random fills. The streams themselves (and why they match PyTorch's) are in
// cpp/src/random/; this file decides which stream each op draws, in which order, and what it does with it.
// See Note [Fill order] in random_common.h. multinomial and dropout are in sampling.cpp.
#include <cmath>
#include <limits>
#include <utility>

#include "elementwise.h"
#include "random_common.h"

namespace fastgrad {

using namespace random_detail;

namespace {

// Random ops have zero derivative everywhere (the values do not depend on the parameters differentiably);
// torch still records a Node so that the output requires grad. Each gradient is zeros at the output's
// shape; the engine sums it back to the input's shape and dtype.
template <class Derived>
struct ZeroGradNode : NamedNode<Derived> {
  tensor_list apply(tensor_list&& g) override {
    tensor_list out(this->next_edges().size());
    for (size_t i = 0; i < out.size(); ++i)
      if (this->needs_input_grad(i)) out[i] = zeros_like(g[0]);
    return out;
  }
};

#define FASTGRAD_ZERO_GRAD_NODE(Name)           \
  struct Name : ZeroGradNode<Name> {            \
    static constexpr const char* kName = #Name; \
  }

FASTGRAD_ZERO_GRAD_NODE(NormalBackward0);  // normal_
FASTGRAD_ZERO_GRAD_NODE(NormalBackward1);  // normal(Tensor mean, float std)
FASTGRAD_ZERO_GRAD_NODE(NormalBackward2);  // normal(float mean, Tensor std)
FASTGRAD_ZERO_GRAD_NODE(NormalBackward3);  // normal(Tensor mean, Tensor std)
FASTGRAD_ZERO_GRAD_NODE(UniformBackward0);
FASTGRAD_ZERO_GRAD_NODE(RandomBackward0);  // random_(from, to)
FASTGRAD_ZERO_GRAD_NODE(RandomBackward1);  // random_(to)
FASTGRAD_ZERO_GRAD_NODE(RandomBackward2);  // random_()
FASTGRAD_ZERO_GRAD_NODE(ExponentialBackward0);
FASTGRAD_ZERO_GRAD_NODE(BernoulliBackward0);  // bernoulli(p)
FASTGRAD_ZERO_GRAD_NODE(BernoulliBackward1);  // bernoulli_(Tensor p)
FASTGRAD_ZERO_GRAD_NODE(BernoulliBackward2);  // bernoulli_(float p)
#undef FASTGRAD_ZERO_GRAD_NODE

template <class N>
Tensor record_zero_grad(Tensor out, std::initializer_list<const Tensor*> inputs) {
  if (compute_requires_grad(inputs)) set_history(out, make_node<N>(inputs));
  return out;
}

// The in-place protocol for random fills (Note [In-place ops]): check, remember self's history, fill,
// bump the version, and make self the output of a zero-gradient Node.
template <class N, class Fill>
Tensor& random_inplace(Tensor& self, const char* op, const Tensor* p, Fill fill) {
  check_inplace(self, op);
  const bool grad = compute_requires_grad({&self, p});
  Tensor before = grad ? inplace_snapshot(self, /*copy_data=*/false) : Tensor();
  fill();
  self.bump_version();
  if (grad) rebase_history(self, make_node<N>({&before, p}));
  return self;
}

}  // namespace

// ---- factories ----

Tensor rand(const Dims& sizes, ScalarType dtype, Generator* gen) {
  check_float(dtype, "check_uniform_bounds");
  Tensor out = empty(sizes, dtype);
  with_float(out, [&](auto* p) { fill_uniform(p, out.numel(), 0.0, 1.0, pick(gen)); });
  return out;
}

Tensor randn(const Dims& sizes, ScalarType dtype, Generator* gen) {
  check_float(dtype, "normal_kernel_cpu", numel_of(sizes));
  Tensor out = empty(sizes, dtype);
  fill_normal_dense(out, 0.0, 1.0, pick(gen));
  return out;
}

Tensor randint(int64_t low, int64_t high, const Dims& sizes, ScalarType dtype, Generator* gen) {
  Tensor out = empty(sizes, dtype);
  return random_(out, low, high, gen);
}

Tensor randperm(int64_t n, ScalarType dtype, Generator* gen) {
  FG_CHECK(n >= 0, Error, "Trying to create tensor with negative dimension ", n, ": [", n, "]");
  FG_CHECK(dtype != ScalarType::Bool, NotImplementedError, "\"randperm\" not implemented for 'Bool'");
  Tensor perm = empty({n}, ScalarType::Int64);
  randperm(perm.data<int64_t>(), n, pick(gen));
  return cast(perm, dtype);
}

// ---- normal ----
// torch draws standard normals for the whole output and then scales: out = z * std + mean, as two rounded
// in-place ops (mul_, add_), not an fma. With a float std it draws normal(0, std) directly.

namespace {
void check_std(double std) { FG_CHECK(std >= 0.0, Error, "normal expects std >= 0.0, but found std ", std); }
void check_std(const Tensor& std) {
  // NaN fails too, as in torch (its check is std.min() >= 0).
  NoGradGuard guard;
  Tensor ok = cast(compare(std, Scalar(0.0), CompareOp::Ge), ScalarType::Bool, /*force_copy=*/true);
  const bool* p = ok.data<bool>();
  FG_CHECK(std::all_of(p, p + ok.numel(), [](bool b) { return b; }), Error,
           "normal expects all elements of std >= 0.0");
}
}  // namespace

Tensor normal(const Tensor& mean, const Tensor& std, Generator* gen) {
  check_std(std);
  Dims shape = broadcast_shapes(mean.sizes(), std.sizes(), "normal");
  check_float(mean.dtype(), "normal_kernel_cpu", numel_of(shape));
  Tensor out = randn(shape, mean.dtype(), gen);
  {
    NoGradGuard guard;
    mul_(out, std);
    add_(out, mean);
  }
  return record_zero_grad<NormalBackward3>(out, {&mean, &std});
}

Tensor normal(const Tensor& mean, double std, Generator* gen) {
  check_std(std);
  check_float(mean.dtype(), "normal_kernel_cpu", mean.numel());
  Tensor out = empty(mean.sizes(), mean.dtype());
  fill_normal_dense(out, 0.0, std, pick(gen));
  {
    NoGradGuard guard;
    add_(out, mean);
  }
  return record_zero_grad<NormalBackward1>(out, {&mean});
}

Tensor normal(double mean, const Tensor& std, Generator* gen) {
  check_std(std);
  check_float(std.dtype(), "normal_kernel_cpu", std.numel());
  Tensor out = randn(std.sizes(), std.dtype(), gen);
  {
    NoGradGuard guard;
    mul_(out, std);
    add_(out, Scalar(mean));
  }
  return record_zero_grad<NormalBackward2>(out, {&std});
}

Tensor normal(double mean, double std, const Dims& sizes, ScalarType dtype, Generator* gen) {
  check_std(std);
  check_float(dtype, "normal_kernel_cpu", numel_of(sizes));
  Tensor out = empty(sizes, dtype);
  return normal_(out, mean, std, gen);
}

// ---- bernoulli ----

namespace {
void check_probability(double p) {
  FG_CHECK(p >= 0 && p <= 1, Error, "bernoulli_ expects p to be in [0, 1], but got p=", p);
}

// out[i] = u[i] < p[i] ? 1 : 0, u drawn in p's floating type (torch compares a float uniform with a float
// p and a double uniform with a double p). `out` is contiguous; p has out's shape and is contiguous.
void bernoulli_fill(const Tensor& out, const Tensor& p, Generator& g) {
  check_float(p.dtype(), "bernoulli_tensor_cpu_p_", out.numel());
  Tensor pd = dense(p, ScalarType::Float64);
  const double* pv = pd.data<double>();
  for (int64_t i = 0; i < pd.numel(); ++i) {
    FG_CHECK(pv[i] >= 0 && pv[i] <= 1, Error,
             "Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message be improved?  "
             "If so, please report an enhancement request to PyTorch.)");
  }
  Tensor u = unit_uniforms(out.numel(), p.dtype(), g);
  Tensor hit = compare(view(u, out.sizes()), p, CompareOp::Lt);
  copy_into(out, hit);
}

void bernoulli_fill(const Tensor& out, double p, Generator& g) {
  Tensor u = unit_uniforms(out.numel(), ScalarType::Float64, g);
  copy_into(out, view(compare(u, Scalar(p), CompareOp::Lt), out.sizes()));
}
}  // namespace

Tensor bernoulli(const Tensor& p, Generator* gen) {
  check_float(p.dtype(), "bernoulli_tensor_cpu_p_", p.numel());
  Tensor out = empty(p.sizes(), p.dtype());
  {
    NoGradGuard guard;
    bernoulli_fill(out, cast(p, p.dtype(), /*force_copy=*/!p.is_contiguous()), pick(gen));
  }
  return record_zero_grad<BernoulliBackward0>(out, {&p});
}

Tensor bernoulli(const Tensor& self, double p, Generator* gen) {
  check_probability(p);
  Tensor out = empty(self.sizes(), self.dtype());
  {
    NoGradGuard guard;
    bernoulli_fill(out, p, pick(gen));
  }
  // PyTorch has no derivative formula for bernoulli(self, float p): its output requires grad through a
  // "NotImplemented" node, which raises in backward.
  return record_not_implemented(out, "bernoulli", {&self});
}

Tensor& bernoulli_(Tensor& self, double p, Generator* gen) {
  check_probability(p);
  return random_inplace<BernoulliBackward2>(self, "bernoulli_", nullptr, [&] {
    NoGradGuard guard;
    fill_in_memory_order(self, [&](const Tensor& buf) { bernoulli_fill(buf, p, pick(gen)); });
  });
}

Tensor& bernoulli_(Tensor& self, const Tensor& p, Generator* gen) {
  check_float(p.dtype(), "bernoulli_tensor_cpu_p_", self.numel());
  {
    NoGradGuard guard;
    expand(p, self.sizes());  // torch's error when p does not broadcast to self
  }
  return random_inplace<BernoulliBackward1>(self, "bernoulli_", &p, [&] {
    NoGradGuard guard;
    Tensor pv = values_in_memory_order(p, self);
    fill_in_memory_order(self, [&](const Tensor& buf) { bernoulli_fill(buf, view(pv, buf.sizes()), pick(gen)); });
  });
}

// ---- in-place fills ----

Tensor& uniform_(Tensor& self, double from, double to, Generator* gen) {
  check_float(self.dtype(), "check_uniform_bounds");
  // PyTorch's checks, in its order: both bounds finite numbers of self's dtype (NaN and inf are out of bounds),
  // an ordered range, and a width the dtype can hold.
  const bool f32 = self.dtype() == ScalarType::Float32;
  const double limit = f32 ? std::numeric_limits<float>::max() : std::numeric_limits<double>::max();
  const char* c_type = f32 ? "float" : "double";
  FG_CHECK(from >= -limit && from <= limit, Error, "from is out of bounds for ", c_type);
  FG_CHECK(to >= -limit && to <= limit, Error, "to is out of bounds for ", c_type);
  FG_CHECK(from <= to, Error, "uniform_ expects to return a [from, to) range, but found from=", from, " > to=", to);
  FG_CHECK(to - from <= limit, Error, "uniform_ expects to-from <= std::numeric_limits<", f32 ? "Float" : "Double",
           ">::max(), but found to=", to, " and from=", from, " which result in to-from to exceed the limit");
  return random_inplace<UniformBackward0>(self, "uniform_", nullptr, [&] {
    fill_in_memory_order(self, [&](const Tensor& buf) {
      with_float(buf, [&](auto* p) { fill_uniform(p, buf.numel(), from, to, pick(gen)); });
    });
  });
}

Tensor& normal_(Tensor& self, double mean, double std, Generator* gen) {
  check_std(std);  // before the dtype, as PyTorch checks
  check_float(self.dtype(), "normal_kernel_cpu", self.numel());
  return random_inplace<NormalBackward0>(self, "normal_", nullptr, [&] {
    // torch's block-of-16 path is for contiguous tensors only; others draw element by element.
    if (self.is_contiguous()) {
      fill_normal_dense(self, mean, std, pick(gen));
      return;
    }
    fill_in_memory_order(self, [&](const Tensor& buf) {
      with_float(buf, [&](auto* p) { fill_normal_serial(p, buf.numel(), mean, std, pick(gen)); });
    });
  });
}

Tensor& exponential_(Tensor& self, double lambd, Generator* gen) {
  FG_CHECK(is_floating(self.dtype()) || self.numel() == 0, Error,
           "Exponential distribution is a continuous probability distribution. dtype must be a floating point but "
           "you specified ",
           scalar_type_name(self.dtype()));
  FG_CHECK(lambd > 0.0, Error, "exponential_ expects lambda > 0.0, but found lambda=", lambd);
  return random_inplace<ExponentialBackward0>(self, "exponential_", nullptr, [&] {
    fill_in_memory_order(self, [&](const Tensor& buf) {
      with_float(buf, [&](auto* p) { fill_exponential(p, buf.numel(), lambd, pick(gen)); });
    });
  });
}

namespace {
// The significand digits of a floating dtype.
int float_digits(ScalarType dtype) {
  switch (dtype) {
    case ScalarType::Float16: return 11;
    case ScalarType::BFloat16: return 8;
    case ScalarType::Float32: return 24;
    default: return 53;
  }
}

// The largest integer `dtype` holds such that all smaller ones are exact too (2^digits for floats).
int64_t max_exact(ScalarType dtype) {
  switch (dtype) {
    case ScalarType::Bool: return 1;
    case ScalarType::UInt8: return std::numeric_limits<uint8_t>::max();
    case ScalarType::Int8: return std::numeric_limits<int8_t>::max();
    case ScalarType::Int16: return std::numeric_limits<int16_t>::max();
    case ScalarType::Int32: return std::numeric_limits<int32_t>::max();
    case ScalarType::Int64: return std::numeric_limits<int64_t>::max();
    case ScalarType::Float16:
    case ScalarType::BFloat16:
    case ScalarType::Float32:
    case ScalarType::Float64: return int64_t{1} << float_digits(dtype);
  }
  return 0;
}

// For float dtypes torch first moves `from` up (and `to` down) to integers the dtype can represent, when
// from + 1 (to - 1) would round past them: n = floor(log2 |v|), the dtype's spacing there is
// 2^(n - digits + 1).
int64_t spacing_at(int64_t v, ScalarType dtype) {
  const int digits = float_digits(dtype);
  uint64_t a = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  int n = 0;
  while (a >>= 1) ++n;
  return int64_t{1} << std::max(n - digits + 1, 0);
}
// v rounded to dtype (float16 beyond its range: infinity, which no caller meets: the range is checked first).
int64_t round_in(int64_t v, ScalarType dtype) {
  switch (dtype) {
    case ScalarType::Float16: return static_cast<int64_t>(static_cast<float>(Half(static_cast<float>(v))));
    case ScalarType::BFloat16: return static_cast<int64_t>(static_cast<float>(BFloat16(static_cast<float>(v))));
    case ScalarType::Float32: return static_cast<int64_t>(static_cast<float>(v));
    default: return static_cast<int64_t>(static_cast<double>(v));
  }
}
int64_t representable_from(int64_t from, ScalarType dtype) {
  const int64_t r = round_in(from + 1, dtype);
  return r < from ? r + spacing_at(from + 1, dtype) : from;
}
int64_t representable_to(int64_t to, ScalarType dtype) {
  const int64_t r = round_in(to - 1, dtype);
  return r >= to ? r - spacing_at(to - 1, dtype) : to;
}

// The dtype must hold from and to - 1: the integer dtypes' ranges and float16's +-65504 (the other floating
// dtypes hold every int64). (torch also warns when a float dtype cannot hold them exactly; the Python binding
// of random_ raises that warning, as the core has no warning channel.)
void check_in_range(int64_t from, int64_t to_inc, ScalarType dtype) {
  int64_t lo = 0, hi = 0;
  const char* type = "";  // torch names the C++ type here
  switch (dtype) {
    case ScalarType::Bool: lo = 0, hi = 1, type = "bool"; break;
    case ScalarType::UInt8: lo = 0, hi = 255, type = "unsigned char"; break;
    case ScalarType::Int8: lo = -128, hi = 127, type = "signed char"; break;
    case ScalarType::Int16: lo = -32768, hi = 32767, type = "short int"; break;
    case ScalarType::Int32:
      lo = std::numeric_limits<int32_t>::min(), hi = std::numeric_limits<int32_t>::max(), type = "int";
      break;
    case ScalarType::Int64:
      lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max(), type = "long int";
      break;
    case ScalarType::Float16: lo = -65504, hi = 65504, type = "c10::Half"; break;
    case ScalarType::BFloat16:
    case ScalarType::Float32:
    case ScalarType::Float64: return;
  }
  FG_CHECK(from >= lo && from <= hi, Error, "from is out of bounds for ", type);
  FG_CHECK(to_inc >= lo && to_inc <= hi, Error, "to - 1 is out of bounds for ", type);
}
}  // namespace

// random_(): integers spread over what the dtype represents exactly: [0, 2^24] for float32, [0, 2^53] for
// float64, [0, max] for integer types, {false, true} for bool. torch reduces one draw (64 bits for float64
// and int64, 32 otherwise) modulo the number of values.
Tensor& random_(Tensor& self, Generator* gen) {
  return random_inplace<RandomBackward2>(self, "random_", nullptr, [&] {
    fill_in_memory_order(self, [&](const Tensor& buf) {
      const int64_t n = buf.numel();
      Generator& g = pick(gen);
      switch (buf.dtype()) {
        case ScalarType::Float64:
        case ScalarType::Int64: {
          std::vector<uint64_t> bits(static_cast<size_t>(n));
          fill_bits64(bits.data(), n, g);
          const uint64_t m = buf.dtype() == ScalarType::Float64 ? (uint64_t{1} << 53) + 1 : uint64_t{1} << 63;
          dispatch(buf.dtype(), [&](auto tag) {
            using T = decltype(tag);
            T* o = buf.data<T>();
            for (int64_t i = 0; i < n; ++i) o[i] = static_cast<T>(bits[i] % m);
          });
          break;
        }
        default: {  // one 32-bit draw modulo the count of values [0, max_exact] (bool: its low bit)
          std::vector<uint32_t> bits(static_cast<size_t>(n));
          fill_bits32(bits.data(), n, g);
          const ScalarType dt = buf.dtype();
          const uint64_t m = dt == ScalarType::Bool ? 2 : static_cast<uint64_t>(max_exact(dt)) + 1;
          Tensor values = empty({n}, ScalarType::Int64);
          int64_t* v = values.data<int64_t>();
          for (int64_t i = 0; i < n; ++i) v[i] = static_cast<int64_t>(bits[static_cast<size_t>(i)] % m);
          copy_into(buf, view(values, buf.sizes()));
        }
      }
    });
  });
}


Tensor& random_(Tensor& self, int64_t from, std::optional<int64_t> to, Generator* gen) {
  const ScalarType dt = self.dtype();
  uint64_t range = 0;  // 0 means all 2^64 values
  if (to) {
    int64_t hi = *to;
    FG_CHECK(from < hi, Error, "random_ expects 'from' to be less than 'to', but got from=", from, " >= to=", hi);
    if (is_floating(dt)) {
      from = representable_from(from, dt);
      hi = representable_to(hi, dt);
      FG_CHECK(from < hi, Error,
               "random_ expects 'from' casted to dtype to be less than 'to' casted to dtype, but got "
               "from=",
               from, " >= to=", hi);
    }
    check_in_range(from, hi - 1, dt);
    range = static_cast<uint64_t>(hi) - static_cast<uint64_t>(from);
  } else if (from != std::numeric_limits<int64_t>::min()) {
    const int64_t to_inc = max_exact(dt);
    if (is_floating(dt)) {
      from = representable_from(from, dt);
      FG_CHECK(from < to_inc, Error,
               "random_ expects 'from' casted to dtype to be less than or equal to 'to_inc' "
               "casted to dtype, but got from=",
               from, " > to_inc=", to_inc);
    }
    check_in_range(from, to_inc, dt);
    range = static_cast<uint64_t>(to_inc) - static_cast<uint64_t>(from) + 1;
  } else {
    FG_CHECK(dt == ScalarType::Int64 || is_floating(dt), NotImplementedError,
             "\"random_full_64_bits_range_kernel_cpu\" not implemented for '", scalar_type_name(dt), "'");
  }
  auto fill = [&] {
    fill_in_memory_order(self, [&](const Tensor& buf) {
      // One draw per element: (draw % range) + from, with a 32-bit draw when the range is below 2^28 and a
      // 64-bit one otherwise (see generator.cpp); range 0 stands for all 2^64 values.
      const int64_t n = buf.numel();
      Tensor values = empty({n}, ScalarType::Int64);
      int64_t* v = values.data<int64_t>();
      Generator& g = pick(gen);
      if (range != 0 && range < (uint64_t{1} << 28)) {
        std::vector<uint32_t> bits(static_cast<size_t>(n));
        fill_bits32(bits.data(), n, g);
        for (int64_t i = 0; i < n; ++i) v[i] = static_cast<int64_t>(bits[i] % range + static_cast<uint64_t>(from));
      } else {
        std::vector<uint64_t> bits(static_cast<size_t>(n));
        fill_bits64(bits.data(), n, g);
        for (int64_t i = 0; i < n; ++i)
          v[i] = static_cast<int64_t>((range ? bits[i] % range : bits[i]) + static_cast<uint64_t>(range ? from : 0));
      }
      copy_into(buf, view(values, buf.sizes()));
    });
  };
  return random_inplace<RandomBackward0>(self, "random_", nullptr, fill);
}

Tensor& random_(Tensor& self, int64_t to, Generator* gen) {
  // random_(to) is random_(0, to), recorded under its own Node name.
  check_inplace(self, "random_");
  const bool grad = compute_requires_grad({&self});
  Tensor before = grad ? inplace_snapshot(self, false) : Tensor();
  {
    NoGradGuard guard;
    random_(self, 0, to, gen);
  }
  if (grad) rebase_history(self, make_node<RandomBackward1>({&before}));
  return self;
}

}  // namespace fastgrad
