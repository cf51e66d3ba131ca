"""The docstrings of the functions and Tensor methods bound in C++ (attached by fastgrad/_docs.py).

DOCS holds one paragraph per op, shared by the function (fastgrad.add) and the method (Tensor.add): "input" is
the tensor the method is called on. An in-place form (add_) and an alias (multiply) take the text of the op
they stand for. SIGNATURES gives the argument names of the bindings that parse *args/**kwargs themselves.
"""

# ---- elementwise math: out_i = f(input_i); the derivative is f'(input_i) times the incoming gradient ----
_UNARY = {
    "abs": "|x|; its gradient is sign(x) (0 at 0)",
    "acos": "arccos(x), in [0, pi]; NaN outside [-1, 1]; gradient -1/sqrt(1 - x^2)",
    "acosh": "arcosh(x) = log(x + sqrt(x^2 - 1)); NaN below 1; gradient 1/sqrt(x^2 - 1)",
    "asin": "arcsin(x), in [-pi/2, pi/2]; NaN outside [-1, 1]; gradient 1/sqrt(1 - x^2)",
    "asinh": "arsinh(x) = log(x + sqrt(x^2 + 1)); gradient 1/sqrt(x^2 + 1)",
    "atan": "arctan(x), in (-pi/2, pi/2); gradient 1/(1 + x^2)",
    "atanh": "artanh(x) = log((1 + x)/(1 - x))/2; NaN outside [-1, 1]; gradient 1/(1 - x^2)",
    "ceil": "the smallest integer >= x (integers unchanged); gradient 0",
    "cos": "cos(x); gradient -sin(x)",
    "cosh": "cosh(x) = (e^x + e^-x)/2; gradient sinh(x)",
    "erf": "the error function erf(x) = 2/sqrt(pi) * integral_0^x e^(-t^2) dt; gradient 2/sqrt(pi) e^(-x^2)",
    "erfc": "the complementary error function 1 - erf(x), accurate for large x; gradient -2/sqrt(pi) e^(-x^2)",
    "exp": "e^x; gradient e^x",
    "exp2": "2^x; gradient 2^x log(2)",
    "expm1": "e^x - 1, accurate near 0; gradient e^x",
    "floor": "the largest integer <= x (integers unchanged); gradient 0",
    "frac": "x - trunc(x), the fractional part with the sign of x; gradient 1",
    "log": "the natural logarithm ln(x) (-inf at 0, NaN below 0); gradient 1/x",
    "log10": "log_10(x); gradient 1/(x ln 10)",
    "log1p": "ln(1 + x), accurate near 0; gradient 1/(1 + x)",
    "log2": "log_2(x); gradient 1/(x ln 2)",
    "neg": "-x; gradient -1",
    "reciprocal": "1/x (inf at 0); gradient -1/x^2",
    "relu": "max(x, 0); gradient 1 where x > 0, else 0",
    "round": "x rounded to the nearest integer, halves to the nearest even one (round(0.5) = 0, round(1.5) = 2); "
             "with decimals=d, round(x * 10^d) / 10^d; gradient 0",
    "rsqrt": "1/sqrt(x); gradient -1/(2 x^(3/2))",
    "selu": "scale * (max(0, x) + min(0, alpha * (e^x - 1))) with alpha = 1.6732632423543772 and "
            "scale = 1.0507009873554805",
    "sigmoid": "1/(1 + e^-x); gradient sigmoid(x) (1 - sigmoid(x))",
    "sign": "-1, 0 or 1 by the sign of x (0 for 0, NaN for NaN); gradient 0",
    "sin": "sin(x); gradient cos(x)",
    "sinh": "sinh(x) = (e^x - e^-x)/2; gradient cosh(x)",
    "sqrt": "the square root of x (NaN below 0); gradient 1/(2 sqrt(x))",
    "square": "x^2; gradient 2x",
    "tan": "tan(x); gradient 1 + tan(x)^2",
    "tanh": "tanh(x) = (e^x - e^-x)/(e^x + e^-x); gradient 1 - tanh(x)^2",
    "trunc": "x rounded toward zero (the integer part); gradient 0",
    "logit": "log(p / (1 - p)); with eps given, p = clamp(x, eps, 1 - eps) first; gradient 1/(x (1 - x)) inside the "
             "clamp, 0 outside it",
    "bitwise_not": "~x, each bit flipped (logical not for bool tensors); integer and bool dtypes only",
    "logical_not": "True where x is zero (False), False elsewhere; a bool tensor",
    "isfinite": "True where x is neither infinite nor NaN; a bool tensor",
    "isinf": "True where x is +inf or -inf; a bool tensor",
    "isnan": "True where x is NaN; a bool tensor",
    "isneginf": "True where x is -inf; a bool tensor",
    "isposinf": "True where x is +inf; a bool tensor",
    # the gamma family and torch.special (computed in double, float32 rounded once)
    "lgamma": "ln|Gamma(x)| (+inf at 0, -1, -2, ...); gradient digamma(x)",
    "digamma": "psi(x) = Gamma'(x)/Gamma(x) (-inf at +0, NaN at negative integers); gradient polygamma(1, x)",
    "erfinv": "the inverse error function on [-1, 1] (+-inf at +-1, NaN outside); gradient sqrt(pi)/2 e^(erfinv(x)^2)",
    "i0": "the modified Bessel function of the first kind of order 0, sum_k (x^2/4)^k / (k!)^2; gradient i1(x)",
    "sinc": "sin(pi x)/(pi x), 1 at 0; gradient (pi x cos(pi x) - sin(pi x))/(pi x^2), 0 at 0",
    "special_i0e": "e^-|x| i0(x), the exponentially scaled Bessel function of order 0 (torch.special.i0e); gradient "
                   "i1e(x) - sign(x) i0e(x)",
    "special_i1": "the modified Bessel function of the first kind of order 1 (torch.special.i1); gradient "
                  "i0(x) - i1(x)/x (1/2 at 0)",
    "special_i1e": "e^-|x| i1(x) (torch.special.i1e); gradient i0e(x) - i1e(x) (sign(x) + 1/x) (1/2 at 0)",
    "special_ndtri": "the standard normal quantile Phi^-1(p) (-inf at 0, inf at 1, NaN outside [0, 1]; "
                     "torch.special.ndtri); gradient sqrt(2 pi) e^(ndtri(p)^2/2)",
    "special_log_ndtr": "log Phi(x), the log of the standard normal CDF, accurate far in both tails "
                        "(torch.special.log_ndtr); gradient e^(-x^2/2 - log_ndtr(x))/sqrt(2 pi)",
    "special_erfcx": "e^(x^2) erfc(x), the scaled complementary error function (torch.special.erfcx); gradient "
                     "2x erfcx(x) - 2/sqrt(pi)",
    "special_entr": "-x ln x, 0 at 0 and -inf below 0 (torch.special.entr); gradient -(1 + ln x)",
}

# ---- elementwise binary ops: out_i = f(input_i, other_i), broadcast, the result dtype by type promotion ----
_BINARY = {
    "add": "input + alpha * other; gradients 1 and alpha",
    "sub": "input - alpha * other; gradients 1 and -alpha",
    "mul": "input * other; gradients other and input",
    "div": "input / other: true division (an integer input gives a floating result); with rounding_mode='trunc' "
           "the quotient rounded toward zero, with 'floor' rounded down; gradients 1/other and -input/other^2",
    "floor_divide": "floor(input / other), the quotient rounded down (PyTorch 2's behaviour); gradient 0",
    "fmod": "the remainder of input / other with the sign of input: input - trunc(input / other) * other",
    "remainder": "the remainder of input / other with the sign of other (Python's %): input - floor(input / other) "
                 "* other",
    "pow": "input ** exponent (either may be a number); gradients exponent * input^(exponent - 1) and "
           "input^exponent * ln(input)",
    "atan2": "the angle of the point (other, input): arctan(input/other) in (-pi, pi], the quadrant from both "
             "signs; gradients other/(input^2 + other^2) and -input/(input^2 + other^2)",
    "hypot": "sqrt(input^2 + other^2) without overflow for large values; gradients input/hypot and other/hypot",
    "maximum": "the larger of input and other (NaN when either is NaN); the gradient goes to the larger, split "
               "evenly on ties",
    "minimum": "the smaller of input and other (NaN when either is NaN); the gradient goes to the smaller, split "
               "evenly on ties",
    "fmax": "the larger of input and other, ignoring a NaN when the other value is a number",
    "fmin": "the smaller of input and other, ignoring a NaN when the other value is a number",
    "eq": "input == other, a bool tensor",
    "ne": "input != other, a bool tensor",
    "lt": "input < other, a bool tensor",
    "le": "input <= other, a bool tensor",
    "gt": "input > other, a bool tensor",
    "ge": "input >= other, a bool tensor",
    "logical_and": "True where both input and other are nonzero, a bool tensor",
    "logical_or": "True where input or other is nonzero, a bool tensor",
    "logical_xor": "True where exactly one of input and other is nonzero, a bool tensor",
    "bitwise_and": "input & other, bit by bit (logical and for bool); integer and bool dtypes only",
    "bitwise_or": "input | other, bit by bit (logical or for bool); integer and bool dtypes only",
    "bitwise_xor": "input ^ other, bit by bit (logical xor for bool); integer and bool dtypes only",
}

DOCS = {}
for _name, _text in _UNARY.items():
    DOCS[_name] = f"Elementwise: out_i = f(input_i) with f(x) = {_text}. Returns a new tensor of input's shape."
for _name, _text in _BINARY.items():
    DOCS[_name] = (f"Elementwise, with broadcasting and type promotion: out = {_text}. A Python number stands "
                   "for a 0-dim tensor.")

DOCS.update({
    # ---- the gamma family and torch.special with arguments ----
    "polygamma": "Elementwise: the n-th derivative of the digamma function, psi^(n)(input) = (-1)^(n+1) n! "
                 "zeta(n + 1, input) for n >= 1 (digamma for n = 0); n must be >= 0. Gradient psi^(n+1)(input).",
    "mvlgamma": "Elementwise: the log of the multivariate gamma function of dimension p, p (p - 1)/4 ln(pi) + "
                "sum_{i<p} lgamma(input - i/2) (the multivariate gamma function's log for input > (p - 1)/2; "
                "below that the same sum, as PyTorch computes it). Gradient sum_{i<p} digamma(input - i/2).",
    "special_xlog1py": "Elementwise, with broadcasting: input * log1p(other), 0 where input is 0 (NaN where other "
                       "is NaN); either operand may be a number (torch.special.xlog1py). Gradients log1p(other) "
                       "and input / (1 + other).",
    "special_zeta": "Elementwise, with broadcasting: the Hurwitz zeta function sum_k (other + k)^-input (inf at "
                    "input = 1, NaN below; torch.special.zeta). Differentiable in other only: -input "
                    "zeta(input + 1, other).",
    # ---- more elementwise ----
    "clamp": "Elementwise: out_i = min(max(input_i, min), max); either bound may be None (not applied) or a "
             "tensor (broadcast). The gradient is 1 inside the bounds and 0 where a bound applies.",
    "clamp_min": "Elementwise: out_i = max(input_i, min), min a number or a tensor; gradient 1 where input > min.",
    "clamp_max": "Elementwise: out_i = min(input_i, max), max a number or a tensor; gradient 1 where input < max.",
    "nan_to_num": "Elementwise: NaN becomes nan (default 0), +inf becomes posinf and -inf becomes neginf (default "
                  "the dtype's largest and lowest finite values); other values are unchanged, gradient 1 there.",
    "lerp": "Linear interpolation: out = input + weight * (end - input), weight a number or a tensor; gradients "
            "1 - weight, weight, and end - input for a tensor weight.",
    "addcmul": "out = input + value * tensor1 * tensor2, elementwise with broadcasting.",
    "addcdiv": "out = input + value * tensor1 / tensor2, elementwise with broadcasting.",
    "isclose": "Elementwise |input - other| <= atol + rtol * |other| (True where both are equal infinities; NaNs "
               "equal only with equal_nan=True), a bool tensor.",
    "allclose": "True when isclose(input, other, rtol, atol, equal_nan) holds for every element (a Python bool).",
    "equal": "True when input and other have the same shape and equal elements (a Python bool).",
    "where": "where(condition, input, other): out_i = input_i where condition_i is True, else other_i (broadcast; "
             "input and other may be numbers). where(condition) is nonzero(condition, as_tuple=True).",
    "masked_fill": "Returns input with value written where mask (a bool tensor broadcastable to input) is True; "
                   "the gradient to input is 0 there.",
    "masked_select": "The elements of input where mask is True (mask broadcast with input), as a 1-D tensor in "
                     "row-major order.",
    # ---- linear algebra ----
    "matmul": "Matrix product with PyTorch's rules: 1-D x 1-D is the dot product, 2-D x 2-D the matrix product, "
              "a 1-D operand is a row (first) or column (second) vector whose dimension is removed after, and "
              "more dimensions are batch dimensions that broadcast. Gradients grad @ other^T and input^T @ grad.",
    "mm": "Matrix product of 2-D tensors: (n, m) @ (m, p) -> (n, p), out_ij = sum_k input_ik mat2_kj.",
    "bmm": "Batched matrix product of 3-D tensors: (b, n, m) @ (b, m, p) -> (b, n, p), one product per batch "
           "index; no broadcasting.",
    "mv": "Matrix-vector product: (n, m) @ (m,) -> (n,), out_i = sum_j input_ij vec_j.",
    "dot": "Dot product of two 1-D tensors of the same length: sum_i input_i * other_i, a 0-dim tensor.",
    "outer": "Outer product of two 1-D tensors: out_ij = input_i * vec2_j, shape (n, m).",
    "addmm": "out = beta * input + alpha * (mat1 @ mat2), mat1 (n, m), mat2 (m, p), input broadcastable to (n, p).",
    "addmv": "out = beta * input + alpha * (mat @ vec), mat (n, m), vec (m,), input broadcastable to (n,).",
    "baddbmm": "out = beta * input + alpha * bmm(batch1, batch2), batch1 (b, n, m), batch2 (b, m, p), input "
               "broadcastable to (b, n, p).",
    "einsum": "Einstein summation: einsum('ij,jk->ik', a, b) multiplies the operands' elements along the "
              "labelled dimensions and sums over the labels missing from the output (after '->', or every label "
              "used twice when there is no '->'); '...' stands for broadcast dimensions.",
    "trace": "The sum of the main diagonal of a 2-D tensor, sum_i input_ii, as a 0-dim tensor.",
    "diag": "For a 1-D input, the 2-D matrix with input on its diagonal number `diagonal` (0 main, > 0 above, < 0 "
            "below); for a 2-D input, that diagonal as a 1-D tensor (a copy).",
    "diagonal": "A view of the diagonal number `offset` of input over dimensions dim1 and dim2: those dimensions "
                "are removed and the diagonal is appended as the last one.",
    "tril": "The lower triangle of the (batched) matrix input: elements above diagonal number `diagonal` set to 0.",
    "triu": "The upper triangle of the (batched) matrix input: elements below diagonal number `diagonal` set to 0.",
    "norm": "The p-norm of input over dim (all elements when None): (sum |x|^p)^(1/p); p='fro' is the 2-norm, "
            "p=inf the largest |x|, p=-inf the smallest, p=0 the count of nonzeros.",
    "convolution": "The convolution or transposed convolution (transposed=True) of input (N, C_in, *spatial) "
                   "with weight, bias, stride, padding, dilation, output_padding and groups all given, as "
                   "nn.functional.conv1d/2d/3d and conv_transpose1d/2d/3d compute it.",
    # ---- reductions ----
    "sum": "The sum of input's elements over dim (an int, a tuple of ints, or all dimensions when None), kept as "
           "size-1 dimensions with keepdim=True; dtype= casts before summing (integers and bool sum as int64).",
    "mean": "The arithmetic mean over dim (all elements when None): sum / count; floating dtypes only (or give "
            "dtype=); keepdim=True keeps the reduced dimensions with size 1.",
    "prod": "The product of input's elements over dim (all elements when None); the gradient is the product of "
            "the other elements, correct when some are zero.",
    "amax": "The largest element over dim (an int or a tuple, all dimensions when empty); the gradient is split "
            "evenly among equal maxima.",
    "amin": "The smallest element over dim (an int or a tuple, all dimensions when empty); the gradient is split "
            "evenly among equal minima.",
    "max": "max(input): the largest element (a 0-dim tensor). max(input, dim, keepdim=False): a named tuple "
           "(values, indices) of the largest element along dim and its index. max(input, other): maximum(input, "
           "other). NaN propagates.",
    "min": "min(input): the smallest element (a 0-dim tensor). min(input, dim, keepdim=False): a named tuple "
           "(values, indices) of the smallest element along dim and its index. min(input, other): minimum(input, "
           "other). NaN propagates.",
    "argmax": "The index of the largest element along dim (of the flattened input when dim is None), the first "
              "one on ties; an int64 tensor.",
    "argmin": "The index of the smallest element along dim (of the flattened input when dim is None), the first "
              "one on ties; an int64 tensor.",
    "all": "True where every element along dim is nonzero (over all elements when dim is None), a bool tensor.",
    "any": "True where some element along dim is nonzero (over all elements when dim is None), a bool tensor.",
    "count_nonzero": "The number of nonzero elements over dim (all when None), an int64 tensor.",
    "var": "The variance over dim: sum (x - mean)^2 / (N - correction), correction=1 (Bessel's) by default and "
           "0 for the population variance; unbiased=False is correction=0.",
    "std": "The standard deviation over dim: sqrt(sum (x - mean)^2 / (N - correction)), correction=1 by default.",
    "var_mean": "The pair (var, mean) over dim, computed together; the arguments are var's.",
    "std_mean": "The pair (std, mean) over dim, computed together; the arguments are std's.",
    "logsumexp": "log(sum(exp(input))) over dim, computed stably as m + log(sum(exp(input - m))) with m the "
                 "maximum; its gradient is softmax(input) along dim.",
    "cumsum": "The running sum along dim: out_i = input_0 + ... + input_i.",
    "cumprod": "The running product along dim: out_i = input_0 * ... * input_i.",
    "softmax": "softmax(input)_i = exp(x_i) / sum_j exp(x_j) along dim, computed with the maximum subtracted "
               "first; dtype= casts before.",
    "log_softmax": "log(softmax(input)) along dim, computed stably as x_i - logsumexp(x); dtype= casts before.",
    # ---- creation ----
    "zeros": "A tensor of the given size (ints, or one list/tuple) filled with 0, of dtype (the default dtype "
             "when None), with requires_grad as given.",
    "ones": "A tensor of the given size (ints, or one list/tuple) filled with 1, of dtype (the default dtype when "
            "None), with requires_grad as given.",
    "empty": "A tensor of the given size with unspecified contents (fastgrad fills it with zeros), of dtype (the "
             "default dtype when None).",
    "full": "A tensor of shape size filled with fill_value; the dtype is fill_value's (bool, int64 or the default "
            "floating dtype) unless dtype is given.",
    "zeros_like": "zeros of input's shape, with input's dtype unless dtype is given.",
    "ones_like": "ones of input's shape, with input's dtype unless dtype is given.",
    "empty_like": "An uninitialised tensor (zeros in fastgrad) of input's shape and dtype unless dtype is given.",
    "full_like": "A tensor of input's shape filled with fill_value, with input's dtype unless dtype is given.",
    "rand": "A tensor of the given size with elements drawn uniformly from [0, 1), from generator (the default "
            "one when None).",
    "randn": "A tensor of the given size with elements drawn from the standard normal distribution N(0, 1), from "
             "generator (the default one when None).",
    "randint": "randint(low=0, high, size): a tensor of the given size with integers drawn uniformly from [low, "
               "high), int64 unless dtype is given.",
    "rand_like": "rand of input's shape, with input's dtype unless dtype is given.",
    "randn_like": "randn of input's shape, with input's dtype unless dtype is given.",
    "randint_like": "randint_like(input, low=0, high): integers drawn uniformly from [low, high) in input's shape "
                    "and dtype.",
    "randperm": "A random permutation of 0, ..., n - 1 (int64 unless dtype is given), drawn from generator.",
    "arange": "The 1-D tensor start, start + step, ... up to (excluding) end; arange(end) starts at 0. Integer "
              "arguments give int64, any float the default floating dtype.",
    "linspace": "steps points evenly spaced from start to end, both included: start + i * (end - start) / "
                "(steps - 1).",
    "eye": "The n x m (m = n by default) identity matrix: 1 on the main diagonal, 0 elsewhere.",
    "from_numpy": "A tensor sharing the memory of a NumPy array (writes through either show in the other), with "
                  "the array's dtype and strides.",
    "bernoulli": "Draws 0 or 1 for each element, 1 with probability input_i (or p when given), from generator.",
    "multinomial": "Draws num_samples indices from each row of input, index i with probability input_i / "
                   "sum(input), without replacement unless replacement=True; an int64 tensor.",
    "normal": "Samples of N(mean, std^2): mean and std are tensors (broadcast) or numbers (then size gives the "
              "shape), drawn from generator.",
    "dropout": "During training, zeroes each element with probability p and scales the rest by 1/(1 - p), so the "
               "expectation is unchanged; returns input unchanged when train is False.",
    # ---- shape, joining, indexing ----
    "cat": "Joins the tensors along an existing dimension dim; all other sizes must match (1-D empty tensors are "
           "skipped). The gradient is split back into the pieces.",
    "stack": "Joins the tensors (all of one shape) along a new dimension dim.",
    "hstack": "Joins tensors column-wise: along dimension 1, or dimension 0 for 1-D tensors.",
    "vstack": "Joins tensors row-wise along dimension 0, 1-D tensors first made into (1, n) rows.",
    "dstack": "Joins tensors depth-wise along dimension 2, after atleast_3d.",
    "column_stack": "Joins tensors as the columns of a matrix: 0-D and 1-D tensors become (n, 1) columns, then "
                    "hstack.",
    "atleast_1d": "Each input as a tensor with at least 1 dimension (a 0-dim tensor becomes shape (1,)); one "
                  "tensor for one argument, a tuple for several.",
    "atleast_2d": "Each input as a tensor with at least 2 dimensions (shape () -> (1, 1), (n,) -> (1, n)).",
    "atleast_3d": "Each input as a tensor with at least 3 dimensions (() -> (1, 1, 1), (n,) -> (1, n, 1), (n, m) "
                  "-> (n, m, 1)).",
    "broadcast_shapes": "The shape that tensors of the given shapes broadcast to (sizes aligned from the right, a "
                        "size 1 stretched), as a Size; RuntimeError when they do not broadcast.",
    "broadcast_tensors": "The tensors expanded to their common broadcast shape, as views (no copy).",
    "broadcast_to": "A view of input expanded to size under the broadcasting rules (a -1 keeps the size).",
    "chunk": "Splits input into `chunks` pieces along dim, each of size ceil(n / chunks) but the last (fewer "
             "pieces when n is small); views.",
    "split": "Splits input along dim into pieces of split_size (the last smaller), or of the sizes in a list; "
             "views.",
    "split_with_sizes": "Splits input along dim into pieces of the given sizes, which must sum to the size of dim.",
    "tensor_split": "Splits input along dim into indices_or_sections pieces (sizes differing by at most 1) or at "
                    "the given indices; views.",
    "unbind": "The slices of input along dim, as a tuple of views with that dimension removed.",
    "flatten": "input with dimensions start_dim to end_dim merged into one (a view when the layout allows).",
    "unflatten": "input with dimension dim split into the given sizes (one may be -1).",
    "squeeze": "input without dimensions of size 1: all of them, or only those in dim (an int or a tuple); a view.",
    "unsqueeze": "A view of input with a size-1 dimension inserted at dim (negative dim counts from the end of "
                 "the result).",
    "transpose": "A view of input with dimensions dim0 and dim1 swapped.",
    "t": "The transpose of a tensor with at most 2 dimensions (0-D and 1-D returned as they are); a view.",
    "adjoint": "A view of input with its last two dimensions swapped (the conjugate transpose; real dtypes only).",
    "permute": "A view of input with its dimensions reordered: dimension i of the result is dims[i] of input.",
    "movedim": "A view of input with dimensions source moved to positions destination, the others in order.",
    "reshape": "input with another shape (one size may be -1), a view when the layout allows, else a copy.",
    "reshape_as": "input reshaped to other's shape.",
    "view_as": "A view of input with other's shape (see view).",
    "expand": "A view of input with size-1 dimensions stretched to the given sizes (-1 keeps a size; new "
              "dimensions in front), no copy: the stretched dimensions have stride 0.",
    "expand_as": "input expanded to other's shape (see expand).",
    "repeat": "input tiled: repeated repeats[i] times along dimension i (more repeats than dimensions add "
              "leading ones); a copy.",
    "tile": "input repeated dims[i] times along dimension i; with fewer dims than input's dimensions, leading 1s "
            "are assumed.",
    "flip": "A copy of input with the order of elements reversed along each dimension in dims.",
    "roll": "input with its elements shifted by shifts along dims (circularly: those pushed off the end come "
            "back at the start); the flattened tensor when dims is None.",
    "narrow": "A view of input restricted to length elements from start along dim.",
    "as_strided": "A view of input's storage with the given size and stride, starting at storage_offset (input's "
                  "own offset when None): element idx is storage[storage_offset + sum(idx[d] * stride[d])]. The "
                  "view must lie inside the storage and strides must be non-negative; elements may overlap, and "
                  "the gradient sums over every position that reads an element (AsStridedBackward0).",
    "select": "A view of input at index along dim, that dimension removed (input[..., index, ...]).",
    "take": "The elements of input at the given indices, input treated as 1-D; the result has index's shape.",
    "take_along_dim": "Picks values of input at indices along dim (indices broadcast with input); the flattened "
                      "input when dim is None.",
    "gather": "out[i][j][k] = input[index[i][j][k]][j][k] for dim 0 (and likewise for other dims): the values "
              "at index along dim; out has index's shape.",
    "scatter": "A copy of input with src (or value) written at index along dim: out[index[i][j]][j] = "
               "src[i][j] for dim 0; reduce='add' or 'multiply' combines instead of writing.",
    "scatter_add": "A copy of input with src added at index along dim: out[index[i][j]][j] += src[i][j] for dim "
                   "0; repeated indices accumulate.",
    "index_select": "The slices of input at the int64 indices in the 1-D index along dim, in that order.",
    "index_add": "A copy of input with alpha * source added at the positions index along dim: out[index[i]] += "
                 "alpha * source[i] for dim 0; repeated indices accumulate.",
    "index_put": "A copy of input with values written at the positions given by the tuple of index tensors "
                 "indices (as input[indices] = values); accumulate=True adds instead.",
    "nonzero": "The indices of the nonzero elements: an (n, input.dim()) int64 tensor, or with as_tuple=True "
               "one 1-D tensor per dimension.",
    "argwhere": "The indices of the nonzero elements as an (n, input.dim()) int64 tensor.",
    "moveaxis": "Alias of movedim: input with dimensions source moved to positions destination.",
    # ---- dtype, runtime, grad mode ----
    "promote_types": "The dtype PyTorch's type promotion gives for an op on tensors of dtypes type1 and type2 "
                     "(e.g. int64 and float32 give float32).",
    "get_default_dtype": "The floating dtype that factories and Python floats use by default (float32 at start).",
    "set_default_dtype": "Sets the default floating dtype (float32 or float64) of factories and Python floats.",
    "get_num_threads": "The number of threads fastgrad's kernels use.",
    "set_num_threads": "Sets the number of threads fastgrad's kernels use (at least 1).",
    "empty_cache": "Returns the memory fastgrad's allocator holds for reuse to the system.",
    "is_grad_enabled": "True when operations are recorded for autograd in this thread (not under no_grad).",
    "is_inference_mode_enabled": "True inside inference_mode() in this thread.",
    "is_anomaly_enabled": "True inside detect_anomaly() / with set_detect_anomaly(True).",
    # ---- Tensor methods and attributes of the core ----
    "backward": "Computes the gradient of this tensor with respect to the graph's leaves and accumulates it into "
                "their .grad: gradient is d(output)/d(self) (needed unless self has one element); "
                "retain_graph=True keeps the graph for another backward, create_graph=True records the "
                "backward itself for higher-order gradients, inputs limits which leaves accumulate.",
    "detach": "A new tensor sharing this one's data, outside the graph (requires_grad False, no grad_fn).",
    "detach_": "Detaches this tensor from the graph in place (it becomes a leaf with requires_grad False).",
    "requires_grad_": "Sets requires_grad (True by default) on a leaf in place and returns self.",
    "retain_grad": "Makes this non-leaf tensor keep its .grad after backward (leaves always do).",
    "register_hook": "Registers hook(grad) -> Tensor or None, called with this tensor's gradient each time it is "
                     "computed; a returned tensor replaces the gradient. Returns a handle with remove().",
    "register_post_accumulate_grad_hook": "Registers hook(tensor), called on a leaf after its gradient has been "
                                          "accumulated into .grad. Returns a handle with remove().",
    "item": "The value of a one-element tensor as a Python number (int, float or bool).",
    "numel": "The number of elements: the product of the sizes (1 for a 0-dim tensor).",
    "dim": "The number of dimensions (0 for a scalar tensor).",
    "size": "The shape as a Size; with dim, the size of that dimension (an int).",
    "stride": "The strides (elements to step in memory per index step) as a tuple; with dim, that dimension's.",
    "storage_offset": "The offset of this tensor's first element in its storage, in elements.",
    "element_size": "The size of one element in bytes.",
    "data_ptr": "The address of this tensor's first element.",
    "is_floating_point": "True when the dtype is a floating type.",
    "is_inference": "True for a tensor made inside inference_mode().",
    "clone": "A copy of input with its own memory, recorded in the graph (the gradient passes through).",
    "copy_": "Copies the elements of src (broadcast to self's shape, converted to self's dtype) into self and "
             "returns self; the gradient flows to src.",
    "fill_": "Writes value into every element of self and returns self.",
    "zero_": "Writes 0 into every element of self and returns self.",
    "uniform_": "Fills self with numbers drawn uniformly from [from, to) and returns self.",
    "normal_": "Fills self with samples of N(mean, std^2) and returns self.",
    "exponential_": "Fills self with samples of the exponential distribution with rate lambd (density lambd "
                    "e^(-lambd x)) and returns self.",
    "random_": "Fills self with integers drawn uniformly from [from, to) (to: one past the dtype's largest "
               "integer when None; random_() draws from [0, 2^mantissa] for floating dtypes) and returns self.",
    "bernoulli_": "Fills self with 0 or 1, 1 with probability p (a number or a tensor), and returns self.",
    "numpy": "A NumPy array sharing this tensor's memory (the tensor must not require grad unless force=True, "
             "which copies a detached one).",
    "cpu": "This tensor (fastgrad tensors are on the CPU).",
    "cuda": "Raises AssertionError, as PyTorch built without CUDA does: fastgrad has no CUDA device.",
    "tolist": "The elements as nested Python lists of numbers (a number for a 0-dim tensor).",
})

# Names that are another op under a second name (PyTorch's aliases).
ALIASES = {
    "absolute": "abs", "arccos": "acos", "arccosh": "acosh", "arcsin": "asin", "arcsinh": "asinh", "arctan": "atan",
    "arctan2": "atan2", "arctanh": "atanh", "clip": "clamp", "concat": "cat", "concatenate": "cat",
    "divide": "div", "true_divide": "div", "multiply": "mul", "subtract": "sub", "negative": "neg", "fix": "trunc",
    "greater": "gt", "greater_equal": "ge", "less": "lt", "less_equal": "le", "not_equal": "ne",
    "swapaxes": "transpose", "swapdims": "transpose", "row_stack": "vstack", "ger": "outer", "nelement": "numel",
    "ndimension": "dim",
}

# The classes bound in C++.
CLASS_DOCS = {
    "Tensor": "A multi-dimensional array of one dtype on the CPU, with autograd: a tensor that requires grad records "
              "the ops applied to it in a graph of grad_fn nodes, and backward() accumulates gradients into the "
              "leaves' .grad. Make one with fastgrad.tensor(data) or a factory (zeros, randn, ...).",
    "Generator": "A pseudo-random number generator (a Mersenne Twister, as PyTorch's CPU generator) with its own "
                 "state: pass it as generator= to random ops; manual_seed(s) seeds it, get_state()/set_state() "
                 "save and restore it.",
    "dtype": "The element type of a tensor (fastgrad.float32, float64, int32, int64, bool), with "
             "is_floating_point, is_signed and itemsize.",
    "Node": "A node of the autograd graph (a tensor's grad_fn): name() is PyTorch's (AddBackward0, ...), "
            "next_functions the nodes its gradients flow to, register_hook/register_prehook observe them.",
    "RemovableHandle": "What a register_*hook call returns: remove() unregisters the hook (also usable as a context "
                       "manager, removing it on exit).",
}
CLASS_METHOD_DOCS = {
    ("Generator", "manual_seed"): "Seeds the generator with seed (an int) and returns it.",
    ("Generator", "seed"): "Seeds the generator with a non-deterministic random number and returns that number.",
    ("Generator", "initial_seed"): "The seed the generator was last seeded with.",
    ("Generator", "get_state"): "The generator's state as bytes, for set_state.",
    ("Generator", "set_state"): "Restores the state (bytes) that get_state returned, and returns the generator.",
    ("Node", "name"): "The node's name as PyTorch gives it, e.g. 'MulBackward0' or 'AccumulateGrad'.",
    ("Node", "register_hook"): "Registers fn(grad_inputs, grad_outputs), called after the node computes its "
                               "gradients; a returned tuple replaces grad_inputs. Returns a RemovableHandle.",
    ("Node", "register_prehook"): "Registers fn(grad_outputs), called before the node runs; a returned tuple "
                                  "replaces grad_outputs. Returns a RemovableHandle.",
    ("RemovableHandle", "remove"): "Unregisters the hook (a second call does nothing).",
}

# Methods whose text differs from the function's.
TENSOR_DOCS = {}

# Argument names and defaults of the bindings that parse *args/**kwargs themselves (as in PyTorch).
_FACTORY = "out=None, dtype=None, layout=None, device=None, requires_grad=False"
SIGNATURES = {
    "zeros": f"(*size, {_FACTORY})",
    "ones": f"(*size, {_FACTORY})",
    "empty": f"(*size, {_FACTORY}, pin_memory=False, memory_format=None)",
    "rand": f"(*size, generator=None, {_FACTORY}, pin_memory=False)",
    "randn": f"(*size, generator=None, {_FACTORY}, pin_memory=False)",
    "atleast_1d": "(*tensors)",
    "atleast_2d": "(*tensors)",
    "atleast_3d": "(*tensors)",
    "broadcast_shapes": "(*shapes)",
    "broadcast_tensors": "(*tensors)",
    "einsum": "(equation, *operands)",
}
TENSOR_SIGNATURES = {
    "view": "($self, *size)",
    "reshape": "($self, *shape)",
    "expand": "($self, *size)",
    "broadcast_to": "($self, size)",
    "permute": "($self, *dims)",
    "repeat": "($self, *repeats)",
    "tile": "($self, *dims)",
    "flip": "($self, *dims)",
    "cuda": "($self, device=None, non_blocking=False)",
    "copy_": "($self, src, non_blocking=False)",
}
