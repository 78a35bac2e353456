/// \file
/// tj::Array: a strided n-d array over a shared, aligned buffer (64 bytes; 16 for buffers of at
/// most 64 bytes, which live inside the storage object) (NumPy's ndarray, without
/// the Python). Views share the buffer; copies do not. Array::wrap views memory the array does
/// not own (no copy); a read-only array (a wrapped const pointer, a borrowed shared value) cannot
/// be written through, nor can its views.
#pragma once

#include <tensorjit/export.hpp>

#include <tensorjit/dtype.hpp>
#include <tensorjit/error.hpp>

#include <array>
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>
#include <version>

// std::mdspan (C++23) where the standard library has it; GCC 12 and Clang 16 do not.
#if __has_include(<mdspan>) && defined(__cpp_lib_mdspan)
#include <mdspan>
#define TJ_HAVE_MDSPAN 1
#endif

TJ_API_BEGIN
namespace tensorjit {

/// The largest rank an array or a symbolic tensor may have.
inline constexpr int kMaxNdim = 8;

/// A fixed-capacity list of up to kMaxNdim extents or strides (no heap allocation).
class Dims {
  public:
    Dims() = default;
    Dims(std::initializer_list<std::int64_t> v);
    explicit Dims(std::span<const std::int64_t> v);
    Dims(const std::vector<std::int64_t>& v) : Dims(std::span<const std::int64_t>(v)) {}
    template <class Int, class = std::enable_if_t<std::is_integral_v<Int>>>
    Dims(const std::vector<Int>& v) {
        for (auto x : v) push_back(static_cast<std::int64_t>(x));
    }

    int size() const { return n_; }
    bool empty() const { return n_ == 0; }
    std::int64_t operator[](int i) const { return d_[i]; }
    std::int64_t& operator[](int i) { return d_[i]; }
    const std::int64_t* begin() const { return d_.data(); }
    const std::int64_t* end() const { return d_.data() + n_; }
    std::int64_t* begin() { return d_.data(); }
    std::int64_t* end() { return d_.data() + n_; }
    const std::int64_t* data() const { return d_.data(); }
    void push_back(std::int64_t v);
    void resize(int n, std::int64_t fill = 0);
    /// Product of the extents (1 for rank 0).
    std::int64_t product() const;
    std::vector<std::int64_t> vec() const { return {begin(), end()}; }
    friend bool operator==(const Dims& a, const Dims& b);

  private:
    std::array<std::int64_t, kMaxNdim> d_{};
    int n_ = 0;
};

/// "(2, 3)", "(5,)" or "()" as NumPy prints shapes.
std::string shape_str(const Dims& shape);

/// Shared, aligned memory of an array; views hold the same Storage.
struct Storage;

class Array {
  public:
    /// A 0-d float64 array holding 0.
    Array();
    /// A 0-d array from a C++ scalar: bool -> bool, int -> int64 (as NumPy), double -> float64,
    /// float -> float32; the other integer types keep their dtype. std::int32_t is `int`, so it
    /// gives int64 too: use Array::full(DType::Int32, {}, v) for a 0-d int32 array.
    template <class T, class = std::enable_if_t<std::is_arithmetic_v<T>>> Array(T v) {
        init_scalar(dtype_for_scalar<T>(), static_cast<double>(v), scalar_bits(v));
    }
    /// Nested initializer lists: `{1, 2}`, `{{0, 1}, {-1, -2}}`, up to rank 4, of the literals'
    /// dtype as NumPy's np.asarray with C++'s float: integers give an int64 array (uint64 when
    /// an unsigned value exceeds int64), doubles a float64 array, floats (`{1.0f, 2.0f}`) a
    /// float32 array, bools a bool array. Ragged lists are a ShapeError.
    template <class T, class = std::enable_if_t<std::is_arithmetic_v<T>>>
    Array(std::initializer_list<T> v) {
        init_nested<T>(v);
    }
    template <class T, class = std::enable_if_t<std::is_arithmetic_v<T>>>
    Array(std::initializer_list<std::initializer_list<T>> v) {
        init_nested<T>(v);
    }
    template <class T, class = std::enable_if_t<std::is_arithmetic_v<T>>>
    Array(std::initializer_list<std::initializer_list<std::initializer_list<T>>> v) {
        init_nested<T>(v);
    }
    template <class T, class = std::enable_if_t<std::is_arithmetic_v<T>>>
    Array(std::initializer_list<
          std::initializer_list<std::initializer_list<std::initializer_list<T>>>>
              v) {
        init_nested<T>(v);
    }
    /// A 1-d array holding a copy of `data`; with a shape, the data is laid out in C order and its
    /// length must equal the shape's product.
    template <class T, class = std::enable_if_t<std::is_arithmetic_v<T>>>
    explicit Array(const std::vector<T>& data)
        : Array(data, Dims{static_cast<std::int64_t>(data.size())}) {}
    template <class T, class = std::enable_if_t<std::is_arithmetic_v<T>>>
    Array(const std::vector<T>& data, const Dims& shape) {
        if constexpr (std::is_same_v<T, bool>) {
            // std::vector<bool> is packed and has no data(): go through one byte per value.
            std::vector<std::uint8_t> bytes(data.begin(), data.end());
            init_from_buffer(DType::Bool, shape, bytes.data(), bytes.size(), DType::UInt8);
        } else {
            init_from_buffer(dtype_for_vector<T>(), shape, data.data(), data.size(), dtype_v<T>);
        }
    }

    /// An uninitialized C-contiguous array.
    static Array empty(DType dtype, const Dims& shape);
    static Array zeros(DType dtype, const Dims& shape);
    static Array full(DType dtype, const Dims& shape, double value);
    /// A contiguous array of `n` elements copied from raw typed memory.
    static Array from_raw(DType dtype, const Dims& shape, const void* data);

    /// An array viewing memory it does not own, without a copy (NumPy's __array_interface__):
    /// `data` points at element [0, ..., 0]; `byte_strides` are in BYTES, as NumPy's (strides()
    /// reports elements), one per axis, of any sign (0 broadcasts), each a multiple of the item
    /// size; empty means C order. `keep_alive` (an owner, or a shared_ptr whose deleter frees
    /// the memory) is held until the last array viewing the memory is gone. A const pointer gives
    /// a read-only array. ValueError naming the problem: a null pointer with elements, a pointer
    /// not aligned to the item size, negative extents, sizes or strides that overflow, strides
    /// that are not multiples of the item size or whose count is not the rank, memory that would
    /// wrap around the address space.
    static Array wrap(void* data, DType dtype, const Dims& shape, const Dims& byte_strides = {},
                      std::shared_ptr<void> keep_alive = {});
    static Array wrap(const void* data, DType dtype, const Dims& shape,
                      const Dims& byte_strides = {}, std::shared_ptr<void> keep_alive = {});
    /// A 1-d array over a span (read-only for a span of const elements), or one of the given
    /// shape in C order (the span's length must be the shape's element count).
    template <class T, std::size_t N>
    static Array wrap(std::span<T, N> data, std::shared_ptr<void> keep_alive = {}) {
        return wrap(data, Dims{static_cast<std::int64_t>(data.size())}, std::move(keep_alive));
    }
    template <class T, std::size_t N>
    static Array wrap(std::span<T, N> data, const Dims& shape,
                      std::shared_ptr<void> keep_alive = {}) {
        using E = std::remove_cv_t<T>;
        static_assert(std::is_arithmetic_v<E>, "tj::Array::wrap: a span of arithmetic values");
        check_wrap_count(data.size(), shape);
        return wrap(data.data(), dtype_v<E>, shape, Dims{}, std::move(keep_alive));
    }
#ifdef TJ_HAVE_MDSPAN
    /// A std::mdspan of any strided layout (layout_right, layout_left, layout_stride) with the
    /// default accessor: its extents and strides (elements, converted to bytes). Compiled only
    /// where the standard library has <mdspan> (C++23; not GCC 12 nor Clang 16).
    template <class T, class Extents, class Layout>
    static Array wrap(std::mdspan<T, Extents, Layout, std::default_accessor<T>> m,
                      std::shared_ptr<void> keep_alive = {}) {
        using E = std::remove_cv_t<T>;
        static_assert(std::is_arithmetic_v<E>, "tj::Array::wrap: an mdspan of arithmetic values");
        static_assert(Layout::template mapping<Extents>::is_always_strided(),
                      "tj::Array::wrap: the mdspan's layout must be strided");
        Dims shape, strides;
        for (std::size_t r = 0; r < Extents::rank(); ++r) {
            shape.push_back(static_cast<std::int64_t>(m.extent(r)));
            strides.push_back(static_cast<std::int64_t>(m.stride(r)));
        }
        return wrap_memory(m.data_handle(), dtype_v<E>, shape, strides, false, std::is_const_v<T>,
                           std::move(keep_alive));
    }
#endif

    DType dtype() const { return dtype_; }
    int ndim() const { return shape_.size(); }
    const Dims& shape() const { return shape_; }
    /// Strides in elements (not bytes, unlike NumPy), one per axis.
    const Dims& strides() const { return strides_; }
    std::int64_t size() const { return shape_.product(); }
    std::int64_t shape(int axis) const;
    bool is_c_contiguous() const;
    std::size_t itemsize() const { return dtype_size(dtype_); }

    /// Pointer to the first element (the view's origin), untyped. Do not write through it when
    /// the array is read_only().
    void* raw_data() const { return data_; }
    /// Typed pointer to the first element, to read and write; TypeError when T is not the
    /// array's dtype, ValueError when the array is read-only (read it through cdata<T>()).
    template <class T> T* data() const {
        check_dtype(dtype_v<T>);
        check_writable("Array::data");
        return static_cast<T*>(data_);
    }
    /// Typed pointer to the first element, to read; TypeError when T is not the array's dtype.
    template <class T> const T* cdata() const {
        check_dtype(dtype_v<T>);
        return static_cast<const T*>(data_);
    }
    /// True when the array may not be written through (NumPy's flags.writeable false): it wraps
    /// a const pointer or is a borrowed value; its views are read-only too, its copies are not.
    bool read_only() const { return read_only_; }
    /// A read-only view of the same memory.
    Array read_only_view() const;
    /// ValueError "<what>: array is read-only" when it is.
    void check_writable(const char* what) const {
        if (read_only_) throw_read_only(what);
    }
    /// The element at a multi-index (negative indices count from the end), converted to double.
    double at(std::initializer_list<std::int64_t> index) const;
    /// The element at C-order position i of the logical array, converted to double.
    double flat(std::int64_t i) const;
    /// The only element of a size-1 array, converted to T.
    template <class T> T item() const { return static_cast<T>(item_double()); }
    double item_double() const;

    /// A C-contiguous copy (own buffer).
    Array copy() const;
    /// A copy converted to dtype (C casts, as NumPy's astype).
    Array astype(DType dtype) const;
    /// A view with the axes reversed (or permuted by `axes`).
    Array transpose() const;
    Array transpose(const std::vector<int>& axes) const;
    /// A view of [start, stop) with step along axis (Python slice semantics for negatives).
    Array slice(int axis, std::int64_t start, std::int64_t stop, std::int64_t step = 1) const;
    /// A view with a new shape when the layout allows, else a copy; -1 infers one extent.
    Array reshape(const Dims& shape) const;
    /// A view with broadcast (stride 0) axes to `shape`; ShapeError when not broadcastable.
    Array broadcast_to(const Dims& shape) const;

    /// A view built from parts: shares this array's storage.
    Array view(void* data, DType dtype, const Dims& shape, const Dims& strides) const;
    /// True when both arrays view the same storage.
    bool shares_memory_with(const Array& other) const;
    /// True when the memory the two arrays span (lowest to highest byte of their elements)
    /// overlaps, whatever their storages (two wraps of one buffer): NumPy's may_share_memory, so
    /// interleaved views count as overlapping. Empty arrays overlap nothing.
    bool may_share_memory(const Array& other) const;
    /// Writes src's values into this array's memory through its strides (np.copyto): src
    /// broadcasts to this shape (ShapeError otherwise) and converts with C casts, as astype;
    /// memory shared with src is handled. ValueError when this array is read-only.
    void copy_from(const Array& src) const;
    /// A value that identifies the storage (for aliasing checks).
    const void* storage_id() const { return storage_.get(); }
    /// How many arrays view this array's storage (1: this one alone, so it may be reused).
    long storage_use_count() const { return storage_.use_count(); }

    /// Element-wise equality of dtype, shape and values (NaN != NaN).
    bool equals(const Array& other) const;

  private:
    /// A new uninitialized array; `what` names the caller in a size error ("empty").
    Array(std::in_place_t, DType dtype, const Dims& shape, const char* what = "array");
    /// An array from its parts (Array::wrap).
    Array(std::shared_ptr<Storage> storage, void* data, DType dtype, const Dims& shape,
          const Dims& strides, bool read_only);
    template <class T> static constexpr DType dtype_for_scalar() {
        // Not `short`: it is std::int16_t, which must stay int16.
        if constexpr (std::is_same_v<T, int> || std::is_same_v<T, long> ||
                      std::is_same_v<T, long long>)
            return DType::Int64;
        else if constexpr (std::is_same_v<T, char>)
            return DType::Int64;
        else
            return dtype_v<T>;
    }
    template <class T> static constexpr DType dtype_for_vector() {
        if constexpr (std::is_same_v<T, long> || std::is_same_v<T, long long>)
            return DType::Int64;
        else
            return dtype_v<T>;
    }
    template <class T> static std::uint64_t scalar_bits(T v) {
        if constexpr (std::is_integral_v<T>)
            return static_cast<std::uint64_t>(v);
        else
            return 0;
    }
    template <class T, class L> void init_nested(const L& list) {
        // The values are collected in a type that holds them exactly (a double would round int64
        // values beyond 2^53): double for floats, one byte for bools, 64-bit integers otherwise.
        using Stored =
            std::conditional_t<std::is_floating_point_v<T>, double,
                               std::conditional_t<std::is_same_v<T, bool>, std::uint8_t,
                                                  std::conditional_t<std::is_signed_v<T>,
                                                                     std::int64_t, std::uint64_t>>>;
        std::vector<Stored> values;
        Dims shape;
        flatten_nested(list, values, shape, 0);
        DType dtype = std::is_same_v<T, float>      ? DType::Float32
                      : std::is_floating_point_v<T> ? DType::Float64
                      : std::is_same_v<T, bool>     ? DType::Bool
                                                    : DType::Int64;
        if constexpr (std::is_same_v<Stored, std::uint64_t>) {
            // NumPy: np.asarray([2**63]) is uint64; smaller values stay int64.
            for (std::uint64_t v : values)
                if (v > static_cast<std::uint64_t>(INT64_MAX)) dtype = DType::UInt64;
        }
        init_from_buffer(dtype, shape, values.data(), values.size(), dtype_v<Stored>);
    }
    template <class T, class Stored>
    static void flatten_nested(const std::initializer_list<T>& list, std::vector<Stored>& out,
                               Dims& shape, int depth) {
        auto n = static_cast<std::int64_t>(list.size());
        if (shape.size() <= depth)
            shape.push_back(n);
        else if (shape[depth] != n)
            ragged(depth, shape[depth], n);
        for (const auto& item : list) {
            if constexpr (std::is_arithmetic_v<T>)
                out.push_back(static_cast<Stored>(item));
            else
                flatten_nested(item, out, shape, depth + 1);
        }
        // A list of empty lists still has a known inner extent.
    }
    [[noreturn]] static void ragged(int depth, std::int64_t expected, std::int64_t got);
    [[noreturn]] static void throw_read_only(const char* what);
    static void check_wrap_count(std::size_t count, const Dims& shape);
    /// Array::wrap's work: strides in bytes or in elements.
    static Array wrap_memory(const void* data, DType dtype, const Dims& shape, const Dims& strides,
                             bool byte_strides, bool read_only, std::shared_ptr<void> keep_alive);
    void init_scalar(DType dtype, double value, std::uint64_t int_bits);
    void init_from_buffer(DType dtype, const Dims& shape, const void* src, std::size_t count,
                          DType src_dtype);
    void check_dtype(DType t) const;

    std::shared_ptr<Storage> storage_;
    void* data_ = nullptr;
    DType dtype_ = DType::Float64;
    bool read_only_ = false;
    Dims shape_;
    Dims strides_;
};

/// NumPy's repr: `array([[0.5       , 0.73105858], ...])`, `array(34.)`, `array([1, 2])`.
std::ostream& operator<<(std::ostream& os, const Array& a);
std::string repr(const Array& a);
/// A list of arrays prints as `[array(...), array(...)]`.
std::ostream& operator<<(std::ostream& os, const std::vector<Array>& list);

/// np.allclose: same broadcast-compatible shape and |a - b| <= atol + rtol * |b| everywhere;
/// NaNs compare equal only when equal_nan.
bool allclose(const Array& a, const Array& b, double rtol = 1e-5, double atol = 1e-8,
              bool equal_nan = false);

/// The broadcast shape of a and b (NumPy rules); nullopt-free: throws ShapeError naming `what`.
Dims broadcast_shapes(const Dims& a, const Dims& b, const std::string& what);

/// C-order strides (in elements) of a contiguous array of the given shape.
Dims c_strides(const Dims& shape);

} // namespace tensorjit
TJ_API_END
