/// \file
/// Symbolic tensors: typed variables, constants, and the operations that build graphs.
#pragma once

#include <tensorjit/export.hpp>

#include <tensorjit/array.hpp>
#include <tensorjit/config.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

TJ_API_BEGIN
namespace tensorjit {

/// An extent unknown until call time, in static shapes (`tensor("x", DType::Float64, {dyn, 3})`).
inline constexpr std::int64_t dyn = -1;

/// The type of a symbolic tensor: dtype and static shape (rank fixed, extents `dyn` or known).
struct TensorType {
    DType dtype = DType::Float64;
    Dims shape;

    int ndim() const { return shape.size(); }
    /// "float64[?, 3]" ("float64[]" for a scalar).
    std::string str() const;
    /// True when an array of this dtype and shape fits the type.
    bool accepts_shape(const Dims& s) const;
    friend bool operator==(const TensorType& a, const TensorType& b) {
        return a.dtype == b.dtype && a.shape == b.shape;
    }
};

struct Node;
class Index; // tensorjit/indexing.hpp

/// A symbolic tensor: a node of a graph. Cheap to copy (shared, immutable node).
class Var {
  public:
    Var() = default;
    explicit Var(std::shared_ptr<const Node> node) : node_(std::move(node)) {}
    /// A weakly typed constant from a C++ scalar: it takes the dtype of the tensor it meets
    /// (`x_float32 * 2` stays float32; an int tensor times 0.5 is float64), as NumPy 2 and JAX.
    template <class T, class = std::enable_if_t<std::is_arithmetic_v<T>>>
    Var(T value) : Var(make_weak_constant(Array(value))) {}
    /// A constant holding a copy of an array.
    Var(const Array& value);

    const TensorType& type() const;
    DType dtype() const { return type().dtype; }
    int ndim() const { return type().ndim(); }
    /// The variable's name ("" for unnamed intermediate results).
    const std::string& name() const;
    /// The graph node (internal representation).
    const std::shared_ptr<const Node>& node() const { return node_; }
    bool defined() const { return node_ != nullptr; }
    /// The transpose (all axes reversed).
    Var T() const;
    /// This variable converted to dtype: the same as tj::cast(*this, dtype).
    Var astype(DType dtype) const;
    /// NumPy indexing `x[...]` (tensorjit/indexing.hpp): `x(0)`, `x(-1, tj::slice(1, 3))`,
    /// `x(tj::colon, idx)` with integers, slices, symbolic integer scalars and one integer tensor.
    template <class... I> Var operator()(const I&... index) const;
    /// The same with the entries in a list.
    Var index(const std::vector<Index>& indices) const;

  private:
    static Var make_weak_constant(const Array& value);
    std::shared_ptr<const Node> node_;
};

/// Pretty form of the expression graph ("add(x, 1)").
std::string to_string(const Var& v);

/// Evaluates outputs with the ops' reference implementations (plain C++, no compilation), with
/// values for the inputs they depend on; shared variables read their current values. Slow: for
/// tests, debugging and constant folding (PyTensor's `eval`).
std::vector<Array> eval(const std::vector<Var>& outputs,
                        const std::vector<std::pair<Var, Array>>& inputs = {});
Array eval(const Var& output, const std::vector<std::pair<Var, Array>>& inputs = {});

// ---- variables --------------------------------------------------------------------------------

/// A symbolic input with a dtype and a static shape (`dyn` for unknown extents).
Var tensor(const std::string& name, DType dtype, const Dims& shape);
/// Inputs of rank 0 to 4, of dtype tj::config().floatX (float64 unless set) when none is given
/// (the default argument is read at each call).
Var scalar(const std::string& name = "", DType dtype = config().floatX);
Var vector(const std::string& name = "", DType dtype = config().floatX);
Var matrix(const std::string& name = "", DType dtype = config().floatX);
Var tensor3(const std::string& name = "", DType dtype = config().floatX);
Var tensor4(const std::string& name = "", DType dtype = config().floatX);

/// A constant from an array (not weakly typed).
Var constant(const Array& value, const std::string& name = "");

// Prefixed constructors as PyTensor: b = int8, w = int16, i = int32, l = int64, f = float32,
// d = float64. `auto [a, b] = dmatrices("a", "b");` makes one variable per name.
#define TJ_DECLARE_PREFIXED(P, DT)                                                                 \
    inline Var P##scalar(const std::string& n = "") { return scalar(n, DType::DT); }               \
    inline Var P##vector(const std::string& n = "") { return vector(n, DType::DT); }               \
    inline Var P##matrix(const std::string& n = "") { return matrix(n, DType::DT); }               \
    inline Var P##tensor3(const std::string& n = "") { return tensor3(n, DType::DT); }             \
    inline Var P##tensor4(const std::string& n = "") { return tensor4(n, DType::DT); }             \
    template <class... S> auto P##scalars(const S&... n) {                                         \
        return std::array<Var, sizeof...(S)>{P##scalar(n)...};                                     \
    }                                                                                              \
    template <class... S> auto P##vectors(const S&... n) {                                         \
        return std::array<Var, sizeof...(S)>{P##vector(n)...};                                     \
    }                                                                                              \
    template <class... S> auto P##matrices(const S&... n) {                                        \
        return std::array<Var, sizeof...(S)>{P##matrix(n)...};                                     \
    }                                                                                              \
    template <class... S> auto P##tensor3s(const S&... n) {                                        \
        return std::array<Var, sizeof...(S)>{P##tensor3(n)...};                                    \
    }                                                                                              \
    template <class... S> auto P##tensor4s(const S&... n) {                                        \
        return std::array<Var, sizeof...(S)>{P##tensor4(n)...};                                    \
    }
TJ_DECLARE_PREFIXED(b, Int8)
TJ_DECLARE_PREFIXED(w, Int16)
TJ_DECLARE_PREFIXED(i, Int32)
TJ_DECLARE_PREFIXED(l, Int64)
TJ_DECLARE_PREFIXED(f, Float32)
TJ_DECLARE_PREFIXED(d, Float64)
#undef TJ_DECLARE_PREFIXED

// ---- element-wise operations (NumPy broadcasting and dtype promotion) -------------------------
// Declared from <tensorjit/elementwise_ops.def>, one row per op with its documentation: the
// arithmetic operators + - * / % and unary -, the comparisons < > <= >= (boolean tensors),
// & | ^ ~ (logic on bool, bits on integers), and the functions abs, pow, sign, sqr, sqrt,
// reciprocal, maximum, minimum, clip, floor_div, mod, exp, exp2, expm1, log, log2, log10, log1p,
// sigmoid, softplus, sin, cos, tan, arcsin, arccos, arctan, arctan2(y, x), sinh, cosh, tanh,
// arcsinh, arccosh, arctanh, erf, erfc, erfinv, gammaln, floor, ceil, round, trunc, eq, neq,
// isnan, isinf, and_, or_, xor_, invert and where(cond, a, b). Float functions compute integer
// and bool inputs in float32 (<= 16-bit types) or float64; integer results wrap as C.

// TJ_EW_EACH(M, kind, arity, names...) is M(kind, arity, name) for each of up to three names.
#define TJ_EW_EACH(M, kind, arity, ...) __VA_OPT__(TJ_EW_EACH1(M, kind, arity, __VA_ARGS__))
#define TJ_EW_EACH1(M, kind, arity, name, ...)                                                     \
    M(kind, arity, name) __VA_OPT__(TJ_EW_EACH2(M, kind, arity, __VA_ARGS__))
#define TJ_EW_EACH2(M, kind, arity, name, ...)                                                     \
    M(kind, arity, name) __VA_OPT__(TJ_EW_EACH3(M, kind, arity, __VA_ARGS__))
#define TJ_EW_EACH3(M, kind, arity, name) M(kind, arity, name)
#define TJ_EW_PARAMS_1 const Var& x
#define TJ_EW_PARAMS_2 const Var &a, const Var &b
#define TJ_EW_PARAMS_3 const Var &a, const Var &b, const Var &c
#define TJ_EW_DECLARE(kind, arity, name) Var name(TJ_EW_PARAMS_##arity);
#define TJ_ELEMWISE(kind, op, arity, rule, functor, libm, reference, pullback, ...)                \
    TJ_EW_EACH(TJ_EW_DECLARE, kind, arity, __VA_ARGS__)
#include <tensorjit/elementwise_ops.def>
#undef TJ_ELEMWISE
#undef TJ_EW_DECLARE
// TJ_EW_EACH and TJ_EW_PARAMS_* stay defined: compiler/ops/elemwise_ops.cpp defines the
// functions with them.

/// PyTensor's name of where.
inline Var switch_(const Var& cond, const Var& a, const Var& b) { return where(cond, a, b); }

// ---- reductions ---------------------------------------------------------------------------------

/// Python's None: "every axis" for reductions (`tj::sum(x, tj::none, true)`), "no bound" in a
/// slice (`tj::slice(tj::none, tj::none, -1)`).
struct NoneT {};
inline constexpr NoneT none{};

/// The axes of a reduction: all of them (default, or tj::none), one (`0`, `-1`) or several
/// (`{0, 2}`).
class Axes {
  public:
    Axes() = default;
    /// Every axis, as axis=None.
    Axes(NoneT) {}
    Axes(int axis) : all_(false), list_{axis} {}
    Axes(std::initializer_list<int> axes) : all_(false), list_(axes) {}
    Axes(std::vector<int> axes) : all_(false), list_(std::move(axes)) {}
    bool all() const { return all_; }
    const std::vector<int>& list() const { return list_; }

  private:
    bool all_ = true;
    std::vector<int> list_;
};

/// Sum over axes (NumPy dtype rules: integers accumulate in int64/uint64, bool in int64).
Var sum(const Var& x, const Axes& axis = {}, bool keepdims = false);
/// Arithmetic mean over axes (integers give float64).
Var mean(const Var& x, const Axes& axis = {}, bool keepdims = false);
/// Product over axes (dtypes as sum); the product of nothing is 1.
Var prod(const Var& x, const Axes& axis = {}, bool keepdims = false);
/// Maximum over axes, in x's dtype; NaN propagates (NumPy). Reducing an empty axis to a non-empty
/// result is a ValueError at call time ("zero-size array to reduction operation maximum which
/// has no identity"). The gradient goes to every element equal to the maximum.
Var max(const Var& x, const Axes& axis = {}, bool keepdims = false);
/// Minimum over axes (as max).
Var min(const Var& x, const Axes& axis = {}, bool keepdims = false);
/// The int64 index of the first maximum: along one axis, or in the flattened array for all axes
/// (several axes: the C-order index over them). The first NaN counts as the maximum (NumPy). An
/// empty axis is a ValueError at call time. No gradient flows through it (zeros, as PyTensor).
Var argmax(const Var& x, const Axes& axis = {}, bool keepdims = false);
/// The index of the first minimum (as argmax).
Var argmin(const Var& x, const Axes& axis = {}, bool keepdims = false);
/// True where every element over the axes is non-zero (true for an empty axis); bool result.
Var all(const Var& x, const Axes& axis = {}, bool keepdims = false);
/// True where some element over the axes is non-zero (false for an empty axis); bool result.
Var any(const Var& x, const Axes& axis = {}, bool keepdims = false);
/// Cumulative sum along one axis, or of the flattened array (a vector) by default; dtypes as sum.
Var cumsum(const Var& x, const Axes& axis = {});
/// Cumulative product (as cumsum). Its gradient divides by x (PyTensor's form): not finite at 0.
Var cumprod(const Var& x, const Axes& axis = {});
/// Variance over axes: mean((x - mean(x))^2) with n - ddof as the divisor; integers give float64.
Var var(const Var& x, const Axes& axis = {}, bool keepdims = false, int ddof = 0);
/// Standard deviation: sqrt(var(x, axis, keepdims, ddof)).
Var std(const Var& x, const Axes& axis = {}, bool keepdims = false, int ddof = 0);
/// exp(x) / sum(exp(x)) over the axes (last one by default), computed as exp(x - max) / sum(...);
/// integers give float64. A slice whose maximum is infinite or NaN gives NaN (as PyTensor).
Var softmax(const Var& x, const Axes& axis = -1);
/// log(softmax(x)) computed stably as (x - max) - log(sum(exp(x - max))).
Var log_softmax(const Var& x, const Axes& axis = -1);
/// log(sum(exp(x))) over the axes (all by default), computed as m + log(sum(exp(x - m))) with m
/// the maximum (0 where it is infinite); an empty slice is max's ValueError at call time.
Var logsumexp(const Var& x, const Axes& axis = {}, bool keepdims = false);

// ---- linear algebra ---------------------------------------------------------------------------

/// NumPy's dot for scalars, vectors and matrices (BLAS for float32/float64); for higher ranks,
/// the sum over a's last axis and b's second-to-last (NumPy's N-d rule, through tensordot).
Var dot(const Var& a, const Var& b);
/// Reverses the axes (or permutes them by `axes`).
Var transpose(const Var& x);
Var transpose(const Var& x, const std::vector<int>& axes);
/// NumPy's matmul: matrix products over the last two axes, batched over the leading ones with
/// (static) broadcasting of the batch axes; a vector operand is a row (first) or a column
/// (second) whose axis is removed from the result. Scalars are a TypeError. BLAS gemm per batch
/// for float32/float64, loops otherwise.
Var matmul(const Var& a, const Var& b);
/// The outer product of two vectors: (m,) x (n,) -> (m, n) (BLAS ger for float32/float64); other
/// ranks are flattened first (NumPy).
Var outer(const Var& a, const Var& b);
/// Sums products over the last `axes` axes of a and the first `axes` axes of b (NumPy's
/// tensordot with an integer); the result has a's free axes then b's.
Var tensordot(const Var& a, const Var& b, int axes = 2);
/// Sums products over the axes pairs (axes_a[i], axes_b[i]).
Var tensordot(const Var& a, const Var& b, const std::vector<int>& axes_a,
              const std::vector<int>& axes_b);
/// NumPy's diag: a vector gives a square matrix with it on the k-th diagonal (k > 0 above the
/// main one); a matrix gives its k-th diagonal (empty when k is out of range).
Var diag(const Var& x, int k = 0);
/// The sum of the k-th diagonal of a matrix (dtypes as sum).
Var trace(const Var& x, int k = 0);

/// Converts to dtype with C semantics (float -> int truncates, nonzero -> true).
Var cast(const Var& x, DType dtype);

// ---- shape ------------------------------------------------------------------------------------

class ShapeArg; // tensorjit/indexing.hpp: `{2, -1}` or a symbolic int vector
class DimEntry; // tensorjit/indexing.hpp: an axis or tj::newaxis

/// x with a new shape of the same size; one extent may be -1 (inferred). A symbolic shape is an
/// int vector of static length. ShapeError at build time (known sizes) or call time otherwise.
Var reshape(const Var& x, const ShapeArg& shape);
/// x with its axes from `ndim - 1` on merged into one (PyTensor's flatten; a vector by default).
Var flatten(const Var& x, int ndim = 1);
/// PyTensor's dimshuffle: output axis i is input axis pattern[i], or a new extent-1 axis for
/// tj::newaxis / 'x'. Input axes left out are dropped; only axes of static extent 1 may be.
Var dimshuffle(const Var& x, const std::vector<DimEntry>& pattern);
/// x with extent-1 axes inserted at the given positions of the result.
Var expand_dims(const Var& x, const std::vector<int>& axes);
/// x without the given extent-1 axes (default: every axis of static extent 1). An axis of unknown
/// extent is checked at call time (ValueError).
Var squeeze(const Var& x, const std::vector<int>& axes);
Var squeeze(const Var& x);
/// Joins tensors of equal rank along an existing axis (dtypes promoted as NumPy).
Var concatenate(const std::vector<Var>& xs, int axis = 0);
/// PyTensor's join(axis, *xs).
Var join(int axis, const std::vector<Var>& xs);
/// Joins tensors of equal shape along a new axis.
Var stack(const std::vector<Var>& xs, int axis = 0);
/// Splits x along axis into pieces of the given (constant) sizes, which must add up to its extent.
std::vector<Var> split(const Var& x, const std::vector<std::int64_t>& sizes, int axis = 0);
/// The shape of x as a symbolic int64 vector (not differentiable: disconnected).
Var shape(const Var& x);
/// A new tensor of the shape filled with 0 / 1 / value (in dtype, or value's dtype); zeros and
/// ones are of dtype tj::config().floatX when none is given (as PyTensor's).
Var zeros(const ShapeArg& shape, DType dtype = config().floatX);
Var ones(const ShapeArg& shape, DType dtype = config().floatX);
Var full(const ShapeArg& shape, const Var& value);
Var full(const ShapeArg& shape, const Var& value, DType dtype);
/// Zeros / ones of x's shape and dtype (or dtype).
Var zeros_like(const Var& x);
Var zeros_like(const Var& x, DType dtype);
Var ones_like(const Var& x);
Var ones_like(const Var& x, DType dtype);
/// PyTensor's fill(model, value): value broadcast to the shape of model, in value's dtype.
Var fill(const Var& model, const Var& value);
/// PyTensor's alloc: value (a scalar or a tensor that broadcasts) repeated to the shape.
Var alloc(const Var& value, const ShapeArg& shape);
/// NumPy's arange: [start, stop) by step; the dtype of the bounds (int64 for C++ integers,
/// float64 with a double) unless given. The length is static when the bounds are constants.
Var arange(const Var& stop);
Var arange(const Var& start, const Var& stop, const Var& step = 1);
Var arange(const Var& start, const Var& stop, const Var& step, DType dtype);
/// An n x m matrix (m = n by default) of zeros with ones on diagonal k (NumPy's eye), of dtype
/// tj::config().floatX when none is given (as PyTensor's).
Var eye(const Var& n, DType dtype = config().floatX);
Var eye(const Var& n, const Var& m, int k = 0, DType dtype = config().floatX);
/// x broadcast to shape (NumPy rules with static broadcasting: x's axes of static extent 1).
Var broadcast_to(const Var& x, const ShapeArg& shape);

// ---- indexing ---------------------------------------------------------------------------------

/// The tensor x of which target = x(...) is a subtensor, with target's elements replaced by
/// value (broadcast to them). The result is a new tensor; usable as an update of a shared x.
Var set_subtensor(const Var& target, const Var& value);
/// The same with value added to target's elements; repeated integer-tensor indices accumulate
/// (np.add.at).
Var inc_subtensor(const Var& target, const Var& value);

} // namespace tensorjit
TJ_API_END

#include <tensorjit/indexing.hpp>
