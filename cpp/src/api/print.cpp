// The tensor formatter (see print.h): PyTorch 2.13's repr layout. Every decision follows torch's
// _tensor_str: the element format (integer mode "4.", fixed or scientific) and the column width are chosen
// once per tensor from the elements that are shown; rows wrap to the line width; large tensors are
// summarised with "..."; the suffixes wrap after the body.
#include "fastgrad/print.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <ostream>
#include <vector>

#include "fastgrad/autograd.h"
#include "fastgrad/node.h"
#include "fastgrad/ops.h"

namespace fastgrad {

namespace {

std::mutex g_options_mutex;
PrintOptions g_options;

enum class Kind { Float, Int, Bool };

// The elements, row-major, as doubles (floating dtypes: every float16/bfloat16/float32 value is exact in
// double), int64 (integer dtypes) or bool.
struct Values {
  Kind kind;
  Dims sizes;
  std::vector<double> f;
  std::vector<int64_t> i;
};

std::string format_double(double v, const char* spec, int64_t precision) {
  if (std::isnan(v)) return "nan";  // Python prints no sign for NaN (C would print "-nan")
  char buf[512];
  std::snprintf(buf, sizeof buf, spec, static_cast<int>(precision), v);
  return buf;
}

// Chooses the element format and width from the shown elements (Python's _ElementFormatter).
class ElementFormatter {
 public:
  ElementFormatter(const Values& v, const std::vector<int64_t>& shown, const PrintOptions& o) : kind_(v.kind), o_(o) {
    if (kind_ == Kind::Float) {
      std::vector<double> vals;
      for (int64_t k : shown) {
        const double x = v.f[k];
        if (std::isfinite(x) && x != 0) vals.push_back(x);
      }
      if (vals.empty()) return;  // only zeros / inf / nan: integer mode, width 1 (even with sci_mode=True)
      double lo = std::fabs(vals[0]), hi = lo;
      for (double x : vals) {
        lo = std::min(lo, std::fabs(x));
        hi = std::max(hi, std::fabs(x));
        int_mode_ = int_mode_ && x == std::ceil(x);
      }
      sci_mode_ = o_.sci_mode ? *o_.sci_mode : (hi / lo > 1000.0 || hi > 1.0e8 || lo < 1.0e-4);
      // Only non-zero finite values count towards the width; the others are padded to it (or overflow it).
      for (double x : vals) width_ = std::max<int64_t>(width_, static_cast<int64_t>(text(x).size()));
    } else {
      for (int64_t k : shown) width_ = std::max<int64_t>(width_, static_cast<int64_t>(text_at(v, k).size()));
    }
  }

  int64_t width() const { return width_; }

  std::string operator()(const Values& v, int64_t k) const {
    std::string s = text_at(v, k);
    if (static_cast<int64_t>(s.size()) < width_) s.insert(0, static_cast<size_t>(width_) - s.size(), ' ');
    return s;
  }

 private:
  std::string text_at(const Values& v, int64_t k) const {
    if (kind_ == Kind::Float) return text(v.f[k]);
    if (kind_ == Kind::Bool) return v.i[k] ? "True" : "False";
    return std::to_string(v.i[k]);
  }
  std::string text(double x) const {
    if (sci_mode_) return format_double(x, "%.*e", o_.precision);
    if (int_mode_) {
      std::string s = format_double(x, "%.*f", 0);
      if (std::isfinite(x)) s += ".";
      return s;
    }
    return format_double(x, "%.*f", o_.precision);
  }

  Kind kind_;
  const PrintOptions& o_;
  bool int_mode_ = true;
  bool sci_mode_ = false;
  int64_t width_ = 1;
};

class Printer {
 public:
  Printer(const Values& v, const PrintOptions& o, bool summarize) : v_(v), o_(o), summarize_(summarize) {
    // Row-major strides of the element arrays.
    strides_.assign(v.sizes.size(), 1);
    for (int64_t d = static_cast<int64_t>(v.sizes.size()) - 2; d >= 0; --d)
      strides_[d] = strides_[d + 1] * v.sizes[d + 1];
  }

  // The flat positions a summarised print shows (all of them otherwise).
  std::vector<int64_t> shown() const {
    std::vector<int64_t> out;
    const int64_t e = o_.edgeitems;
    if (summarize_ && e <= 0) return out;  // everything elided to "..."
    std::vector<std::vector<int64_t>> per_dim;
    for (int64_t n : v_.sizes) {
      std::vector<int64_t> idx;
      for (int64_t j = 0; j < n; ++j)
        if (!summarize_ || n <= 2 * e || j < e || j >= n - e) idx.push_back(j);
      per_dim.push_back(std::move(idx));
    }
    // Odometer over the per-dimension index lists.
    std::vector<size_t> pos(per_dim.size(), 0);
    for (const auto& idx : per_dim)
      if (idx.empty()) return out;
    while (true) {
      int64_t flat = 0;
      for (size_t d = 0; d < per_dim.size(); ++d) flat += per_dim[d][pos[d]] * strides_[d];
      out.push_back(flat);
      size_t d = per_dim.size();
      while (d > 0) {
        --d;
        if (++pos[d] < per_dim[d].size()) break;
        pos[d] = 0;
        if (d == 0) return out;
      }
      if (per_dim.empty()) return out;
    }
  }

  // Nested brackets; sub-blocks of rank r are separated by r - 1 blank lines. The depth of the recursion is
  // the tensor's dimension count.
  std::string block(const ElementFormatter& fmt, size_t d, int64_t base, int64_t indent) const {
    const size_t ndim = v_.sizes.size();
    if (ndim == 0) return fmt(v_, 0);
    if (d + 1 == ndim) return row(fmt, base, indent);
    const int64_t n = v_.sizes[d], e = o_.edgeitems;
    std::vector<std::string> parts;
    if (summarize_ && n > 2 * e) {
      for (int64_t j = 0; j < e; ++j) parts.push_back(block(fmt, d + 1, base + j * strides_[d], indent + 1));
      parts.emplace_back("...");
      for (int64_t j = std::max<int64_t>(n - e, 0); j < n; ++j)
        parts.push_back(block(fmt, d + 1, base + j * strides_[d], indent + 1));
    } else {
      for (int64_t j = 0; j < n; ++j) parts.push_back(block(fmt, d + 1, base + j * strides_[d], indent + 1));
    }
    const std::string sep = "," + std::string(ndim - d - 1, '\n') + std::string(static_cast<size_t>(indent + 1), ' ');
    std::string out = "[";
    for (size_t k = 0; k < parts.size(); ++k) out += (k ? sep : "") + parts[k];
    return out + "]";
  }

 private:
  // A 1-d run of elements separated by ", ", wrapped to the line width (at least one element per line).
  std::string row(const ElementFormatter& fmt, int64_t base, int64_t indent) const {
    const int64_t n = v_.sizes.back(), e = o_.edgeitems;
    std::vector<std::string> items;
    if (summarize_ && e <= 0) {
      items.emplace_back("...");
    } else if (summarize_ && n > 2 * e) {
      for (int64_t j = 0; j < e; ++j) items.push_back(fmt(v_, base + j));
      items.emplace_back(" ...");
      for (int64_t j = n - e; j < n; ++j) items.push_back(fmt(v_, base + j));
    } else {
      for (int64_t j = 0; j < n; ++j) items.push_back(fmt(v_, base + j));
    }
    // Each element is budgeted its width plus ", "; the " ..." marker counts as an element too.
    const double budget = std::floor(static_cast<double>(o_.linewidth - indent) / static_cast<double>(fmt.width() + 2));
    const size_t per_line = static_cast<size_t>(std::max(1.0, budget));
    const std::string line_sep = ",\n" + std::string(static_cast<size_t>(indent + 1), ' ');
    std::string out = "[";
    for (size_t k = 0; k < items.size(); ++k) {
      if (k) out += (k % per_line == 0) ? line_sep : ", ";
      out += items[k];
    }
    return out + "]";
  }

  const Values& v_;
  const PrintOptions& o_;
  bool summarize_;
  std::vector<int64_t> strides_;
};

std::string shape_text(const Dims& sizes) {
  std::string s = "size=(";
  for (size_t k = 0; k < sizes.size(); ++k) s += (k ? ", " : "") + std::to_string(sizes[k]);
  return s + (sizes.size() == 1 ? ",)" : ")");  // Python's tuple: (5,)
}

// Appends ", suffix" items and the closing parenthesis; a suffix moves to its own line (aligned under the
// opening bracket) when the line would pass the width. Like torch, the current line counts two characters
// more than it has until the first wrap.
std::string close_with_suffixes(std::string text, const std::vector<std::string>& suffixes, int64_t indent,
                                int64_t linewidth) {
  const size_t nl = text.rfind('\n');
  int64_t column = static_cast<int64_t>(text.size() - (nl == std::string::npos ? 0 : nl + 1)) + 2;
  for (const std::string& suffix : suffixes) {
    const int64_t len = static_cast<int64_t>(suffix.size());
    if (column + len + 2 > linewidth) {
      text += ",\n" + std::string(static_cast<size_t>(indent), ' ') + suffix;
      column = indent + len;
    } else {
      text += ", " + suffix;
      column += len + 2;
    }
  }
  return text + ")";
}

Values read_values(const Tensor& values, ScalarType dtype) {
  NoGradGuard no_grad;
  Values v;
  v.sizes = values.sizes();
  const Tensor plain = values.detach();
  if (is_floating(dtype)) {
    v.kind = Kind::Float;
    const Tensor c = contiguous(to_dtype(plain, ScalarType::Float64));
    v.f.assign(c.data<double>(), c.data<double>() + c.numel());
  } else {
    v.kind = dtype == ScalarType::Bool ? Kind::Bool : Kind::Int;
    const Tensor c = contiguous(to_dtype(plain, ScalarType::Int64));
    v.i.assign(c.data<int64_t>(), c.data<int64_t>() + c.numel());
  }
  return v;
}

}  // namespace

PrintOptions get_printoptions() {
  std::lock_guard<std::mutex> lock(g_options_mutex);
  return g_options;
}

void set_printoptions(const PrintOptions& options) {
  std::lock_guard<std::mutex> lock(g_options_mutex);
  g_options = options;
}

std::string format_tensor(const Tensor& values, ScalarType dtype, const std::string& grad_fn_name,
                          bool requires_grad, const std::string& module) {
  FG_CHECK(values.defined(), Error, "format_tensor(): undefined tensor");
  const PrintOptions o = get_printoptions();
  const Values v = read_values(values, dtype);
  const int64_t numel = values.numel();
  const std::string prefix = "tensor(";
  const int64_t indent = static_cast<int64_t>(prefix.size());
  const std::string dtype_text = "dtype=" + module + "." + dtype_name(dtype);
  // The values already say int64 and bool; floats of the default dtype need no suffix either.
  const bool implied = dtype == default_dtype() || dtype == ScalarType::Int64 || dtype == ScalarType::Bool;

  std::vector<std::string> suffixes;
  std::string body;
  if (numel == 0) {
    body = "[]";
    if (v.sizes.size() != 1) suffixes.push_back(shape_text(v.sizes));  // like numpy, (0,) is not spelled out
    if (dtype != default_dtype()) suffixes.push_back(dtype_text);    // no element hints at the dtype
  } else {
    const bool summarize = static_cast<double>(numel) > o.threshold;
    const Printer printer(v, o, summarize);
    const ElementFormatter fmt(v, printer.shown(), o);
    body = printer.block(fmt, 0, 0, indent);
    if (o.edgeitems <= 0) suffixes.push_back(shape_text(v.sizes));  // nothing but "..." may be visible
    if (!implied) suffixes.push_back(dtype_text);
  }
  if (!grad_fn_name.empty()) {
    suffixes.push_back("grad_fn=<" + grad_fn_name + ">");
  } else if (requires_grad) {
    suffixes.emplace_back("requires_grad=True");
  }
  return close_with_suffixes(prefix + body, suffixes, indent, o.linewidth);
}

std::string format_tensor(const Tensor& t) {
  if (!t.defined()) return "[ Tensor (undefined) ]";
  const std::shared_ptr<Node>& fn = t.grad_fn();
  return format_tensor(t, t.dtype(), fn ? fn->name() : std::string(), t.requires_grad());
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << format_tensor(t); }

}  // namespace fastgrad
