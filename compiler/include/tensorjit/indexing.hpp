/// \file
/// Index helper types for NumPy-style indexing of symbolic tensors (`x(tj::slice(1, 3), 0)`),
/// dimshuffle patterns (`tj::dimshuffle(x, {1, tj::newaxis, 0})`) and shapes given either
/// statically or as a symbolic int vector. Included by tensor.hpp.
#pragma once

#include <tensorjit/export.hpp>

#include <tensorjit/tensor.hpp>

#include <cstdint>
#include <initializer_list>
#include <type_traits>
#include <vector>

TJ_API_BEGIN
namespace tensorjit {

/// A new extent-1 (broadcastable) axis in a dimshuffle pattern (PyTensor's 'x').
struct NewAxisT {};
inline constexpr NewAxisT newaxis{};

/// A whole axis in an index, as `:` in `x[:, 0]`: `x(tj::colon, 0)`. (Not `tj::all`, which is
/// the reduction.)
struct ColonT {};
inline constexpr ColonT colon{};

/// A slice bound: none, a constant integer (negative counts from the end), or a symbolic
/// integer scalar.
class SliceBound {
  public:
    SliceBound(NoneT) {}
    template <class I, class = std::enable_if_t<std::is_integral_v<I>>>
    SliceBound(I v) : is_none_(false), value_(static_cast<std::int64_t>(v)) {}
    SliceBound(const Var& v) : is_none_(false), var_(v) {}
    bool is_none() const { return is_none_; }
    /// The symbolic bound (undefined for a constant or none).
    const Var& var() const { return var_; }
    std::int64_t value() const { return value_; }

  private:
    bool is_none_ = true;
    std::int64_t value_ = 0;
    Var var_;
};

/// Python's slice(start, stop, step); the step is a non-zero constant.
struct Slice {
    SliceBound start = none;
    SliceBound stop = none;
    std::int64_t step = 1;
};

/// slice(start, stop[, step]) as Python's `start:stop:step`.
inline Slice slice(SliceBound start, SliceBound stop, std::int64_t step = 1) {
    return Slice{start, stop, step};
}
/// slice(stop) as Python's `:stop`.
inline Slice slice(SliceBound stop) { return Slice{none, stop, 1}; }
/// The whole axis, as `:`.
inline Slice slice() { return Slice{}; }

/// One entry of an index: an integer (constant, or a symbolic integer scalar), a slice, the
/// whole axis, or an integer tensor of rank >= 1 (advanced indexing, NumPy's take).
class Index {
  public:
    enum class Kind { Int, Slice, Tensor };
    template <class I, class = std::enable_if_t<std::is_integral_v<I>>>
    Index(I v) : kind_(Kind::Int), int_(static_cast<std::int64_t>(v)) {}
    Index(const Slice& s) : kind_(Kind::Slice), slice_(s) {}
    Index(ColonT) : kind_(Kind::Slice) {}
    /// A 0-d integer Var is a symbolic integer index; rank >= 1 is advanced indexing.
    Index(const Var& v) : kind_(Kind::Tensor), var_(v) {}
    Kind kind() const { return kind_; }
    std::int64_t int_value() const { return int_; }
    const Slice& slice_value() const { return slice_; }
    const Var& var() const { return var_; }

  private:
    Kind kind_;
    std::int64_t int_ = 0;
    Slice slice_;
    Var var_;
};

template <class... I> Var Var::operator()(const I&... index) const {
    return this->index(std::vector<Index>{Index(index)...});
}

/// One entry of a dimshuffle pattern: an input axis, or tj::newaxis ('x' is accepted too).
class DimEntry {
  public:
    DimEntry(int axis) : axis_(axis) {}
    /// 'x' (PyTensor's spelling of a new axis); any other character is a ValueError.
    DimEntry(char c);
    DimEntry(NewAxisT) : axis_(kNew) {}
    bool is_new() const { return axis_ == kNew; }
    int axis() const { return axis_; }

  private:
    static constexpr int kNew = -1000000;
    int axis_;
};

/// A shape: static (`{2, -1}`, a std::vector) or a symbolic int vector of static length
/// (`tj::shape(x)`).
class ShapeArg {
  public:
    ShapeArg(std::initializer_list<std::int64_t> dims) : dims_(dims) {}
    ShapeArg(const std::vector<std::int64_t>& dims) : dims_(dims) {}
    ShapeArg(const Dims& dims) : dims_(dims.vec()) {}
    ShapeArg(const Var& v) : var_(v) {}
    bool is_symbolic() const { return var_.defined(); }
    const std::vector<std::int64_t>& dims() const { return dims_; }
    const Var& var() const { return var_; }

  private:
    std::vector<std::int64_t> dims_;
    Var var_;
};

} // namespace tensorjit
TJ_API_END
