// Sampling built on the random fills: multinomial (torch's CPU algorithms) and dropout (torch's CPU stream).
#include <cmath>
#include <utility>

#include "random_common.h"

namespace fastgrad {

using namespace random_detail;

// ---- dropout ----
// torch's CPU dropout: noise = bernoulli_(1 - p) on a tensor laid out like the input, noise /= 1 - p, and
// the result is input * noise (MulBackward0). p = 0 or eval mode returns the input itself; p = 1 multiplies
// by zero without drawing.

namespace {
void check_dropout_p(double p) {
  FG_CHECK(p >= 0 && p <= 1, Error, "dropout probability has to be between 0 and 1, but got ", p);
}

Tensor dropout_noise(const Tensor& input, double p) {
  NoGradGuard guard;
  Tensor noise = empty_like_layout(input);
  bernoulli_(noise, 1 - p);
  return div_(noise, Scalar(1 - p));
}
}  // namespace

Tensor dropout(const Tensor& input, double p, bool train) {
  check_dropout_p(p);
  if (p == 0 || !train || input.numel() == 0) return input;
  if (p == 1) return mul(input, zeros({}, input.dtype()));
  return mul(input, dropout_noise(input, p));
}

Tensor& dropout_(Tensor& input, double p, bool train) {
  check_dropout_p(p);
  if (p == 0 || !train || input.numel() == 0) return input;
  if (p == 1) return mul_(input, zeros({}, input.dtype()));
  return mul_(input, dropout_noise(input, p));
}

// ---- multinomial ----

namespace {

// Indices of the k largest values of row[0..n) in descending order. torch's CPU topk: select with
// nth_element (or partial_sort when k is small against n), then sort the first k - 1; equal values come
// out in whatever order those algorithms leave them, which libstdc++ makes deterministic.
void top_k(const double* row, int64_t n, int64_t k, int64_t* out) {
  using Entry = std::pair<double, int64_t>;
  std::vector<Entry> queue(static_cast<size_t>(n));
  for (int64_t j = 0; j < n; ++j) queue[j] = {row[j], j};
  auto greater = [](const Entry& x, const Entry& y) {
    return (std::isnan(x.first) && !std::isnan(y.first)) || x.first > y.first;
  };
  if (k * 64 <= n) {
    std::partial_sort(queue.begin(), queue.begin() + k, queue.end(), greater);
  } else {
    std::nth_element(queue.begin(), queue.begin() + (k - 1), queue.end(), greater);
    std::sort(queue.begin(), queue.begin() + (k - 1), greater);
  }
  for (int64_t j = 0; j < k; ++j) out[j] = queue[j].second;
}

// Sampling with replacement, torch's CPU algorithm: per row, the cumulative sum in the input's type,
// normalised by its total (last entry forced to 1); each sample is a 53-bit uniform located by binary search.
template <class T>
void multinomial_with_replacement(const Tensor& probs, int64_t n_sample, int64_t* out, Generator& g) {
  const int64_t rows = probs.dim() == 2 ? probs.size(0) : 1, cats = probs.size(-1);
  Tensor p = cast(probs.dim() == 2 ? probs : view(probs, {1, cats}), probs.dtype(), /*force_copy=*/true);
  const T* pv = p.data<T>();
  std::vector<T> cum(static_cast<size_t>(cats));
  for (int64_t i = 0; i < rows; ++i) {
    T total = 0;
    for (int64_t j = 0; j < cats; ++j) {
      const T v = pv[i * cats + j];
      FG_CHECK(v >= 0, Error, "invalid multinomial distribution (encountering probability entry < 0)");
      FG_CHECK(std::isfinite(v), Error,
               "invalid multinomial distribution (encountering probability entry = infinity or NaN)");
      total += v;
      cum[j] = total;
    }
    FG_CHECK(total > 0, Error, "invalid multinomial distribution (sum of probabilities <= 0)");
    for (T& c : cum) c /= total;
    cum[cats - 1] = 1;
    Tensor u = unit_uniforms(n_sample, ScalarType::Float64, g);
    const double* uv = u.data<double>();
    for (int64_t s = 0; s < n_sample; ++s) {
      // The first bucket whose cumulative probability reaches u.
      int64_t lo = 0, hi = cats;
      while (hi > lo) {
        const int64_t mid = lo + (hi - lo) / 2;
        if (static_cast<double>(cum[mid]) < uv[s]) lo = mid + 1;
        else hi = mid;
      }
      out[i * n_sample + s] = lo;
    }
  }
}

}  // namespace

Tensor multinomial(const Tensor& probs, int64_t n_sample, bool replacement, Generator* gen) {
  FG_CHECK(probs.dim() > 0 && probs.dim() <= 2, Error, "prob_dist must be 1 or 2 dim");
  FG_CHECK(is_floating(probs.dtype()), Error,
           "multinomial only supports floating-point dtypes for input, got: ", scalar_type_name(probs.dtype()));
  FG_CHECK(n_sample > 0, Error, "cannot sample n_sample <= 0 samples");
  const int64_t cats = probs.size(-1);
  FG_CHECK(replacement || n_sample <= cats, Error,
           "cannot sample n_sample > prob_dist.size(-1) samples without replacement");
  FG_CHECK(cats <= (int64_t{1} << 24), Error, "number of categories cannot exceed 2^24");
  Dims shape = probs.dim() == 1 ? Dims{n_sample} : Dims{probs.size(0), n_sample};
  Tensor out = empty(shape, ScalarType::Int64);
  if (out.numel() == 0) return out;
  NoGradGuard guard;
  Generator& g = pick(gen);
  Tensor p = probs.detach();
  if (replacement && n_sample > 1) {
    // float16 / bfloat16: torch accumulates the cumulative distribution in float32; so does the float32 path.
    Tensor pw = is_reduced_float(p.dtype()) ? cast(p, ScalarType::Float32) : p;
    with_float(pw, [&](auto* tag) {
      using T = std::remove_pointer_t<decltype(tag)>;
      multinomial_with_replacement<T>(pw, n_sample, out.data<int64_t>(), g);
    });
    return out;
  }
  // Without replacement (or a single sample): the exponential race. With q ~ Exp(1), the categories
  // sorted by p / q descending are a draw without replacement; torch keeps the first n_sample.
  Tensor pd = dense(p, ScalarType::Float64);
  const double* pv = pd.data<double>();
  bool finite_nonneg = true;
  for (int64_t i = 0; i < pd.numel(); ++i) finite_nonneg = finite_nonneg && pv[i] >= 0 && pv[i] < INFINITY;
  FG_CHECK(finite_nonneg, Error, "probability tensor contains either `inf`, `nan` or element < 0");
  const int64_t rows = p.dim() == 2 ? p.size(0) : 1;
  Tensor rowsum = sum(view(pd, {rows, cats}), {1});
  for (int64_t i = 0; i < rows; ++i)
    FG_CHECK(rowsum.data<double>()[i] != 0, Error, "invalid multinomial distribution (sum of probabilities <= 0)");
  Tensor q = empty_like_layout(p);
  exponential_(q, 1.0, &g);
  q = cast(div(p, q), ScalarType::Float64);  // p / q rounded in p's dtype, then widened (exactly)
  q = cast(view(q, {rows, cats}), ScalarType::Float64, /*force_copy=*/true);
  const double* qv = q.data<double>();
  int64_t* o = out.data<int64_t>();
  for (int64_t i = 0; i < rows; ++i) {
    const double* row = qv + i * cats;
    if (n_sample == 1) {  // argmax: the first maximum
      int64_t best = 0;
      for (int64_t j = 1; j < cats; ++j)
        if (row[j] > row[best] || (std::isnan(row[j]) && !std::isnan(row[best]))) best = j;
      o[i] = best;
    } else {
      top_k(row, cats, n_sample, o + i * n_sample);
    }
  }
  return out;
}

}  // namespace fastgrad
