// Literal arguments and defaults: which values survive the conversion to an input's dtype
// (literals.hpp), their text in messages, and the conversion itself.
#include "compiler/function/literals.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <type_traits>

namespace tensorjit::detail {

namespace {

constexpr double kTwo63 = 9223372036854775808.0;  // 2^63
constexpr double kTwo64 = 18446744073709551616.0; // 2^64

// Whether an int64 value is exactly representable in dtype t. (Casting a double of 2^63 or more
// back to int64 is undefined: the range is checked first.)
bool int_fits(std::int64_t v, DType t) {
    bool ok = false;
    visit_dtype(t, [&](auto x) {
        using T = decltype(x);
        if constexpr (std::is_same_v<T, bool>) {
            ok = v == 0 || v == 1;
        } else if constexpr (std::is_integral_v<T>) {
            if constexpr (std::is_unsigned_v<T>)
                ok = v >= 0 && static_cast<std::uint64_t>(v) <= std::numeric_limits<T>::max();
            else
                ok = v >= std::numeric_limits<T>::min() && v <= std::numeric_limits<T>::max();
        } else {
            const double d = static_cast<double>(static_cast<T>(v));
            ok = d >= -kTwo63 && d < kTwo63 && static_cast<std::int64_t>(d) == v;
        }
    });
    return ok;
}

// The same for an unsigned value of 2^63 or more: only uint64 and (when exact) floats hold it.
bool uint_fits(std::uint64_t u, DType t) {
    if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        return int_fits(static_cast<std::int64_t>(u), t);
    if (t == DType::UInt64) return true;
    if (!is_float(t)) return false;
    const double d =
        t == DType::Float32 ? static_cast<double>(static_cast<float>(u)) : static_cast<double>(u);
    return d < kTwo64 && static_cast<std::uint64_t>(d) == u;
}

bool real_fits(double d, DType t) {
    if (t == DType::Float64) return true;
    // Rounding is allowed; overflowing to infinity is not (inf and NaN themselves convert).
    if (t == DType::Float32)
        return !std::isfinite(d) || std::fabs(d) <= std::numeric_limits<float>::max();
    if (!std::isfinite(d) || std::trunc(d) != d) return false;
    if (d >= -kTwo63 && d < kTwo63) return int_fits(static_cast<std::int64_t>(d), t);
    return d >= 0 && d < kTwo64 && uint_fits(static_cast<std::uint64_t>(d), t);
}

bool is_real(const Literal& v) { return is_float(v.dtype); }

template <class T> T saturate(double d) {
    if constexpr (std::is_floating_point_v<T>) {
        return static_cast<T>(d);
    } else if constexpr (std::is_same_v<T, bool>) {
        return d != 0;
    } else {
        if (std::isnan(d)) return T{0};
        if (d <= static_cast<double>(std::numeric_limits<T>::min()))
            return std::numeric_limits<T>::min();
        if (d >= static_cast<double>(std::numeric_limits<T>::max()))
            return std::numeric_limits<T>::max();
        return static_cast<T>(d);
    }
}

} // namespace

Literal literal_of(const Arg& scalar) {
    Literal v;
    v.dtype = scalar.scalar_dtype();
    if (is_float(v.dtype))
        v.real = scalar.scalar_double();
    else
        v.bits = static_cast<std::uint64_t>(scalar.scalar_int());
    return v;
}

Literal literal_at(const Array& a, std::int64_t flat) {
    // The element's offset from its multi-index (any strides).
    std::int64_t off = 0;
    for (int d = a.ndim() - 1; d >= 0; --d) {
        const std::int64_t n = a.shape()[d];
        off += (flat % n) * a.strides()[d];
        flat /= n;
    }
    Literal v;
    visit_dtype(a.dtype(), [&](auto x) {
        using T = decltype(x);
        const T e = static_cast<const T*>(a.raw_data())[off];
        if constexpr (std::is_same_v<T, bool>) {
            v.dtype = DType::Bool;
            v.bits = e ? 1 : 0;
        } else if constexpr (std::is_integral_v<T>) {
            v.dtype = std::is_signed_v<T> ? DType::Int64 : DType::UInt64;
            v.bits = static_cast<std::uint64_t>(e);
        } else {
            v.dtype = std::is_same_v<T, float> ? DType::Float32 : DType::Float64;
            v.real = static_cast<double>(e);
        }
    });
    return v;
}

bool survives(const Literal& v, DType t) {
    // The usual cases without visiting the dtype (a braced list checks each element): the
    // literal's own dtype, and an int into int32 or float64 (exact below 2^53). The call path
    // binds the usual scalars before coming here (store_usual_literal).
    if (v.dtype == t) return true;
    if (v.dtype == DType::Int64) {
        const auto i = static_cast<std::int64_t>(v.bits);
        if (t == DType::Int32)
            return i >= std::numeric_limits<std::int32_t>::min() &&
                   i <= std::numeric_limits<std::int32_t>::max();
        if (t == DType::Float64 && i >= -(std::int64_t(1) << 53) && i <= (std::int64_t(1) << 53))
            return true;
    }
    switch (v.dtype) {
    case DType::Bool:
        return true;
    case DType::UInt64:
        return uint_fits(v.bits, t);
    case DType::Float32:
    case DType::Float64:
        return real_fits(v.real, t);
    default:
        return int_fits(static_cast<std::int64_t>(v.bits), t);
    }
}

std::string misfit_reason(const Literal& v, DType t) {
    const std::string name(dtype_name(t));
    if (is_real(v)) {
        if (t == DType::Float32) return "overflows float32";
        if (!std::isfinite(v.real) || std::trunc(v.real) != v.real) return "is not an integer";
    } else if (is_float(t)) {
        return "is not exactly representable in " + name;
    }
    return "does not fit in " + name;
}

std::string literal_text(const Literal& v) {
    switch (v.dtype) {
    case DType::Bool:
        return v.bits ? "true" : "false";
    case DType::UInt64:
        return std::to_string(v.bits);
    case DType::Float32:
    case DType::Float64: {
        // The shortest text that reads back as the same value (a float literal as a float).
        char buf[64];
        const auto r = v.dtype == DType::Float32
                           ? std::to_chars(buf, buf + sizeof buf, static_cast<float>(v.real))
                           : std::to_chars(buf, buf + sizeof buf, v.real);
        return std::string(buf, r.ptr);
    }
    default:
        return std::to_string(static_cast<std::int64_t>(v.bits));
    }
}

void store_literal(const Literal& v, DType t, void* out) {
    // The usual cases first (as survives).
    if (v.dtype == DType::Int64 && t == DType::Int64) {
        *static_cast<std::int64_t*>(out) = static_cast<std::int64_t>(v.bits);
        return;
    }
    if (v.dtype == DType::Int64 && t == DType::Float64) {
        *static_cast<double*>(out) = static_cast<double>(static_cast<std::int64_t>(v.bits));
        return;
    }
    if (v.dtype == DType::Float64 && t == DType::Float64) {
        *static_cast<double*>(out) = v.real;
        return;
    }
    visit_dtype(t, [&](auto x) {
        using T = decltype(x);
        T& dst = *static_cast<T*>(out);
        if (is_real(v))
            dst = saturate<T>(v.real);
        else if (v.dtype == DType::Int64)
            dst = static_cast<T>(static_cast<std::int64_t>(v.bits));
        else
            dst = static_cast<T>(v.bits);
    });
}

std::int64_t first_misfit(const Array& a, DType t) {
    for (std::int64_t i = 0, n = a.size(); i < n; ++i)
        if (!survives(literal_at(a, i), t)) return i;
    return -1;
}

std::string index_text(const Dims& shape, std::int64_t flat) {
    Dims idx;
    idx.resize(shape.size());
    for (int d = shape.size() - 1; d >= 0; --d) {
        idx[d] = shape[d] > 0 ? flat % shape[d] : 0;
        flat = shape[d] > 0 ? flat / shape[d] : 0;
    }
    std::string s = "[";
    for (int d = 0; d < idx.size(); ++d) s += (d ? ", " : "") + std::to_string(idx[d]);
    return s + "]";
}

std::string dtype_enumerator(DType t) {
    switch (t) {
#define TJ_ENUMERATOR_CASE(E, T, N, K)                                                             \
    case DType::E:                                                                                 \
        return #E;
        TJ_FOR_EACH_DTYPE(TJ_ENUMERATOR_CASE)
#undef TJ_ENUMERATOR_CASE
    }
    return "?";
}

Array literal_array(const Arg& scalar) {
    const Literal v = literal_of(scalar);
    switch (v.dtype) {
    case DType::Bool:
        return Array(v.bits != 0);
    case DType::UInt64:
        return Array(static_cast<unsigned long long>(v.bits));
    case DType::Float32:
        return Array(static_cast<float>(v.real));
    case DType::Float64:
        return Array(v.real);
    default:
        return Array(static_cast<long long>(v.bits));
    }
}

} // namespace tensorjit::detail
