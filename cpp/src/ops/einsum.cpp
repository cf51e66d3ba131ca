// einsum: parsed here, computed as a composition of public ops (diagonal for repeated subscripts, permute, sum,
// expand, view, mul and bmm), so its gradient, at any order, comes from theirs. The composition follows
// PyTorch's where it shows in the result's grad_fn: a lone operand is permuted into the output's order (even
// when the order is unchanged) and then summed; a pair sharing a summed label is one bmm, viewed back.
#include <algorithm>
#include <array>

#include "common.h"
#include "fastgrad/autocast.h"

namespace fastgrad {

namespace {

// Subscript labels: 'A'-'Z' are 0-25, 'a'-'z' 26-51 (the order of an implicit output), and the dimensions an
// ellipsis covers are 52 + k, k counted from the left of the widest ellipsis (ellipses align on the right).
constexpr int kLetters = 52;
using Labels = std::vector<int>;

int letter_label(char c) { return c >= 'A' && c <= 'Z' ? c - 'A' : c - 'a' + 26; }
char label_letter(int l) { return l < 26 ? static_cast<char>('A' + l) : static_cast<char>('a' + l - 26); }
bool is_letter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

// One side of the equation as written: letters and at most one ellipsis (at `ellipsis`, -1 when absent).
struct Term {
  std::vector<int> letters;
  int64_t ellipsis = -1;
};

// Parses "ij,j...->i..." into its input terms and (when explicit) its output term. Spaces are ignored.
void parse(const std::string& equation, std::vector<Term>& inputs, Term& output, bool& explicit_output) {
  const size_t arrow = equation.find("->");
  explicit_output = arrow != std::string::npos;
  inputs.emplace_back();
  Term* term = &inputs.back();
  bool is_output = false;
  int dots = 0;
  size_t operand = 0;
  auto who = [&] { return is_output ? std::string("output") : "operand " + std::to_string(operand); };
  auto check_no_dots = [&] {
    FG_CHECK(dots == 0, Error, "einsum(): found '.' for ", who(), " that is not part of any ellipsis");
  };
  for (size_t i = 0; i < equation.size(); ++i) {
    const char c = equation[i];
    if (i == arrow) {
      check_no_dots();
      term = &output;
      is_output = true;
      ++i;  // the '>'
      continue;
    }
    if (c == ' ') continue;
    if (c == '.') {
      FG_CHECK(dots > 0 || term->ellipsis < 0, Error, "einsum(): found '.' for ", who(),
               is_output ? " but an ellipsis (...) was already found" : " for which an ellipsis was already found");
      if (++dots == 3) {
        term->ellipsis = static_cast<int64_t>(term->letters.size());
        dots = 0;
      }
      continue;
    }
    check_no_dots();
    if (c == ',' && !is_output) {
      inputs.emplace_back();
      term = &inputs.back();
      ++operand;
      continue;
    }
    FG_CHECK(is_letter(c), Error, "einsum(): invalid subscript given at index ", i,
             " in the equation string, subscripts must be in [a-zA-Z]");
    term->letters.push_back(letter_label(c));
  }
  check_no_dots();
}

// A tensor whose dimensions carry labels, one each.
struct Labelled {
  Tensor t;
  Labels labels;
};

int64_t position(const Labels& labels, int l) { return std::find(labels.begin(), labels.end(), l) - labels.begin(); }
bool contains(const Labels& labels, int l) { return position(labels, l) < static_cast<int64_t>(labels.size()); }

// t with its dimensions permuted (result dimension i is t's dimension perm[i]); no Node when nothing moves.
Tensor permuted(const Tensor& t, const Dims& perm) {
  for (size_t i = 0; i < perm.size(); ++i)
    if (perm[i] != static_cast<int64_t>(i)) return permute(t, perm);
  return t;
}

// t (labelled `from`, all distinct) with its dimensions in the order of `to` (a permutation of `from`).
Tensor reorder(const Tensor& t, const Labels& from, const Labels& to) {
  Dims perm;
  for (int l : to) perm.push_back(position(from, l));
  return permuted(t, perm);
}

// Sums the dimensions whose labels satisfy `drop`.
template <class Pred>
void sum_labels(Labelled& x, Pred drop) {
  Dims dims;
  Labels kept;
  for (size_t d = 0; d < x.labels.size(); ++d) {
    if (drop(x.labels[d])) dims.push_back(static_cast<int64_t>(d));
    else kept.push_back(x.labels[d]);
  }
  if (dims.empty()) return;
  x.t = sum(x.t, dims, /*keepdim=*/false);
  x.labels = kept;
}

// The diagonal over every label that appears twice in one operand ("ii->i"): diagonal() drops the two
// dimensions and puts their diagonal last.
void take_diagonals(Labelled& x, size_t operand) {
  for (;;) {
    int64_t d0 = -1, d1 = -1;
    for (size_t i = 0; i < x.labels.size() && d0 < 0; ++i)
      for (size_t j = i + 1; j < x.labels.size(); ++j)
        if (x.labels[i] == x.labels[j]) {
          d0 = static_cast<int64_t>(i);
          d1 = static_cast<int64_t>(j);
          break;
        }
    if (d0 < 0) return;
    const int64_t n0 = x.t.sizes()[d0], n1 = x.t.sizes()[d1];
    FG_CHECK(n0 == n1, Error, "einsum(): subscript ", label_letter(x.labels[d0]), " is repeated for operand ", operand,
             " but the sizes don't match, ", n1, " != ", n0);
    const int label = x.labels[d0];
    x.t = diagonal(x.t, 0, d0, d1);
    x.labels.erase(x.labels.begin() + d1);
    x.labels.erase(x.labels.begin() + d0);
    x.labels.push_back(label);
  }
}

// Contracts a and b over the labels they share that are not in `keep`; the result carries the shared kept labels
// (batch), then a's own, then b's own.
Labelled contract(const Labelled& a, const Labelled& b, const std::array<bool, 128>& keep) {
  Labels batch, summed, a_only, b_only;
  for (int l : a.labels) {
    if (!contains(b.labels, l)) a_only.push_back(l);
    else if (keep[l]) batch.push_back(l);
    else summed.push_back(l);
  }
  for (int l : b.labels)
    if (!contains(a.labels, l)) b_only.push_back(l);
  auto size_in = [](const Labelled& x, int l) { return x.t.sizes()[position(x.labels, l)]; };
  auto joint = [&](int l) { return std::max(size_in(a, l), size_in(b, l)); };

  Labels out_labels = batch;
  out_labels.insert(out_labels.end(), a_only.begin(), a_only.end());
  out_labels.insert(out_labels.end(), b_only.begin(), b_only.end());

  if (summed.empty()) {
    // A broadcast product: no matrix product hides in here.
    Labels order = batch;
    order.insert(order.end(), a_only.begin(), a_only.end());
    order.insert(order.end(), b_only.begin(), b_only.end());
    auto aligned = [&](const Labelled& x) {
      Labels present;
      for (int l : order)
        if (contains(x.labels, l)) present.push_back(l);
      Tensor t = reorder(x.t, x.labels, present);
      Dims shape;
      for (int l : order) shape.push_back(contains(x.labels, l) ? size_in(x, l) : 1);
      return shape == t.sizes() ? t : view(t, shape);
    };
    return {mul(aligned(a), aligned(b)), order};
  }

  // bmm over (batch, a_only, summed) x (batch, summed, b_only).
  auto group = [&](const Labelled& x, const Labels& g1, const Labels& g2) {
    Labels order = batch;
    order.insert(order.end(), g1.begin(), g1.end());
    order.insert(order.end(), g2.begin(), g2.end());
    Tensor t = reorder(x.t, x.labels, order);
    Dims full;
    for (int l : order) full.push_back(contains(summed, l) || contains(batch, l) ? joint(l) : size_in(x, l));
    if (full != t.sizes()) t = expand(t, full);
    int64_t nb = 1, n1 = 1, n2 = 1;
    for (int l : batch) nb *= joint(l);
    for (int l : g1) n1 *= contains(summed, l) ? joint(l) : size_in(x, l);
    for (int l : g2) n2 *= contains(summed, l) ? joint(l) : size_in(x, l);
    return reshape(t, {nb, n1, n2});
  };
  Tensor prod = bmm(group(a, a_only, summed), group(b, summed, b_only));
  Dims shape;
  for (int l : batch) shape.push_back(joint(l));
  for (int l : a_only) shape.push_back(size_in(a, l));
  for (int l : b_only) shape.push_back(size_in(b, l));
  return {view(prod, shape), out_labels};
}

}  // namespace

Tensor einsum(const std::string& equation, const tensor_list& operands) {
  if (AutocastMode::is_enabled()) {  // Note [Autocast]: lower-precision list
    tensor_list cast;
    for (const Tensor& t : operands) cast.push_back(autocast_lower(t));
    AutocastOff off;
    return einsum(equation, cast);
  }
  FG_CHECK(!operands.empty(), Error, "einsum(): must provide at least one operand");
  std::vector<Term> terms;
  Term out_term;
  bool explicit_output = false;
  parse(equation, terms, out_term, explicit_output);
  FG_CHECK(terms.size() <= operands.size(), Error,
           "einsum(): fewer operands were provided than specified in the equation");
  FG_CHECK(terms.size() >= operands.size(), Error,
           "einsum(): more operands were provided than specified in the equation");

  // Labels per operand, with the ellipsis expanded and aligned on the right.
  int64_t ell_dims = 0;
  for (size_t i = 0; i < operands.size(); ++i) {
    const auto n = static_cast<int64_t>(terms[i].letters.size());
    const int64_t nd = operands[i].dim();
    if (terms[i].ellipsis >= 0) {
      FG_CHECK(n <= nd, Error, "einsum(): the number of subscripts in the equation (", n,
               ") is more than the number of dimensions (", nd, ") for operand ", i);
      ell_dims = std::max(ell_dims, nd - n);
    } else {
      FG_CHECK(n == nd, Error, "einsum(): the number of subscripts in the equation (", n,
               ") does not match the number of dimensions (", nd, ") for operand ", i, " and no ellipsis was given");
    }
  }
  std::vector<Labelled> ops;
  std::array<int, 128> count{};  // occurrences of each label in the inputs (repeats within an operand count)
  std::array<int64_t, 128> size{};
  size.fill(-1);
  for (size_t i = 0; i < operands.size(); ++i) {
    const Term& term = terms[i];
    Labels labels;
    const int64_t covered = operands[i].dim() - static_cast<int64_t>(term.letters.size());
    for (size_t k = 0; k <= term.letters.size(); ++k) {
      if (static_cast<int64_t>(k) == term.ellipsis)
        for (int64_t e = 0; e < covered; ++e) labels.push_back(kLetters + static_cast<int>(ell_dims - covered + e));
      if (k < term.letters.size()) labels.push_back(term.letters[k]);
    }
    for (size_t d = 0; d < labels.size(); ++d) {
      const int l = labels[d];
      ++count[l];
      const int64_t s = operands[i].sizes()[d];
      if (l < kLetters && contains(Labels(labels.begin(), labels.begin() + static_cast<int64_t>(d)), l)) continue;
      FG_CHECK(size[l] < 0 || size[l] == s || size[l] == 1 || s == 1, Error, "einsum(): subscript ",
               l < kLetters ? std::string(1, label_letter(l)) : std::string("..."), " has size ", s, " for operand ", i,
               " which does not broadcast with previously seen size ", size[l]);
      if (size[l] < 0 || size[l] == 1) size[l] = s;
    }
    ops.push_back({operands[i], labels});
  }

  // The output's labels: as written, or the ellipsis and then the letters used exactly once, in label order.
  Labels out_labels;
  if (explicit_output) {
    for (size_t k = 0; k <= out_term.letters.size(); ++k) {
      if (static_cast<int64_t>(k) == out_term.ellipsis)
        for (int64_t e = 0; e < ell_dims; ++e) out_labels.push_back(kLetters + static_cast<int>(e));
      if (k < out_term.letters.size()) {
        const int l = out_term.letters[k];
        FG_CHECK(count[l] > 0, Error, "einsum(): output subscript ", label_letter(l),
                 " does not appear in the equation for any input operand");
        FG_CHECK(!contains(out_labels, l), Error, "einsum(): output subscript ", label_letter(l),
                 " appears more than once in the output");
        out_labels.push_back(l);
      }
    }
  } else {
    for (int64_t e = 0; e < ell_dims; ++e) out_labels.push_back(kLetters + static_cast<int>(e));
    for (int l = 0; l < kLetters; ++l)
      if (count[l] == 1) out_labels.push_back(l);
  }
  std::array<bool, 128> in_output{};
  for (int l : out_labels) in_output[l] = true;

  if (ops.size() == 1) {
    // A lone operand: its diagonals, permuted into the output's order followed by the summed labels (one
    // PermuteBackward0 even when nothing moves, as PyTorch records it), then those labels summed.
    Labelled& x = ops[0];
    take_diagonals(x, 0);
    Labels order = out_labels;
    for (int l : x.labels)
      if (!in_output[l]) order.push_back(l);
    Dims perm;
    for (int l : order) perm.push_back(position(x.labels, l));
    x.t = permute(x.t, perm);
    x.labels = order;
    sum_labels(x, [&](int l) { return !in_output[l]; });
    return x.t;
  }

  // Per operand: diagonals, then sum the labels no one else needs.
  for (size_t i = 0; i < ops.size(); ++i) {
    take_diagonals(ops[i], i);
    sum_labels(ops[i], [&](int l) {
      if (in_output[l]) return false;
      for (size_t j = 0; j < ops.size(); ++j)
        if (j != i && contains(ops[j].labels, l)) return false;
      return true;
    });
  }

  // Left to right, keeping the labels the output or a later operand needs.
  Labelled acc = ops[0];
  for (size_t i = 1; i < ops.size(); ++i) {
    std::array<bool, 128> keep = in_output;
    for (size_t j = i + 1; j < ops.size(); ++j)
      for (int l : ops[j].labels) keep[l] = true;
    acc = contract(acc, ops[i], keep);
  }
  sum_labels(acc, [&](int l) { return !in_output[l]; });

  return reorder(acc.t, acc.labels, out_labels);
}

}  // namespace fastgrad
