/// \file
/// Symbolic tensors: typed variables, constants, and the operations that build graphs.
#pragma once

#include <tensorjit/array.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

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
Var scalar(const std::string& name = "", DType dtype = DType::Float64);
Var vector(const std::string& name = "", DType dtype = DType::Float64);
Var matrix(const std::string& name = "", DType dtype = DType::Float64);
Var tensor3(const std::string& name = "", DType dtype = DType::Float64);
Var tensor4(const std::string& name = "", DType dtype = DType::Float64);

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

Var operator+(const Var& a, const Var& b);
Var operator-(const Var& a, const Var& b);
Var operator*(const Var& a, const Var& b);
/// True division: integers give float64 (NumPy's `/`).
Var operator/(const Var& a, const Var& b);
Var operator-(const Var& a);
/// Comparisons build boolean tensors.
Var operator<(const Var& a, const Var& b);
Var operator>(const Var& a, const Var& b);
Var operator<=(const Var& a, const Var& b);
Var operator>=(const Var& a, const Var& b);

Var exp(const Var& x);
Var log(const Var& x);
Var tanh(const Var& x);
/// 1 / (1 + exp(-x)), stable for large |x|.
Var sigmoid(const Var& x);
/// log(1 + exp(x)), stable for large |x|.
Var softplus(const Var& x);
Var log1p(const Var& x);
Var abs(const Var& x);
Var pow(const Var& x, const Var& y);

// ---- reductions ---------------------------------------------------------------------------------

/// The axes of a reduction: all of them (default), one (`0`, `-1`) or several (`{0, 2}`).
class Axes {
  public:
    Axes() = default;
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

// ---- linear algebra ---------------------------------------------------------------------------

/// NumPy's dot for scalars, vectors and matrices (BLAS for float32/float64).
Var dot(const Var& a, const Var& b);
/// Reverses the axes (or permutes them by `axes`).
Var transpose(const Var& x);
Var transpose(const Var& x, const std::vector<int>& axes);

/// Converts to dtype with C semantics (float -> int truncates, nonzero -> true).
Var cast(const Var& x, DType dtype);

} // namespace tensorjit
