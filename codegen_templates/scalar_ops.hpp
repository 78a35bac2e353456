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

#endif
