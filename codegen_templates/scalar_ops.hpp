// \file
// Scalar functors used by generated element-wise loops: one per element-wise op (the OpDef's
// `functor`). Freestanding: math through __builtin_* (with -fno-math-errno, exp/log vectorize
// through libmvec). Pasted into every kernel after kernel_abi.h; compiles on its own too.
#ifndef TJ_SCALAR_OPS_HPP
#define TJ_SCALAR_OPS_HPP

#define TJ_INLINE static inline __attribute__((always_inline))

template <class T> struct tj_is_float { static constexpr bool value = false; };
template <> struct tj_is_float<float> { static constexpr bool value = true; };
template <> struct tj_is_float<double> { static constexpr bool value = true; };

template <class To, class From> TJ_INLINE To tj_cast(From x) { return (To)x; }
template <> TJ_INLINE bool tj_cast<bool, double>(double x) { return x != 0; }
template <> TJ_INLINE bool tj_cast<bool, float>(float x) { return x != 0; }

template <class T> TJ_INLINE T tj_identity(T a) { return a; }
template <class T> TJ_INLINE T tj_neg(T a) { return (T)-a; }
template <class T> TJ_INLINE T tj_abs(T a) { return a < 0 ? (T)-a : a; }
TJ_INLINE double tj_abs(double a) { return __builtin_fabs(a); }
TJ_INLINE float tj_abs(float a) { return __builtin_fabsf(a); }
TJ_INLINE bool tj_abs(bool a) { return a; }

TJ_INLINE double tj_exp(double a) { return __builtin_exp(a); }
TJ_INLINE float tj_exp(float a) { return __builtin_expf(a); }
TJ_INLINE double tj_log(double a) { return __builtin_log(a); }
TJ_INLINE float tj_log(float a) { return __builtin_logf(a); }
TJ_INLINE double tj_tanh(double a) { return __builtin_tanh(a); }
TJ_INLINE float tj_tanh(float a) { return __builtin_tanhf(a); }

TJ_INLINE double tj_sigmoid(double a) { return 1.0 / (1.0 + __builtin_exp(-a)); }
TJ_INLINE float tj_sigmoid(float a) { return 1.0f / (1.0f + __builtin_expf(-a)); }
TJ_INLINE double tj_log1p(double a) { return __builtin_log1p(a); }
TJ_INLINE float tj_log1p(float a) { return __builtin_log1pf(a); }
// log(1 + exp(a)) = max(a, 0) + log1p(exp(-|a|)): no overflow, no loss for large |a|.
TJ_INLINE double tj_softplus(double a) {
    return (a > 0 ? a : 0.0) + __builtin_log1p(__builtin_exp(-__builtin_fabs(a)));
}
TJ_INLINE float tj_softplus(float a) {
    return (a > 0 ? a : 0.0f) + __builtin_log1pf(__builtin_expf(-__builtin_fabsf(a)));
}

template <class T> TJ_INLINE T tj_add(T a, T b) { return (T)(a + b); }
template <class T> TJ_INLINE T tj_sub(T a, T b) { return (T)(a - b); }
template <class T> TJ_INLINE T tj_mul(T a, T b) { return (T)(a * b); }
TJ_INLINE bool tj_add(bool a, bool b) { return a || b; }
TJ_INLINE bool tj_mul(bool a, bool b) { return a && b; }
template <class T> TJ_INLINE T tj_div(T a, T b) { return a / b; }

// Integer powers by repeated squaring; negative exponents give 0 (1 or +-1 for bases 1 and -1).
template <class T> TJ_INLINE T tj_pow(T a, T b) {
    if (b < 0) return a == 1 ? 1 : a == (T)-1 ? ((b & 1) ? a : 1) : 0;
    T r = 1;
    while (b > 0) {
        if (b & 1) r = (T)(r * a);
        a = (T)(a * a);
        b >>= 1;
    }
    return r;
}
TJ_INLINE double tj_pow(double a, double b) { return __builtin_pow(a, b); }
TJ_INLINE float tj_pow(float a, float b) { return __builtin_powf(a, b); }
TJ_INLINE bool tj_pow(bool a, bool b) { return a || !b; }

template <class A, class B> TJ_INLINE B tj_fill_value(A, B b) { return b; }

template <class T> TJ_INLINE bool tj_lt(T a, T b) { return a < b; }
template <class T> TJ_INLINE bool tj_gt(T a, T b) { return a > b; }
template <class T> TJ_INLINE bool tj_le(T a, T b) { return a <= b; }
template <class T> TJ_INLINE bool tj_ge(T a, T b) { return a >= b; }

// ---- element-wise math (rows of compiler/include/tensorjit/elementwise_ops.def) ----

// Float math: one overload per float type (integer inputs arrive cast to float).
#define TJ_FLOAT_UNARY(name, fn)                                                                   \
    TJ_INLINE double name(double a) { return __builtin_##fn(a); }                                  \
    TJ_INLINE float name(float a) { return __builtin_##fn##f(a); }
TJ_FLOAT_UNARY(tj_sqrt, sqrt)
TJ_FLOAT_UNARY(tj_exp2, exp2)
TJ_FLOAT_UNARY(tj_expm1, expm1)
TJ_FLOAT_UNARY(tj_log2, log2)
TJ_FLOAT_UNARY(tj_log10, log10)
TJ_FLOAT_UNARY(tj_sin, sin)
TJ_FLOAT_UNARY(tj_cos, cos)
TJ_FLOAT_UNARY(tj_tan, tan)
TJ_FLOAT_UNARY(tj_arcsin, asin)
TJ_FLOAT_UNARY(tj_arccos, acos)
TJ_FLOAT_UNARY(tj_arctan, atan)
TJ_FLOAT_UNARY(tj_sinh, sinh)
TJ_FLOAT_UNARY(tj_cosh, cosh)
TJ_FLOAT_UNARY(tj_arcsinh, asinh)
TJ_FLOAT_UNARY(tj_arccosh, acosh)
TJ_FLOAT_UNARY(tj_arctanh, atanh)
TJ_FLOAT_UNARY(tj_erf, erf)
TJ_FLOAT_UNARY(tj_erfc, erfc)
TJ_FLOAT_UNARY(tj_gammaln, lgamma)
TJ_FLOAT_UNARY(tj_floor, floor)
TJ_FLOAT_UNARY(tj_ceil, ceil)
TJ_FLOAT_UNARY(tj_trunc, trunc)
// rint rounds half to even in the default rounding mode.
TJ_FLOAT_UNARY(tj_round, rint)
#undef TJ_FLOAT_UNARY
TJ_INLINE double tj_arctan2(double y, double x) { return __builtin_atan2(y, x); }
TJ_INLINE float tj_arctan2(float y, float x) { return __builtin_atan2f(y, x); }
// sqrt(a^2 + b^2) without overflow; inf if either is +-inf, even with a NaN (C99, NumPy).
TJ_INLINE double tj_hypot(double a, double b) { return __builtin_hypot(a, b); }
TJ_INLINE float tj_hypot(float a, float b) { return __builtin_hypotf(a, b); }
// log(exp(a) + exp(b)) without overflow, as NumPy's npy_logaddexp: equal arguments (including
// infinities of one sign) give a + ln 2, a NaN gives NaN.
template <class T> TJ_INLINE T tj_logaddexp(T a, T b) {
    if (a == b) return a + (T)0.693147180559945309417232121458;
    const T d = a - b;
    if (d > 0) return a + (T)__builtin_log1p(__builtin_exp(-d));
    if (d <= 0) return b + (T)__builtin_log1p(__builtin_exp(d));
    return d;
}
TJ_INLINE float tj_logaddexp(float a, float b) {
    if (a == b) return a + 0.693147180559945309417232121458f;
    const float d = a - b;
    if (d > 0) return a + __builtin_log1pf(__builtin_expf(-d));
    if (d <= 0) return b + __builtin_log1pf(__builtin_expf(d));
    return d;
}
// round keeps integers (NumPy's round with 0 decimals).
template <class T> TJ_INLINE T tj_round(T a) { return a; }

// sign: NaN stays NaN and -0 gives +0, as NumPy.
template <class T> TJ_INLINE T tj_sign(T a) { return (T)((a > 0) - (a < 0)); }
TJ_INLINE double tj_sign(double a) { return a > 0 ? 1.0 : a < 0 ? -1.0 : a == 0 ? 0.0 : a; }
TJ_INLINE float tj_sign(float a) { return a > 0 ? 1.0f : a < 0 ? -1.0f : a == 0 ? 0.0f : a; }

// Integer products wrap (computed in 64-bit unsigned arithmetic: no signed overflow).
template <class T> TJ_INLINE T tj_sqr(T a) {
    return (T)((unsigned long long)a * (unsigned long long)a);
}
TJ_INLINE double tj_sqr(double a) { return a * a; }
TJ_INLINE float tj_sqr(float a) { return a * a; }

// Integers: C's 1 / a, and 0 for a == 0 (NumPy's result there is undefined).
template <class T> TJ_INLINE T tj_reciprocal(T a) { return a == 0 ? (T)0 : (T)(1 / a); }
TJ_INLINE double tj_reciprocal(double a) { return 1.0 / a; }
TJ_INLINE float tj_reciprocal(float a) { return 1.0f / a; }

// NaN wins (NumPy's maximum/minimum); ties give a.
template <class T> TJ_INLINE T tj_maximum(T a, T b) { return (a >= b || a != a) ? a : b; }
template <class T> TJ_INLINE T tj_minimum(T a, T b) { return (a <= b || a != a) ? a : b; }
// minimum(maximum(x, lo), hi), as NumPy's clip: hi wins where lo > hi.
template <class T> TJ_INLINE T tj_clip(T x, T lo, T hi) {
    return tj_minimum(tj_maximum(x, lo), hi);
}

// erfinv: Giles' single-precision approximation ("Approximating the erfinv function", GPU
// Computing Gems, 2011) as a start, then Halley steps on erf(x) = a in double (on erfc
// near 1, where erf(x) - a would cancel): full double precision on (-1, 1).
TJ_INLINE double tj_erfinv(double y) {
    const double a = __builtin_fabs(y);
    if (!(a < 1)) return a == 1 ? __builtin_copysign(__builtin_inf(), y) : __builtin_nan("");
    double w = -__builtin_log((1.0 - a) * (1.0 + a)), p;
    if (w < 5.0) {
        w = w - 2.5;
        p = 2.81022636e-08;
        p = 3.43273939e-07 + p * w;
        p = -3.5233877e-06 + p * w;
        p = -4.39150654e-06 + p * w;
        p = 0.00021858087 + p * w;
        p = -0.00125372503 + p * w;
        p = -0.00417768164 + p * w;
        p = 0.246640727 + p * w;
        p = 1.50140941 + p * w;
    } else {
        w = __builtin_sqrt(w) - 3.0;
        p = -0.000200214257;
        p = 0.000100950558 + p * w;
        p = 0.00134934322 + p * w;
        p = -0.00367342844 + p * w;
        p = 0.00573950773 + p * w;
        p = -0.0076224613 + p * w;
        p = 0.00943887047 + p * w;
        p = 1.00167406 + p * w;
        p = 2.83297682 + p * w;
    }
    double x = p * a;
    // Halley's method: two steps from the approximation's 1e-7 (a < 1 - 1e-7), a few more
    // beyond its range.
    for (int i = 0; i < 10 && x != 0; ++i) {
        // f(x) = erf(x) - a, f' = 2/sqrt(pi) exp(-x^2), f'' = -2x f'.
        const double f = a <= 0.5 ? __builtin_erf(x) - a : (1.0 - a) - __builtin_erfc(x);
        const double dx = f / (1.1283791670955126 * __builtin_exp(-x * x));
        const double step = dx / (1.0 + x * dx);
        x -= step;
        if (__builtin_fabs(step) <= 1e-16 * x) break;
    }
    return __builtin_copysign(x, y);
}
TJ_INLINE float tj_erfinv(float y) { return (float)tj_erfinv((double)y); }

// Python's floor division and remainder. Integers: a zero divisor gives 0 (NumPy), and
// MIN // -1 wraps to MIN with MIN % -1 = 0 (C would trap on both).
template <class T> TJ_INLINE T tj_floor_div(T a, T b) {
    if (b == 0) return 0;
    if ((T)-1 < 0 && b == (T)-1) return (T)(0ULL - (unsigned long long)a);
    T q = (T)(a / b);
    if ((T)-1 < 0 && (T)(a % b) != 0 && ((a % b < 0) != (b < 0))) q = (T)(q - 1);
    return q;
}
template <class T> TJ_INLINE T tj_mod(T a, T b) {
    if (b == 0 || ((T)-1 < 0 && b == (T)-1)) return 0;
    T r = (T)(a % b);
    if ((T)-1 < 0 && r != 0 && ((r < 0) != (b < 0))) r = (T)(r + b);
    return r;
}
// Floats: CPython's float divmod (NumPy's npy_divmod): the remainder from fmod takes b's sign
// and the quotient is (a - mod) / b rounded to an integer; a zero divisor gives a / b and NaN.
TJ_INLINE double tj_fmod_(double a, double b) { return __builtin_fmod(a, b); }
TJ_INLINE float tj_fmod_(float a, float b) { return __builtin_fmodf(a, b); }
TJ_INLINE double tj_floor_(double a) { return __builtin_floor(a); }
TJ_INLINE float tj_floor_(float a) { return __builtin_floorf(a); }
TJ_INLINE double tj_copysign_(double a, double b) { return __builtin_copysign(a, b); }
TJ_INLINE float tj_copysign_(float a, float b) { return __builtin_copysignf(a, b); }
template <class T> TJ_INLINE T tj_float_divmod(T a, T b, T* mod) {
    T m = tj_fmod_(a, b);
    if (b == 0) {
        *mod = m;
        return a / b;
    }
    T div = (a - m) / b;
    if (m != 0) {
        if ((b < 0) != (m < 0)) {
            m += b;
            div -= 1;
        }
    } else {
        m = tj_copysign_((T)0, b);
    }
    *mod = m;
    if (div == 0) return tj_copysign_((T)0, a / b);
    const T fl = tj_floor_(div);
    return div - fl > (T)0.5 ? fl + 1 : fl;
}
TJ_INLINE double tj_floor_div(double a, double b) {
    double m;
    return tj_float_divmod(a, b, &m);
}
TJ_INLINE float tj_floor_div(float a, float b) {
    float m;
    return tj_float_divmod(a, b, &m);
}
TJ_INLINE double tj_mod(double a, double b) {
    double m;
    tj_float_divmod(a, b, &m);
    return m;
}
TJ_INLINE float tj_mod(float a, float b) {
    float m;
    tj_float_divmod(a, b, &m);
    return m;
}

template <class T> TJ_INLINE bool tj_isnan(T) { return false; }
TJ_INLINE bool tj_isnan(double a) { return __builtin_isnan(a); }
TJ_INLINE bool tj_isnan(float a) { return __builtin_isnan(a); }
template <class T> TJ_INLINE bool tj_isinf(T) { return false; }
TJ_INLINE bool tj_isinf(double a) { return __builtin_isinf(a); }
TJ_INLINE bool tj_isinf(float a) { return __builtin_isinf(a); }

template <class T> TJ_INLINE bool tj_eq(T a, T b) { return a == b; }
template <class T> TJ_INLINE bool tj_neq(T a, T b) { return a != b; }

// Bitwise on integers, logical on bool (NumPy's &, |, ^, ~).
template <class T> TJ_INLINE T tj_and(T a, T b) { return (T)(a & b); }
template <class T> TJ_INLINE T tj_or(T a, T b) { return (T)(a | b); }
template <class T> TJ_INLINE T tj_xor(T a, T b) { return (T)(a ^ b); }
template <class T> TJ_INLINE T tj_invert(T a) { return (T)~a; }
TJ_INLINE bool tj_and(bool a, bool b) { return a && b; }
TJ_INLINE bool tj_or(bool a, bool b) { return a || b; }
TJ_INLINE bool tj_xor(bool a, bool b) { return a != b; }
TJ_INLINE bool tj_invert(bool a) { return !a; }

template <class T> TJ_INLINE T tj_where(bool c, T a, T b) { return c ? a : b; }

#endif
