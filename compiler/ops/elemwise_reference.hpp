/// \file
/// The scalar references of the element-wise table's rows (<tensorjit/elementwise_ops.def>):
/// what NumPy computes, written with <cmath> and independent of the kernel functors of
/// codegen_templates/scalar_ops.hpp, so that each checks the other. Every function is a template
/// over the C type of the computation dtype; integer math wraps as C, like NumPy's kernels.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>

namespace tensorjit {

template <class T> constexpr bool kRefIsFloat = std::is_floating_point_v<T>;
template <class T> constexpr bool kRefIsInt = std::is_integral_v<T> && !std::is_same_v<T, bool>;

template <class T> T ref_neg(T a) { return static_cast<T>(-a); }

// abs(-0.0) is +0.0 (NumPy's fabs); unsigned and bool values are their own absolute value.
template <class T> T ref_abs(T a) {
    if constexpr (kRefIsFloat<T>)
        return std::fabs(a);
    else if constexpr (std::is_unsigned_v<T> || std::is_same_v<T, bool>)
        return a;
    else
        return static_cast<T>(a < 0 ? -a : a);
}

template <class T> T ref_pow(T a, T b) {
    if constexpr (kRefIsFloat<T>) {
        return std::pow(a, b);
    } else if constexpr (std::is_same_v<T, bool>) {
        return a || !b;
    } else {
        // Integers to negative powers: 0 here (NumPy raises); 1 for base 1, +-1 for base -1.
        if (b < 0) return a == 1 ? 1 : a == static_cast<T>(-1) ? ((b & 1) ? a : 1) : 0;
        // Square-and-multiply in unsigned arithmetic (wraps as C's integer kernels do).
        using U = std::make_unsigned_t<T>;
        U r = 1, base = static_cast<U>(a);
        for (U e = static_cast<U>(b); e > 0; e >>= 1) {
            if (e & 1) r = static_cast<U>(r * base);
            base = static_cast<U>(base * base);
        }
        return static_cast<T>(r);
    }
}

template <class T> T ref_sigmoid(T a) { return static_cast<T>(1 / (1 + std::exp(-a))); }

// log(1 + exp(x)) without overflow.
template <class T> T ref_softplus(T a) {
    return static_cast<T>(a > 0 ? a + std::log1p(std::exp(-a)) : std::log1p(std::exp(a)));
}

template <class T> bool ref_isnan(T a) {
    if constexpr (kRefIsFloat<T>) return std::isnan(a);
    return false;
}
template <class T> bool ref_isinf(T a) {
    if constexpr (kRefIsFloat<T>) return std::isinf(a);
    return false;
}

// NumPy: NaN stays NaN, -0 gives +0.
template <class T> T ref_sign(T a) {
    if constexpr (kRefIsFloat<T>) {
        if (std::isnan(a)) return a;
        return a > 0 ? T(1) : a < 0 ? T(-1) : T(0);
    } else if constexpr (std::is_signed_v<T>) {
        return static_cast<T>(a > 0 ? 1 : a < 0 ? -1 : 0);
    } else {
        return static_cast<T>(a != 0);
    }
}

// Integer products wrap: computed modulo 2^64, then narrowed (no signed overflow).
template <class T> T ref_sqr(T a) {
    if constexpr (kRefIsInt<T>)
        return static_cast<T>(static_cast<std::uint64_t>(a) * static_cast<std::uint64_t>(a));
    else
        return static_cast<T>(a * a);
}

// Integers: 1 / a truncated, and 0 for a == 0 (NumPy's result there is undefined).
template <class T> T ref_reciprocal(T a) {
    if constexpr (kRefIsFloat<T>) {
        return T(1) / a;
    } else {
        if (a == 0) return T(0);
        return static_cast<T>(1 / a);
    }
}

// NaN wins; ties give a (so maximum(-0., 0.) is -0., as NumPy).
template <class T> T ref_maximum(T a, T b) {
    if (ref_isnan(a)) return a;
    if (ref_isnan(b)) return b;
    return a < b ? b : a;
}
template <class T> T ref_minimum(T a, T b) {
    if (ref_isnan(a)) return a;
    if (ref_isnan(b)) return b;
    return b < a ? b : a;
}

// Round half to even, keeping the sign of zero (NumPy's round: -0.4 -> -0.).
template <class T> T ref_round(T x) {
    if constexpr (kRefIsFloat<T>) {
        T r = std::floor(x);
        const T frac = x - r;
        if (frac > T(0.5) || (frac == T(0.5) && std::fmod(r, T(2)) != 0)) r += 1;
        return r == 0 ? std::copysign(T(0), x) : r;
    } else {
        return x;
    }
}

// Python's divmod: the quotient rounded toward -inf, the remainder with the divisor's sign.
// Floats follow CPython's float_divmod (a zero divisor gives a / b and NaN); integers give 0 and
// 0 for a zero divisor, and MIN // -1 wraps to MIN (NumPy).
template <class T> std::pair<T, T> ref_divmod(T a, T b) {
    if constexpr (kRefIsFloat<T>) {
        T mod = std::fmod(a, b);
        if (b == 0) return {a / b, mod};
        T div = (a - mod) / b;
        if (mod != 0) {
            if ((b < 0) != (mod < 0)) {
                mod += b;
                div -= 1;
            }
        } else {
            mod = std::copysign(T(0), b);
        }
        if (div == 0) return {std::copysign(T(0), a / b), mod};
        T q = std::floor(div);
        if (div - q > T(0.5)) q += 1;
        return {q, mod};
    } else if constexpr (kRefIsInt<T>) {
        if (b == 0) return {T(0), T(0)};
        if constexpr (std::is_signed_v<T>) {
            if (b == T(-1))
                return {static_cast<T>(std::uint64_t(0) - static_cast<std::uint64_t>(a)), T(0)};
            T q = static_cast<T>(a / b), r = static_cast<T>(a % b);
            if (r != 0 && ((r < 0) != (b < 0))) {
                q = static_cast<T>(q - 1);
                r = static_cast<T>(r + b);
            }
            return {q, r};
        }
        return {static_cast<T>(a / b), static_cast<T>(a % b)};
    } else {
        return {a, a}; // bool computes in int8 (BoolAsInt8)
    }
}

// erfinv by Winitzki's approximation refined with Newton's method in long double (erf near 0,
// erfc near 1 where erf(x) - a cancels); an algorithm independent of the kernel's.
template <class T> T ref_erfinv(T y) {
    if constexpr (kRefIsFloat<T>) {
        if (std::isnan(y) || y < -1 || y > 1) return std::numeric_limits<T>::quiet_NaN();
        if (y == 1 || y == -1) return std::copysign(std::numeric_limits<T>::infinity(), y);
        if (y == 0) return y;
        const long double a = std::fabs(static_cast<long double>(y));
        const long double k = 0.147L, pi = 3.141592653589793238462643383279502884L;
        const long double l = std::log1p(-a * a);
        const long double t = 2 / (pi * k) + l / 2;
        long double x = std::sqrt(std::sqrt(t * t - l / k) - t);
        for (int i = 0; i < 100; ++i) {
            const long double f = a <= 0.5L ? std::erf(x) - a : (1 - a) - std::erfc(x);
            const long double dx = f / (2 / std::sqrt(pi) * std::exp(-x * x));
            x -= dx;
            if (std::fabs(dx) <= 1e-19L * x) break;
        }
        return static_cast<T>(std::copysign(x, static_cast<long double>(y)));
    } else {
        return y; // integers compute in float (FloatMath)
    }
}

// NumPy's &, |, ^, ~: logical on bool, bitwise on integers (floats are refused by the type rule).
template <class T> T ref_and(T a, T b) {
    if constexpr (std::is_same_v<T, bool>)
        return a && b;
    else if constexpr (kRefIsInt<T>)
        return static_cast<T>(a & b);
    else
        return T(0);
}
template <class T> T ref_or(T a, T b) {
    if constexpr (std::is_same_v<T, bool>)
        return a || b;
    else if constexpr (kRefIsInt<T>)
        return static_cast<T>(a | b);
    else
        return T(0);
}
template <class T> T ref_xor(T a, T b) {
    if constexpr (std::is_same_v<T, bool>)
        return a != b;
    else if constexpr (kRefIsInt<T>)
        return static_cast<T>(a ^ b);
    else
        return T(0);
}
template <class T> T ref_invert(T a) {
    if constexpr (std::is_same_v<T, bool>)
        return !a;
    else if constexpr (kRefIsInt<T>)
        return static_cast<T>(~a);
    else
        return T(0);
}

} // namespace tensorjit
