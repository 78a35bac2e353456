// Element-wise math: one record each (dtype rule, scalar reference written with <cmath>, kernel
// functor of codegen_templates/scalar_ops.hpp, derivative), then the public functions.
//
// Piecewise-constant ops (sign, floor, ceil, round, trunc, floor_div) return explicit zeros, as
// PyTensor's zeros_like: the cost stays connected to their inputs, so grad() gives zeros instead
// of a "does not depend on" error. Ops with bool or integer results (comparisons, isnan, logic)
// need no pullback: grad() stops at non-float values.
#include "compiler/ops/elemwise.hpp"

#include "compiler/ops/op_def.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>

namespace tensorjit {

namespace {

constexpr double kPi = 3.141592653589793238463;
constexpr double kLn2 = 0.693147180559945309417;
constexpr double kLn10 = 2.302585092994045684018;
constexpr double kTwoOverSqrtPi = 1.128379167095512573896;
constexpr double kSqrtPiOverTwo = 0.886226925452758013649;

Var in(const Node& n, int i) { return Var(n.inputs[i]); }

// A zero gradient with x's shape and dtype (PyTensor's zeros_like).
Var zero_grad(const Var& x) {
    return Var(
        make_node(OpKind::Fill, {x.node(), make_constant(Array::full(x.dtype(), Dims{}, 0))}));
}

// g where mask holds, 0 elsewhere (a select, not a product: an infinite g stays out of the rest).
Var masked(const Var& mask, const Var& g) { return where(mask, g, 0); }

// digamma(x) = d/dx gammaln(x), from element-wise ops so that it is differentiable in turn:
// reflection psi(x) = psi(1 - x) - pi / tan(pi x) below 1/2, recurrence
// psi(z) = psi(z + 6) - sum_k 1 / (z + k), and the asymptotic series at w = z + 6 >= 6.5
// (ln w - 1/(2w) - sum B_2n / (2n w^2n), truncated after w^-12: error < 1e-12).
Var digamma(const Var& x) {
    Var reflect = x < 0.5;
    // Each branch sees an argument inside its domain, so the unused one stays finite.
    Var z = where(reflect, 1 - x, x);
    Var shift = reciprocal(z);
    for (int k = 1; k < 6; ++k) shift = shift + reciprocal(z + k);
    Var w = z + 6;
    Var u = reciprocal(w * w);
    Var tail =
        u * (1.0 / 12 -
             u * (1.0 / 120 -
                  u * (1.0 / 252 - u * (1.0 / 240 - u * (1.0 / 132 - u * (691.0 / 32760))))));
    Var psi_z = log(w) - 0.5 / w - tail - shift;
    return where(reflect, psi_z - kPi / tan(kPi * x), psi_z);
}

// ---- scalar references (independent of the kernel templates) --------------------------------

template <class T> constexpr bool kIsFloat = std::is_floating_point_v<T>;
template <class T> constexpr bool kIsInt = std::is_integral_v<T> && !std::is_same_v<T, bool>;

template <class T> bool ref_isnan(T a) {
    if constexpr (kIsFloat<T>) return std::isnan(a);
    return false;
}
template <class T> bool ref_isinf(T a) {
    if constexpr (kIsFloat<T>) return std::isinf(a);
    return false;
}

// NumPy: NaN stays NaN, -0 gives +0.
template <class T> T ref_sign(T a) {
    if constexpr (kIsFloat<T>) {
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
    if constexpr (kIsInt<T>)
        return static_cast<T>(static_cast<std::uint64_t>(a) * static_cast<std::uint64_t>(a));
    else
        return static_cast<T>(a * a);
}

// Integers: 1 / a truncated, and 0 for a == 0 (NumPy's result there is undefined).
template <class T> T ref_reciprocal(T a) {
    if constexpr (kIsFloat<T>) {
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
    if constexpr (kIsFloat<T>) {
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
    if constexpr (kIsFloat<T>) {
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
    } else if constexpr (kIsInt<T>) {
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
    if constexpr (kIsFloat<T>) {
        if (std::isnan(y) || y < -1 || y > 1) return std::numeric_limits<T>::quiet_NaN();
        if (y == 1 || y == -1) return std::copysign(std::numeric_limits<T>::infinity(), y);
        if (y == 0) return y;
        const long double a = std::fabs(static_cast<long double>(y));
        const long double k = 0.147L, pi = kPi;
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
    else if constexpr (kIsInt<T>)
        return static_cast<T>(a & b);
    else
        return T(0);
}
template <class T> T ref_or(T a, T b) {
    if constexpr (std::is_same_v<T, bool>)
        return a || b;
    else if constexpr (kIsInt<T>)
        return static_cast<T>(a | b);
    else
        return T(0);
}
template <class T> T ref_xor(T a, T b) {
    if constexpr (std::is_same_v<T, bool>)
        return a != b;
    else if constexpr (kIsInt<T>)
        return static_cast<T>(a ^ b);
    else
        return T(0);
}
template <class T> T ref_invert(T a) {
    if constexpr (std::is_same_v<T, bool>)
        return !a;
    else if constexpr (kIsInt<T>)
        return static_cast<T>(~a);
    else
        return T(0);
}

} // namespace

// ---- records ----------------------------------------------------------------------------------

// d/dx sign(x) = 0 almost everywhere
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Sign, 1, DtypeRule::NoBool, "tj_sign"},
                                      [](auto a, auto) { return ref_sign(a); }),
                         [](const Node& n, const Var&, const Var&) -> std::vector<Var> {
                             return {zero_grad(in(n, 0))};
                         }));

// d/dx x^2 = 2x
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Sqr, 1, DtypeRule::BoolAsInt8, "tj_sqr"},
                                      [](auto a, auto) { return ref_sqr(a); }),
                         [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
                             return {g * 2 * in(n, 0)};
                         }));

// d/dx sqrt(x) = 1 / (2 sqrt(x))
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Sqrt, 1, DtypeRule::FloatMath, "tj_sqrt"},
                                      [](auto a, auto) { return std::sqrt(a); }),
                         [](const Node&, const Var& out, const Var& g) -> std::vector<Var> {
                             return {g * 0.5 / out};
                         }));

// d/dx 1/x = -1/x^2
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Reciprocal, 1, DtypeRule::BoolAsInt8,
                                       "tj_reciprocal"},
                                      [](auto a, auto) { return ref_reciprocal(a); }),
                         [](const Node&, const Var& out, const Var& g) -> std::vector<Var> {
                             return {-g * out * out};
                         }));

// d max(a, b) = (1, 0) where a is the result (ties included), else (0, 1) (PyTensor)
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Maximum, 2, DtypeRule::Arith, "tj_maximum"},
                                      [](auto a, auto b) { return ref_maximum(a, b); }),
                         [](const Node& n, const Var& out, const Var& g) -> std::vector<Var> {
                             Var a = in(n, 0), b = in(n, 1), first = eq(out, a);
                             return {sum_to(masked(first, g), a), sum_to(masked(~first, g), b)};
                         }));

// d min(a, b) = (1, 0) where a is the result (ties included), else (0, 1)
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Minimum, 2, DtypeRule::Arith, "tj_minimum"},
                                      [](auto a, auto b) { return ref_minimum(a, b); }),
                         [](const Node& n, const Var& out, const Var& g) -> std::vector<Var> {
                             Var a = in(n, 0), b = in(n, 1), first = eq(out, a);
                             return {sum_to(masked(first, g), a), sum_to(masked(~first, g), b)};
                         }));

// clip(x, lo, hi) = minimum(maximum(x, lo), hi) (NumPy: hi wins where lo > hi).
// d clip = (1, 0, 0) where lo <= x <= hi, (0, 1, 0) where x < lo <= hi, (0, 0, 1) where x > hi or
// lo > hi
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Clip, 3, DtypeRule::Arith, "tj_clip"},
                                      [](auto x, auto lo, auto hi) {
                                          return ref_minimum(ref_maximum(x, lo), hi);
                                      }),
                         [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
                             Var x = in(n, 0), lo = in(n, 1), hi = in(n, 2);
                             Var inside = (lo <= x) & (x <= hi);
                             Var below = (x < lo) & (lo <= hi);
                             Var above = (x > hi) | (lo > hi);
                             return {sum_to(masked(inside, g), x), sum_to(masked(below, g), lo),
                                     sum_to(masked(above, g), hi)};
                         }));

// d/dx 2^x = 2^x ln 2
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Exp2, 1, DtypeRule::FloatMath, "tj_exp2"},
                                      [](auto a, auto) { return std::exp2(a); }),
                         [](const Node&, const Var& out, const Var& g) -> std::vector<Var> {
                             return {g * out * kLn2};
                         }));

// d/dx expm1(x) = exp(x) = expm1(x) + 1
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Expm1, 1, DtypeRule::FloatMath, "tj_expm1"},
                                      [](auto a, auto) { return std::expm1(a); }),
                         [](const Node&, const Var& out, const Var& g) -> std::vector<Var> {
                             return {g * (out + 1)};
                         }));

// d/dx log2(x) = 1 / (x ln 2)
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Log2, 1, DtypeRule::FloatMath, "tj_log2"},
                                      [](auto a, auto) { return std::log2(a); }),
                         [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
                             return {g / (in(n, 0) * kLn2)};
                         }));

// d/dx log10(x) = 1 / (x ln 10)
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Log10, 1, DtypeRule::FloatMath, "tj_log10"},
                                      [](auto a, auto) { return std::log10(a); }),
                         [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
                             return {g / (in(n, 0) * kLn10)};
                         }));

// d/dx sin(x) = cos(x)
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Sin, 1, DtypeRule::FloatMath, "tj_sin"},
                                      [](auto a, auto) { return std::sin(a); }),
                         [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
                             return {g * cos(in(n, 0))};
                         }));

// d/dx cos(x) = -sin(x)
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Cos, 1, DtypeRule::FloatMath, "tj_cos"},
                                      [](auto a, auto) { return std::cos(a); }),
                         [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
                             return {-g * sin(in(n, 0))};
                         }));

// d/dx tan(x) = 1 + tan(x)^2
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Tan, 1, DtypeRule::FloatMath, "tj_tan"},
                                      [](auto a, auto) { return std::tan(a); }),
                         [](const Node&, const Var& out, const Var& g) -> std::vector<Var> {
                             return {g * (1 + out * out)};
                         }));

// d/dx arcsin(x) = 1 / sqrt(1 - x^2)
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Arcsin, 1, DtypeRule::FloatMath, "tj_arcsin"},
                                      [](auto a, auto) { return std::asin(a); }),
                         [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
                             Var x = in(n, 0);
                             return {g / sqrt(1 - x * x)};
                         }));

// d/dx arccos(x) = -1 / sqrt(1 - x^2)
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Arccos, 1, DtypeRule::FloatMath, "tj_arccos"},
                                      [](auto a, auto) { return std::acos(a); }),
                         [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
                             Var x = in(n, 0);
                             return {-g / sqrt(1 - x * x)};
                         }));

// d/dx arctan(x) = 1 / (1 + x^2)
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Arctan, 1, DtypeRule::FloatMath, "tj_arctan"},
                                      [](auto a, auto) { return std::atan(a); }),
                         [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
                             Var x = in(n, 0);
                             return {g / (1 + x * x)};
                         }));

// d arctan2(y, x) = (x, -y) / (x^2 + y^2)
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Arctan2, 2, DtypeRule::FloatMath, "tj_arctan2"},
                                      [](auto y, auto x) { return std::atan2(y, x); }),
                         [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
                             Var y = in(n, 0), x = in(n, 1), r2 = x * x + y * y;
                             return {sum_to(g * x / r2, y), sum_to(-g * y / r2, x)};
                         }));

// d/dx sinh(x) = cosh(x)
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Sinh, 1, DtypeRule::FloatMath, "tj_sinh"},
                                      [](auto a, auto) { return std::sinh(a); }),
                         [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
                             return {g * cosh(in(n, 0))};
                         }));

// d/dx cosh(x) = sinh(x)
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Cosh, 1, DtypeRule::FloatMath, "tj_cosh"},
                                      [](auto a, auto) { return std::cosh(a); }),
                         [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
                             return {g * sinh(in(n, 0))};
                         }));

// d/dx arcsinh(x) = 1 / sqrt(x^2 + 1)
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Arcsinh, 1, DtypeRule::FloatMath, "tj_arcsinh"},
                                      [](auto a, auto) { return std::asinh(a); }),
                         [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
                             Var x = in(n, 0);
                             return {g / sqrt(x * x + 1)};
                         }));

// d/dx arccosh(x) = 1 / sqrt(x^2 - 1)
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Arccosh, 1, DtypeRule::FloatMath, "tj_arccosh"},
                                      [](auto a, auto) { return std::acosh(a); }),
                         [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
                             Var x = in(n, 0);
                             return {g / sqrt(x * x - 1)};
                         }));

// d/dx arctanh(x) = 1 / (1 - x^2)
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Arctanh, 1, DtypeRule::FloatMath, "tj_arctanh"},
                                      [](auto a, auto) { return std::atanh(a); }),
                         [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
                             Var x = in(n, 0);
                             return {g / (1 - x * x)};
                         }));

// d/dx erf(x) = 2/sqrt(pi) exp(-x^2)
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Erf, 1, DtypeRule::FloatMath, "tj_erf"},
                                      [](auto a, auto) { return std::erf(a); }),
                         [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
                             Var x = in(n, 0);
                             return {g * kTwoOverSqrtPi * exp(-(x * x))};
                         }));

// d/dx erfc(x) = -2/sqrt(pi) exp(-x^2)
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Erfc, 1, DtypeRule::FloatMath, "tj_erfc"},
                                      [](auto a, auto) { return std::erfc(a); }),
                         [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
                             Var x = in(n, 0);
                             return {-g * kTwoOverSqrtPi * exp(-(x * x))};
                         }));

// d/dx erfinv(x) = sqrt(pi)/2 exp(erfinv(x)^2)
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Erfinv, 1, DtypeRule::FloatMath, "tj_erfinv"},
                                      [](auto a, auto) { return ref_erfinv(a); }),
                         [](const Node&, const Var& out, const Var& g) -> std::vector<Var> {
                             return {g * kSqrtPiOverTwo * exp(out * out)};
                         }));

// d/dx gammaln(x) = digamma(x)
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Gammaln, 1, DtypeRule::FloatMath, "tj_gammaln"},
                                      [](auto a, auto) { return std::lgamma(a); }),
                         [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
                             return {g * digamma(in(n, 0))};
                         }));

// d/dx floor(x) = 0 almost everywhere
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Floor, 1, DtypeRule::FloatMath, "tj_floor"},
                                      [](auto a, auto) { return std::floor(a); }),
                         [](const Node& n, const Var&, const Var&) -> std::vector<Var> {
                             return {zero_grad(in(n, 0))};
                         }));

// d/dx ceil(x) = 0 almost everywhere
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Ceil, 1, DtypeRule::FloatMath, "tj_ceil"},
                                      [](auto a, auto) { return std::ceil(a); }),
                         [](const Node& n, const Var&, const Var&) -> std::vector<Var> {
                             return {zero_grad(in(n, 0))};
                         }));

// Round half to even; integers are unchanged (NumPy's round). d/dx round(x) = 0 almost everywhere
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Round, 1, DtypeRule::IntOrFloat, "tj_round"},
                                      [](auto a, auto) { return ref_round(a); }),
                         [](const Node& n, const Var&, const Var&) -> std::vector<Var> {
                             return {zero_grad(in(n, 0))};
                         }));

// d/dx trunc(x) = 0 almost everywhere
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Trunc, 1, DtypeRule::FloatMath, "tj_trunc"},
                                      [](auto a, auto) { return std::trunc(a); }),
                         [](const Node& n, const Var&, const Var&) -> std::vector<Var> {
                             return {zero_grad(in(n, 0))};
                         }));

// Predicates and comparisons: bool results, no gradient flows.
TJ_REGISTER_OP(elemwise_def({OpKind::IsNan, 1, DtypeRule::Compare, "tj_isnan"},
                            [](auto a, auto) { return ref_isnan(a); }));
TJ_REGISTER_OP(elemwise_def({OpKind::IsInf, 1, DtypeRule::Compare, "tj_isinf"},
                            [](auto a, auto) { return ref_isinf(a); }));
TJ_REGISTER_OP(elemwise_def({OpKind::Eq, 2, DtypeRule::Compare, "tj_eq"},
                            [](auto a, auto b) { return a == b; }));
TJ_REGISTER_OP(elemwise_def({OpKind::Neq, 2, DtypeRule::Compare, "tj_neq"},
                            [](auto a, auto b) { return a != b; }));

// a // b. d floor(a / b) = (0, 0) almost everywhere
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::FloorDiv, 2, DtypeRule::BoolAsInt8, "tj_floor_div"},
                                      [](auto a, auto b) { return ref_divmod(a, b).first; }),
                         [](const Node& n, const Var&, const Var&) -> std::vector<Var> {
                             return {zero_grad(in(n, 0)), zero_grad(in(n, 1))};
                         }));

// a % b = a - b floor(a / b). d(a % b) = (1, -floor(a / b))
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Mod, 2, DtypeRule::BoolAsInt8, "tj_mod"},
                                      [](auto a, auto b) { return ref_divmod(a, b).second; }),
                         [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
                             Var a = in(n, 0), b = in(n, 1);
                             return {sum_to(g, a), sum_to(-g * floor_div(a, b), b)};
                         }));

// Logic on bool, bits on integers: integer or bool results, no gradient flows.
TJ_REGISTER_OP(elemwise_def({OpKind::And, 2, DtypeRule::Bitwise, "tj_and"},
                            [](auto a, auto b) { return ref_and(a, b); }));
TJ_REGISTER_OP(elemwise_def({OpKind::Or, 2, DtypeRule::Bitwise, "tj_or"},
                            [](auto a, auto b) { return ref_or(a, b); }));
TJ_REGISTER_OP(elemwise_def({OpKind::Xor, 2, DtypeRule::Bitwise, "tj_xor"},
                            [](auto a, auto b) { return ref_xor(a, b); }));
TJ_REGISTER_OP(elemwise_def({OpKind::Invert, 1, DtypeRule::Bitwise, "tj_invert"},
                            [](auto a, auto) { return ref_invert(a); }));

// where(c, a, b) (PyTensor's switch): the reference sees c as 0 or 1 in the values' type.
// d where(c, a, b) = (none, c, !c)
TJ_REGISTER_OP(
    with_grad(elemwise_def({OpKind::Where, 3, DtypeRule::Where, "tj_where"},
                           [](auto c, auto a, auto b) { return c != 0 ? a : b; }),
              [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
                  Var c = in(n, 0);
                  return {Var(), sum_to(masked(c, g), in(n, 1)), sum_to(masked(~c, g), in(n, 2))};
              }));

// ---- public functions -------------------------------------------------------------------------

namespace {
Var apply(OpKind k, std::vector<Var> in) {
    std::vector<NodePtr> nodes;
    for (const auto& v : in) {
        TJ_CHECK(v.defined(), ValueError) << op_name(k) << ": undefined variable";
        nodes.push_back(v.node());
    }
    return Var(make_node(k, std::move(nodes)));
}
} // namespace

Var sign(const Var& x) { return apply(OpKind::Sign, {x}); }
Var sqr(const Var& x) { return apply(OpKind::Sqr, {x}); }
Var sqrt(const Var& x) { return apply(OpKind::Sqrt, {x}); }
Var reciprocal(const Var& x) { return apply(OpKind::Reciprocal, {x}); }
Var maximum(const Var& a, const Var& b) { return apply(OpKind::Maximum, {a, b}); }
Var minimum(const Var& a, const Var& b) { return apply(OpKind::Minimum, {a, b}); }
Var clip(const Var& x, const Var& lo, const Var& hi) { return apply(OpKind::Clip, {x, lo, hi}); }
Var exp2(const Var& x) { return apply(OpKind::Exp2, {x}); }
Var expm1(const Var& x) { return apply(OpKind::Expm1, {x}); }
Var log2(const Var& x) { return apply(OpKind::Log2, {x}); }
Var log10(const Var& x) { return apply(OpKind::Log10, {x}); }
Var sin(const Var& x) { return apply(OpKind::Sin, {x}); }
Var cos(const Var& x) { return apply(OpKind::Cos, {x}); }
Var tan(const Var& x) { return apply(OpKind::Tan, {x}); }
Var arcsin(const Var& x) { return apply(OpKind::Arcsin, {x}); }
Var arccos(const Var& x) { return apply(OpKind::Arccos, {x}); }
Var arctan(const Var& x) { return apply(OpKind::Arctan, {x}); }
Var arctan2(const Var& y, const Var& x) { return apply(OpKind::Arctan2, {y, x}); }
Var sinh(const Var& x) { return apply(OpKind::Sinh, {x}); }
Var cosh(const Var& x) { return apply(OpKind::Cosh, {x}); }
Var arcsinh(const Var& x) { return apply(OpKind::Arcsinh, {x}); }
Var arccosh(const Var& x) { return apply(OpKind::Arccosh, {x}); }
Var arctanh(const Var& x) { return apply(OpKind::Arctanh, {x}); }
Var erf(const Var& x) { return apply(OpKind::Erf, {x}); }
Var erfc(const Var& x) { return apply(OpKind::Erfc, {x}); }
Var erfinv(const Var& x) { return apply(OpKind::Erfinv, {x}); }
Var gammaln(const Var& x) { return apply(OpKind::Gammaln, {x}); }
Var floor(const Var& x) { return apply(OpKind::Floor, {x}); }
Var ceil(const Var& x) { return apply(OpKind::Ceil, {x}); }
Var round(const Var& x) { return apply(OpKind::Round, {x}); }
Var trunc(const Var& x) { return apply(OpKind::Trunc, {x}); }
Var isnan(const Var& x) { return apply(OpKind::IsNan, {x}); }
Var isinf(const Var& x) { return apply(OpKind::IsInf, {x}); }
Var floor_div(const Var& a, const Var& b) { return apply(OpKind::FloorDiv, {a, b}); }
Var mod(const Var& a, const Var& b) { return apply(OpKind::Mod, {a, b}); }
Var operator%(const Var& a, const Var& b) { return apply(OpKind::Mod, {a, b}); }
Var eq(const Var& a, const Var& b) { return apply(OpKind::Eq, {a, b}); }
Var neq(const Var& a, const Var& b) { return apply(OpKind::Neq, {a, b}); }
Var and_(const Var& a, const Var& b) { return apply(OpKind::And, {a, b}); }
Var or_(const Var& a, const Var& b) { return apply(OpKind::Or, {a, b}); }
Var xor_(const Var& a, const Var& b) { return apply(OpKind::Xor, {a, b}); }
Var invert(const Var& x) { return apply(OpKind::Invert, {x}); }
Var operator&(const Var& a, const Var& b) { return apply(OpKind::And, {a, b}); }
Var operator|(const Var& a, const Var& b) { return apply(OpKind::Or, {a, b}); }
Var operator^(const Var& a, const Var& b) { return apply(OpKind::Xor, {a, b}); }
Var operator~(const Var& x) { return apply(OpKind::Invert, {x}); }
Var where(const Var& cond, const Var& a, const Var& b) {
    return apply(OpKind::Where, {cond, a, b});
}

Var Var::astype(DType dtype) const { return cast(*this, dtype); }

} // namespace tensorjit
