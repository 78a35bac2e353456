// tj::Array: construction, views, conversion and comparison. Printing is in array_print.cpp.
#include <tensorjit/array.hpp>
#include <tensorjit/checked.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>

namespace tensorjit {

struct Storage {
    // Buffers up to kSmall bytes live inside the Storage itself: a 0-d result (the common case
    // of scalar calls) then costs one plain malloc (with the shared_ptr control block) instead
    // of a second, 64-byte aligned allocation, which glibc serves slowly (_int_memalign).
    static constexpr std::size_t kSmall = 64;
    // Memory the storage does not own (Array::wrap): `data` is the lowest byte any element of
    // the wrapped array occupies, `bytes` the extent up to its highest; keep_alive is released
    // with the storage.
    Storage(void* external, std::size_t bytes, std::shared_ptr<void> keep_alive)
        : data(external), bytes(bytes), keep_alive(std::move(keep_alive)), owned(false) {}
    explicit Storage(std::size_t bytes) : bytes(bytes) {
        if (bytes <= kSmall) {
            data = small;
            return;
        }
        // 64-byte alignment: cache lines and the widest vector loads.
        // bytes <= INT64_MAX (checked_nbytes), so rounding up cannot wrap.
        std::size_t rounded = (bytes + 63) / 64 * 64;
        data = std::aligned_alloc(64, rounded);
        if (!data) throw std::bad_alloc();
    }
    ~Storage() {
        if (owned && data != small) std::free(data);
    }
    Storage(const Storage&) = delete;
    Storage& operator=(const Storage&) = delete;
    void* data;
    std::size_t bytes;
    std::shared_ptr<void> keep_alive;
    bool owned = true;
    alignas(16) unsigned char small[kSmall];
};

// ---- Dims ------------------------------------------------------------------------------------

Dims::Dims(std::initializer_list<std::int64_t> v) {
    for (auto x : v) push_back(x);
}

Dims::Dims(std::span<const std::int64_t> v) {
    for (auto x : v) push_back(x);
}

void Dims::push_back(std::int64_t v) {
    TJ_CHECK(n_ < kMaxNdim, ShapeError)
        << "rank " << n_ + 1 << " exceeds tensorjit's maximum rank " << kMaxNdim;
    d_[n_++] = v;
}

void Dims::resize(int n, std::int64_t fill) {
    TJ_CHECK(n >= 0 && n <= kMaxNdim, ShapeError)
        << "rank " << n << " exceeds tensorjit's maximum rank " << kMaxNdim;
    for (int i = n_; i < n; ++i) d_[i] = fill;
    n_ = n;
}

std::int64_t Dims::product() const {
    std::int64_t p = 1;
    for (int i = 0; i < n_; ++i)
        TJ_CHECK(checked::mul(p, d_[i], &p), ValueError)
            << "shape " << shape_str(*this) << " is too big: its number of elements overflows a "
            << "64-bit integer";
    return p;
}

bool operator==(const Dims& a, const Dims& b) {
    return a.n_ == b.n_ && std::equal(a.begin(), a.end(), b.begin());
}

std::string shape_str(const Dims& shape) {
    std::string s = "(";
    for (int i = 0; i < shape.size(); ++i) {
        if (i) s += ", ";
        s += std::to_string(shape[i]);
    }
    if (shape.size() == 1) s += ",";
    return s + ")";
}

namespace {
// C strides of a shape whose strides fit in int64 (one that passed checked::shape_fit does).
Dims c_strides_fitting(const Dims& shape) {
    Dims s;
    s.resize(shape.size());
    std::int64_t acc = 1;
    for (int i = shape.size() - 1; i >= 0; --i) {
        s[i] = acc;
        // The extent of axis 0 enters no stride (and its product may not fit).
        if (i > 0) acc *= std::max<std::int64_t>(shape[i], 1);
    }
    return s;
}
} // namespace

Dims c_strides(const Dims& shape) {
    // The strides are the suffix products of the extents (0 counted as 1): check the largest.
    std::int64_t acc = 1;
    for (int i = shape.size() - 1; i > 0; --i)
        TJ_CHECK(checked::mul(acc, std::max<std::int64_t>(shape[i], 1), &acc), ValueError)
            << "shape " << shape_str(shape) << " is too big: its strides overflow a 64-bit integer";
    return c_strides_fitting(shape);
}

Dims broadcast_shapes(const Dims& a, const Dims& b, const std::string& what) {
    int n = std::max(a.size(), b.size());
    Dims out;
    out.resize(n);
    for (int i = 0; i < n; ++i) {
        int ia = a.size() - n + i, ib = b.size() - n + i;
        std::int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
        TJ_CHECK(da == db || da == 1 || db == 1, ShapeError)
            << what << ": shapes " << shape_str(a) << " and " << shape_str(b)
            << " cannot broadcast";
        out[i] = da == 1 ? db : da;
    }
    return out;
}

// ---- checked sizes ----------------------------------------------------------------------------

bool shape_size_ok(const Dims& shape, DType dtype) noexcept {
    return checked::shape_fit(shape.data(), shape.size(),
                              static_cast<std::int64_t>(dtype_size(dtype))) ==
           checked::ShapeFit::kOk;
}

namespace {
void throw_shape_fit(checked::ShapeFit why, const Dims& shape, DType dtype, std::string_view what) {
    if (why == checked::ShapeFit::kNegative)
        TJ_THROW(ValueError) << what << ": negative dimensions are not allowed: shape "
                             << shape_str(shape);
    TJ_THROW(ValueError) << what << ": shape " << shape_str(shape) << " of dtype "
                         << dtype_name(dtype)
                         << " is too big: its size in bytes overflows a 64-bit integer";
}
} // namespace

void check_shape_fits(const Dims& shape, DType dtype, std::string_view what) {
    const auto fit = checked::shape_fit(shape.data(), shape.size(),
                                        static_cast<std::int64_t>(dtype_size(dtype)));
    if (fit != checked::ShapeFit::kOk) throw_shape_fit(fit, shape, dtype, what);
}

std::size_t checked_nbytes(const Dims& shape, DType dtype, std::string_view what) {
    std::int64_t n = 0;
    const auto fit = checked::shape_fit(shape.data(), shape.size(),
                                        static_cast<std::int64_t>(dtype_size(dtype)), &n);
    if (fit != checked::ShapeFit::kOk) throw_shape_fit(fit, shape, dtype, what);
    return static_cast<std::size_t>(n) * dtype_size(dtype);
}

namespace {

// The storage of a new array; a failed allocation is a ValueError with the byte count (a huge
// shape is the caller's error, as NumPy's "Unable to allocate ..." MemoryError).
std::shared_ptr<Storage> new_storage(DType dtype, const Dims& shape, std::string_view what) {
    const std::size_t bytes = checked_nbytes(shape, dtype, what);
    try {
        return std::make_shared<Storage>(bytes);
    } catch (const std::bad_alloc&) {
        TJ_THROW(ValueError) << "cannot allocate " << bytes << " bytes for an array of shape "
                             << shape_str(shape) << " and dtype " << dtype_name(dtype);
    }
}

} // namespace

// ---- element access helpers -------------------------------------------------------------------

namespace {

double load_as_double(DType t, const void* p) {
    return visit_dtype(
        t, [p](auto v) { return static_cast<double>(*static_cast<const decltype(v)*>(p)); });
}

// Copies `count` elements of src_dtype from src (contiguous) into dst (contiguous) of dst_dtype
// with C conversions.
void convert_contiguous(DType dst_dtype, void* dst, DType src_dtype, const void* src,
                        std::int64_t count) {
    visit_dtype(dst_dtype, [&](auto d) {
        using D = decltype(d);
        visit_dtype(src_dtype, [&](auto s) {
            using S = decltype(s);
            auto* out = static_cast<D*>(dst);
            auto* in = static_cast<const S*>(src);
            if constexpr (std::is_same_v<D, bool>) {
                for (std::int64_t i = 0; i < count; ++i) out[i] = in[i] != S{};
            } else {
                for (std::int64_t i = 0; i < count; ++i) out[i] = static_cast<D>(in[i]);
            }
        });
    });
}

// Visits every element offset (in elements) of a strided array in C order.
template <class F> void for_each_offset(const Dims& shape, const Dims& strides, F&& f) {
    std::int64_t n = shape.product();
    if (n == 0) return;
    int nd = shape.size();
    std::array<std::int64_t, kMaxNdim> idx{};
    std::int64_t off = 0;
    for (std::int64_t k = 0; k < n; ++k) {
        f(off);
        for (int ax = nd - 1; ax >= 0; --ax) {
            if (++idx[ax] < shape[ax]) {
                off += strides[ax];
                break;
            }
            off -= strides[ax] * (shape[ax] - 1);
            idx[ax] = 0;
        }
    }
}

} // namespace

// ---- construction -----------------------------------------------------------------------------

// The shape is checked once, by new_storage; the strides of a shape that fits cannot overflow.
Array::Array(std::in_place_t, DType dtype, const Dims& shape, const char* what)
    : storage_(new_storage(dtype, shape, what)), data_(storage_->data), dtype_(dtype),
      shape_(shape), strides_(c_strides_fitting(shape)) {}

Array::Array() : Array(Array::zeros(DType::Float64, Dims{})) {}

void Array::ragged(int depth, std::int64_t expected, std::int64_t got) {
    TJ_THROW(ShapeError) << "ragged nested list: a list at depth " << depth << " has " << got
                         << " elements where an earlier one has " << expected;
}

void Array::init_scalar(DType dtype, double value, std::uint64_t int_bits) {
    *this = empty(dtype, Dims{});
    visit_dtype(dtype, [&](auto v) {
        using T = decltype(v);
        if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
            *static_cast<T*>(data_) = static_cast<T>(int_bits);
        else
            *static_cast<T*>(data_) = static_cast<T>(value);
    });
}

void Array::init_from_buffer(DType dtype, const Dims& shape, const void* src, std::size_t count,
                             DType src_dtype) {
    check_shape_fits(shape, dtype, "array");
    TJ_CHECK(static_cast<std::int64_t>(count) == shape.product(), ShapeError)
        << "cannot lay out " << count << " values as shape " << shape_str(shape);
    *this = empty(dtype, shape);
    convert_contiguous(dtype, data_, src_dtype, src, static_cast<std::int64_t>(count));
}

Array Array::empty(DType dtype, const Dims& shape) {
    Array a(std::in_place, dtype, shape, "empty"); // checks the shape (new_storage)
    return a;
}

Array Array::zeros(DType dtype, const Dims& shape) {
    check_shape_fits(shape, dtype, "zeros");
    Array a = empty(dtype, shape);
    std::memset(a.data_, 0, static_cast<std::size_t>(a.size()) * a.itemsize());
    return a;
}

Array Array::full(DType dtype, const Dims& shape, double value) {
    check_shape_fits(shape, dtype, "full");
    Array a = empty(dtype, shape);
    visit_dtype(dtype, [&](auto v) {
        using T = decltype(v);
        std::fill_n(static_cast<T*>(a.data_), a.size(), static_cast<T>(value));
    });
    return a;
}

Array Array::from_raw(DType dtype, const Dims& shape, const void* data) {
    check_shape_fits(shape, dtype, "from_raw");
    Array a = empty(dtype, shape);
    std::memcpy(a.data_, data, static_cast<std::size_t>(a.size()) * a.itemsize());
    return a;
}

// ---- external memory --------------------------------------------------------------------------

namespace {
// The byte offsets, relative to the origin, of the lowest and one past the highest byte that an
// array's elements occupy; false when they overflow int64. Not called for empty arrays.
bool byte_extent(const Dims& shape, const Dims& strides, std::int64_t itemsize, std::int64_t* lo,
                 std::int64_t* hi) {
    std::int64_t l = 0, h = 0;
    for (int d = 0; d < shape.size(); ++d) {
        std::int64_t reach = 0;
        if (!checked::mul(shape[d] - 1, strides[d], &reach) ||
            !checked::add(reach < 0 ? l : h, reach, reach < 0 ? &l : &h))
            return false;
    }
    return checked::mul(l, itemsize, lo) && checked::mul(h, itemsize, &h) &&
           checked::add(h, itemsize, hi);
}
} // namespace

Array Array::wrap(void* data, DType dtype, const Dims& shape, const Dims& byte_strides,
                  std::shared_ptr<void> keep_alive) {
    return wrap_memory(data, dtype, shape, byte_strides, true, false, std::move(keep_alive));
}

Array Array::wrap(const void* data, DType dtype, const Dims& shape, const Dims& byte_strides,
                  std::shared_ptr<void> keep_alive) {
    return wrap_memory(data, dtype, shape, byte_strides, true, true, std::move(keep_alive));
}

void Array::check_wrap_count(std::size_t count, const Dims& shape) {
    check_shape_fits(shape, DType::UInt8, "wrap");
    TJ_CHECK(static_cast<std::uint64_t>(shape.product()) == count, ValueError)
        << "wrap: a span of " << count << " elements cannot be viewed as shape " << shape_str(shape)
        << " (" << shape.product() << " elements)";
}

Array Array::wrap_memory(const void* data, DType dtype, const Dims& shape, const Dims& strides_in,
                         bool byte_strides, bool read_only, std::shared_ptr<void> keep_alive) {
    TJ_CHECK(static_cast<int>(dtype) < kNumDTypes, ValueError)
        << "wrap: invalid dtype " << static_cast<int>(dtype);
    check_shape_fits(shape, dtype, "wrap"); // negative extents, byte counts that overflow
    const auto isz = static_cast<std::int64_t>(dtype_size(dtype));
    Dims strides;
    if (strides_in.empty()) {
        strides = c_strides(shape);
    } else {
        TJ_CHECK(strides_in.size() == shape.size(), ValueError)
            << "wrap: " << strides_in.size() << " strides for shape " << shape_str(shape)
            << " of rank " << shape.size();
        strides = strides_in;
        if (byte_strides)
            for (int d = 0; d < strides.size(); ++d) {
                TJ_CHECK(strides[d] % isz == 0, ValueError)
                    << "wrap: stride " << strides[d] << " of axis " << d
                    << " is not a multiple of the item size " << isz << " of " << dtype_name(dtype)
                    << " (strides are in bytes)";
                strides[d] /= isz;
            }
    }
    const auto p = reinterpret_cast<std::uintptr_t>(data);
    TJ_CHECK(p % static_cast<std::uintptr_t>(isz) == 0, ValueError)
        << "wrap: the data pointer " << data << " is not aligned to the " << isz
        << "-byte items of " << dtype_name(dtype);
    // The memory the elements occupy, [p + lo, p + hi): it must lie in the address space.
    std::int64_t lo = 0, hi = 0;
    const bool empty = shape.product() == 0;
    if (!empty) {
        TJ_CHECK(data != nullptr, ValueError)
            << "wrap: null data pointer for shape " << shape_str(shape) << " (" << shape.product()
            << " elements)";
        TJ_CHECK(byte_extent(shape, strides, isz, &lo, &hi), ValueError)
            << "wrap: shape " << shape_str(shape) << " with strides " << shape_str(strides)
            << " (elements of " << isz << " bytes) spans more bytes than a 64-bit integer holds";
        const auto below = static_cast<std::uint64_t>(0) - static_cast<std::uint64_t>(lo);
        const auto above = static_cast<std::uint64_t>(hi);
        TJ_CHECK(below <= p && above <= UINTPTR_MAX - p, ValueError)
            << "wrap: shape " << shape_str(shape) << " with strides " << shape_str(strides)
            << " from address " << data << " reaches outside the address space";
    }
    void* base = empty ? const_cast<void*>(data)
                       : reinterpret_cast<void*>(p - (0 - static_cast<std::uintptr_t>(lo)));
    return Array(std::make_shared<Storage>(
                     base, static_cast<std::size_t>(hi) + (0 - static_cast<std::size_t>(lo)),
                     std::move(keep_alive)),
                 const_cast<void*>(data), dtype, shape, strides, read_only);
}

Array::Array(std::shared_ptr<Storage> storage, void* data, DType dtype, const Dims& shape,
             const Dims& strides, bool read_only)
    : storage_(std::move(storage)), data_(data), dtype_(dtype), read_only_(read_only),
      shape_(shape), strides_(strides) {}

Array Array::read_only_view() const {
    Array a = *this;
    a.read_only_ = true;
    return a;
}

void Array::throw_read_only(const char* what) {
    TJ_THROW(ValueError) << what << ": array is read-only";
}

// ---- queries ----------------------------------------------------------------------------------

std::int64_t Array::shape(int axis) const {
    int nd = ndim();
    TJ_CHECK(axis >= -nd && axis < nd, ValueError)
        << "axis " << axis << " is out of bounds for an array of rank " << nd;
    return shape_[axis < 0 ? axis + nd : axis];
}

bool Array::is_c_contiguous() const {
    std::int64_t expected = 1;
    for (int i = ndim() - 1; i >= 0; --i) {
        if (shape_[i] == 1) continue;
        if (shape_[i] == 0) return true;
        if (strides_[i] != expected) return false;
        expected *= shape_[i];
    }
    return true;
}

void Array::check_dtype(DType t) const {
    TJ_CHECK(t == dtype_, TypeError)
        << "array has dtype " << dtype_name(dtype_) << ", accessed as " << dtype_name(t);
}

double Array::at(std::initializer_list<std::int64_t> index) const {
    TJ_CHECK(static_cast<int>(index.size()) == ndim(), ValueError)
        << "index of length " << index.size() << " for an array of rank " << ndim();
    std::int64_t off = 0;
    int ax = 0;
    for (auto i : index) {
        std::int64_t n = shape_[ax];
        TJ_CHECK(i >= -n && i < n, ValueError)
            << "index " << i << " is out of bounds for axis " << ax << " with size " << n;
        off += (i < 0 ? i + n : i) * strides_[ax];
        ++ax;
    }
    return load_as_double(dtype_, static_cast<const char*>(data_) + off * itemsize());
}

double Array::flat(std::int64_t i) const {
    std::int64_t n = size();
    TJ_CHECK(i >= 0 && i < n, ValueError) << "flat index " << i << " out of bounds for size " << n;
    std::int64_t off = 0;
    for (int ax = ndim() - 1; ax >= 0; --ax) {
        off += (i % shape_[ax]) * strides_[ax];
        i /= shape_[ax];
    }
    return load_as_double(dtype_, static_cast<const char*>(data_) + off * itemsize());
}

double Array::item_double() const {
    TJ_CHECK(size() == 1, ValueError)
        << "item() needs an array of size 1, got shape " << shape_str(shape_);
    return flat(0);
}

// ---- copies and views -------------------------------------------------------------------------

Array Array::astype(DType dtype) const {
    Array out = empty(dtype, shape_);
    if (is_c_contiguous()) {
        convert_contiguous(dtype, out.data_, dtype_, data_, size());
        return out;
    }
    std::size_t isz = itemsize(), osz = out.itemsize();
    char* dst = static_cast<char*>(out.data_);
    const char* src = static_cast<const char*>(data_);
    for_each_offset(shape_, strides_, [&](std::int64_t off) {
        convert_contiguous(dtype, dst, dtype_, src + off * static_cast<std::int64_t>(isz), 1);
        dst += osz;
    });
    return out;
}

Array Array::copy() const { return astype(dtype_); }

Array Array::view(void* data, DType dtype, const Dims& shape, const Dims& strides) const {
    check_shape_fits(shape, dtype, "view");
    TJ_CHECK(strides.size() == shape.size(), ValueError)
        << "view: " << strides.size() << " strides for shape " << shape_str(shape);
    if (shape.product() > 0) {
        // Every element of the view lies inside this array's buffer.
        std::int64_t lo = 0, hi = 0;
        bool ok = storage_ != nullptr;
        for (int d = 0; d < shape.size() && ok; ++d) {
            std::int64_t span = 0;
            ok = checked::mul(shape[d] - 1, strides[d], &span) &&
                 checked::add(span < 0 ? lo : hi, span, span < 0 ? &lo : &hi);
        }
        const std::int64_t isz = static_cast<std::int64_t>(dtype_size(dtype));
        std::int64_t lo_b = 0, hi_b = 0;
        ok = ok && checked::mul(lo, isz, &lo_b) && checked::mul(hi, isz, &hi_b) &&
             checked::add(hi_b, isz, &hi_b);
        if (ok) {
            const auto base = reinterpret_cast<std::uintptr_t>(storage_->data);
            const auto p = reinterpret_cast<std::uintptr_t>(data);
            ok = p >= base && p - base <= storage_->bytes &&
                 0 - static_cast<std::uint64_t>(lo_b) <= p - base &&
                 static_cast<std::uint64_t>(hi_b) <= storage_->bytes - (p - base);
        }
        TJ_CHECK(ok, ValueError) << "view: shape " << shape_str(shape) << " with strides "
                                 << shape_str(strides)
                                 << " reaches outside the memory of the array";
    }
    Array a = *this;
    a.data_ = data;
    a.dtype_ = dtype;
    a.shape_ = shape;
    a.strides_ = strides;
    return a;
}

Array Array::transpose() const {
    std::vector<int> axes(ndim());
    for (int i = 0; i < ndim(); ++i) axes[i] = ndim() - 1 - i;
    return transpose(axes);
}

Array Array::transpose(const std::vector<int>& axes) const {
    TJ_CHECK(static_cast<int>(axes.size()) == ndim(), ValueError)
        << "transpose: " << axes.size() << " axes given for an array of rank " << ndim();
    Dims shape, strides;
    std::vector<bool> seen(ndim(), false);
    for (int ax : axes) {
        int a = ax < 0 ? ax + ndim() : ax;
        TJ_CHECK(a >= 0 && a < ndim() && !seen[a], ValueError)
            << "transpose: axes are not a permutation of 0.." << ndim() - 1;
        seen[a] = true;
        shape.push_back(shape_[a]);
        strides.push_back(strides_[a]);
    }
    return view(data_, dtype_, shape, strides);
}

Array Array::slice(int axis, std::int64_t start, std::int64_t stop, std::int64_t step) const {
    TJ_CHECK(step != 0, ValueError) << "slice step cannot be zero";
    int ax = axis < 0 ? axis + ndim() : axis;
    TJ_CHECK(ax >= 0 && ax < ndim(), ValueError)
        << "axis " << axis << " is out of bounds for an array of rank " << ndim();
    std::int64_t n = shape_[ax];
    // Python's slice.indices().
    auto clamp = [&](std::int64_t v, bool is_start) {
        if (v < 0) v += n;
        if (step > 0) return std::clamp<std::int64_t>(v, 0, n);
        return std::clamp<std::int64_t>(v, -1, n - 1) + (is_start ? 0 : 0);
    };
    std::int64_t b = clamp(start, true), e = clamp(stop, false);
    // Written so that no step (INT64_MIN and INT64_MAX included) overflows.
    std::int64_t len =
        step > 0 ? (e > b ? (e - b - 1) / step + 1 : 0)
                 : (b > e ? static_cast<std::int64_t>(static_cast<std::uint64_t>(b - e - 1) /
                                                      (0 - static_cast<std::uint64_t>(step))) +
                                1
                          : 0);
    Dims shape = shape_, strides = strides_;
    shape[ax] = len;
    // With one element or none the stride is never used (and the product may not fit).
    strides[ax] = len > 1 ? strides_[ax] * step : strides_[ax];
    char* p = static_cast<char*>(data_) +
              (len > 0 ? b * strides_[ax] * static_cast<std::int64_t>(itemsize()) : 0);
    return view(p, dtype_, shape, strides);
}

Array Array::reshape(const Dims& new_shape_in) const {
    Dims shape = new_shape_in;
    int infer = -1;
    std::int64_t known = 1;
    for (int i = 0; i < shape.size(); ++i) {
        if (shape[i] == -1) {
            TJ_CHECK(infer < 0, ShapeError) << "reshape: more than one -1 in " << shape_str(shape);
            infer = i;
        } else {
            TJ_CHECK(shape[i] >= 0, ValueError)
                << "reshape: negative dimensions are not allowed: shape " << shape_str(shape);
            TJ_CHECK(checked::mul(known, shape[i], &known), ValueError)
                << "reshape: shape " << shape_str(shape)
                << " is too big: its number of elements overflows a 64-bit integer";
        }
    }
    if (infer >= 0) {
        TJ_CHECK(known != 0 && size() % known == 0, ShapeError)
            << "reshape: cannot reshape array of shape " << shape_str(shape_) << " into "
            << shape_str(new_shape_in);
        shape[infer] = size() / known;
    }
    TJ_CHECK(shape.product() == size(), ShapeError)
        << "reshape: cannot reshape array of shape " << shape_str(shape_) << " (size " << size()
        << ") into " << shape_str(new_shape_in);
    Array src = is_c_contiguous() ? *this : copy();
    return src.view(src.data_, dtype_, shape, c_strides(shape));
}

Array Array::broadcast_to(const Dims& shape) const {
    check_shape_fits(shape, dtype_, "broadcast_to");
    TJ_CHECK(shape.size() >= ndim(), ShapeError) << "broadcast_to: cannot broadcast shape "
                                                 << shape_str(shape_) << " to " << shape_str(shape);
    Dims strides;
    strides.resize(shape.size());
    int off = shape.size() - ndim();
    for (int i = 0; i < shape.size(); ++i) {
        if (i < off) continue;
        std::int64_t d = shape_[i - off];
        TJ_CHECK(d == shape[i] || d == 1, ShapeError)
            << "broadcast_to: cannot broadcast shape " << shape_str(shape_) << " to "
            << shape_str(shape);
        strides[i] = d == 1 ? 0 : strides_[i - off];
    }
    return view(data_, dtype_, shape, strides);
}

bool Array::shares_memory_with(const Array& other) const {
    return storage_ && storage_ == other.storage_;
}

namespace {
// [first, last) bytes an array's elements occupy; empty for an empty array. An array's extent
// fits: its view or wrap checked it.
std::pair<std::uintptr_t, std::uintptr_t> byte_range(const Array& a) {
    if (a.size() == 0) return {0, 0};
    std::int64_t lo = 0, hi = 0;
    byte_extent(a.shape(), a.strides(), static_cast<std::int64_t>(a.itemsize()), &lo, &hi);
    const auto p = reinterpret_cast<std::uintptr_t>(a.raw_data());
    return {p - (0 - static_cast<std::uintptr_t>(lo)), p + static_cast<std::uintptr_t>(hi)};
}
} // namespace

bool Array::may_share_memory(const Array& other) const {
    const auto [a0, a1] = byte_range(*this);
    const auto [b0, b1] = byte_range(other);
    return a0 != a1 && b0 != b1 && a0 < b1 && b0 < a1;
}

void Array::copy_from(const Array& src_in) const {
    check_writable("copy_from");
    // A source that overlaps this array's memory is read from a copy.
    const Array src = may_share_memory(src_in) ? src_in.copy() : src_in;
    const Array from = src.broadcast_to(shape_);
    if (size() == 0) return;
    visit_dtype(dtype_, [&](auto d) {
        using D = decltype(d);
        visit_dtype(from.dtype_, [&](auto s) {
            using S = decltype(s);
            D* out = static_cast<D*>(data_);
            const S* in = static_cast<const S*>(from.data_);
            // Two cursors in C order: this array's element offsets and the source's.
            const int nd = ndim();
            std::array<std::int64_t, kMaxNdim> idx{};
            std::int64_t od = 0, os = 0;
            for (std::int64_t k = 0, n = size(); k < n; ++k) {
                if constexpr (std::is_same_v<D, bool>)
                    out[od] = in[os] != S{};
                else
                    out[od] = static_cast<D>(in[os]);
                for (int ax = nd - 1; ax >= 0; --ax) {
                    if (++idx[ax] < shape_[ax]) {
                        od += strides_[ax];
                        os += from.strides_[ax];
                        break;
                    }
                    od -= strides_[ax] * (shape_[ax] - 1);
                    os -= from.strides_[ax] * (shape_[ax] - 1);
                    idx[ax] = 0;
                }
            }
        });
    });
}

bool Array::equals(const Array& other) const {
    if (dtype_ != other.dtype_ || !(shape_ == other.shape_)) return false;
    // Compare in the element type: through double, int64 values beyond 2^53 would collide.
    return visit_dtype(dtype_, [&](auto zero) {
        using T = decltype(zero);
        std::vector<std::int64_t> mine, theirs;
        for_each_offset(shape_, strides_, [&](std::int64_t off) { mine.push_back(off); });
        for_each_offset(other.shape_, other.strides_,
                        [&](std::int64_t off) { theirs.push_back(off); });
        const T* p = static_cast<const T*>(data_);
        const T* q = static_cast<const T*>(other.data_);
        for (std::size_t i = 0; i < mine.size(); ++i)
            if (!(p[mine[i]] == q[theirs[i]])) return false;
        return true;
    });
}

bool allclose(const Array& a, const Array& b, double rtol, double atol, bool equal_nan) {
    Dims shape = broadcast_shapes(a.shape(), b.shape(), "allclose");
    Array x = a.broadcast_to(shape), y = b.broadcast_to(shape);
    for (std::int64_t i = 0; i < x.size(); ++i) {
        double u = x.flat(i), v = y.flat(i);
        if (std::isnan(u) || std::isnan(v)) {
            if (equal_nan && std::isnan(u) && std::isnan(v)) continue;
            return false;
        }
        if (std::isinf(u) || std::isinf(v)) {
            if (u != v) return false;
            continue;
        }
        if (std::abs(u - v) > atol + rtol * std::abs(v)) return false;
    }
    return true;
}

} // namespace tensorjit
