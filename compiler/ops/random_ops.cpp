// Random variables: RandomDraw (one draw of a distribution per call, through the runtime's
// tj_rng_* routines) and RandomNextState (the generator state after it), their type rules,
// parameter checks (constants when the graph is built, the rest in the kernel), reference
// evaluations and kernel code. RandomStream (random_stream.cpp) creates them.
#include "compiler/ops/random_ops.hpp"
#include "runtime/kernel_errors.hpp"

#include "compiler/ops/emit_context.hpp"
#include "compiler/ops/op_def.hpp"

#include <tensorjit/checked.hpp>
#include <tensorjit/generator.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <mutex>
#include <optional>
#include <sstream>

namespace tensorjit {

namespace {

using u64 = unsigned long long;

// NumPy's POISSON_LAM_MAX, computed as runtime/generator.cpp does.
const double kPoissonLamMax =
    static_cast<double>(std::numeric_limits<std::int64_t>::max()) -
    std::sqrt(static_cast<double>(std::numeric_limits<std::int64_t>::max())) * 10;

// ---- attributes -------------------------------------------------------------------------------
// attrs.ints = {distribution, has_size, flags, size...}; attrs.dtype = the output dtype.

RandomDist dist_of(const Attrs& a) { return static_cast<RandomDist>(a.ints.at(0)); }
bool has_size(const Attrs& a) { return a.ints.at(1) != 0; }
std::int64_t flags_of(const Attrs& a) { return a.ints.at(2); }
Dims size_of(const Attrs& a) {
    Dims d;
    for (std::size_t i = 3; i < a.ints.size(); ++i) d.push_back(a.ints[i]);
    return d;
}

// ---- parameters and their domains -------------------------------------------------------------

struct ParamInfo {
    const char* name;
    bool integer; // int64 (else float64)
};

// The parameters of the element-wise distributions (choice and permutation have their own).
std::vector<ParamInfo> params_of(RandomDist d) {
    switch (d) {
    case RandomDist::Uniform:
        return {{"low", false}, {"high", false}};
    case RandomDist::Normal:
        return {{"loc", false}, {"scale", false}};
    case RandomDist::Integers:
        return {{"low", true}, {"high", true}};
    case RandomDist::Bernoulli:
        return {{"p", false}};
    case RandomDist::Binomial:
        return {{"n", true}, {"p", false}};
    case RandomDist::Poisson:
        return {{"lam", false}};
    case RandomDist::Exponential:
        return {{"scale", false}};
    case RandomDist::Gamma:
        return {{"shape", false}, {"scale", false}};
    case RandomDist::Beta:
        return {{"a", false}, {"b", false}};
    case RandomDist::Choice:
        return {{"a", false}, {"p", false}};
    case RandomDist::Permutation:
        return {{"x", false}};
    }
    return {};
}

bool is_elementwise_dist(RandomDist d) {
    return d != RandomDist::Choice && d != RandomDist::Permutation;
}

// One parameter's domain: `v` must satisfy it, else the error `code`. The same test exists as C++
// (constants, reference) and as kernel code.
enum class Domain { NonNegative, Positive, Probability, AtMost, IntAtLeast, IntAtMost };

struct Check {
    int param;
    Domain domain;
    int code;
    double bound = 0;     // AtMost
    long long ibound = 0; // IntAtLeast / IntAtMost
};

// The smallest and largest value of an integer (or bool) dtype, clamped to int64.
std::pair<long long, long long> int_range(DType t) {
    long long lo = 0, hi = 0;
    visit_dtype(t, [&](auto v) {
        using T = decltype(v);
        if constexpr (std::is_same_v<T, bool>) {
            lo = 0;
            hi = 1;
        } else if constexpr (std::is_integral_v<T>) {
            lo = static_cast<long long>(std::numeric_limits<T>::min());
            hi = std::numeric_limits<T>::max() >
                         static_cast<std::uint64_t>(std::numeric_limits<long long>::max())
                     ? std::numeric_limits<long long>::max()
                     : static_cast<long long>(std::numeric_limits<T>::max());
        }
    });
    return {lo, hi};
}

// Single-parameter checks in NumPy's order (integers: the bounds of the dtype, as NumPy checks
// them before low < high).
std::vector<Check> checks_of(RandomDist d, DType out) {
    switch (d) {
    case RandomDist::Normal:
        return {{1, Domain::NonNegative, TJ_RNG_E_NORMAL_SCALE}};
    case RandomDist::Exponential:
        return {{0, Domain::NonNegative, TJ_RNG_E_EXPONENTIAL_SCALE}};
    case RandomDist::Gamma:
        return {{0, Domain::NonNegative, TJ_RNG_E_GAMMA_SHAPE},
                {1, Domain::NonNegative, TJ_RNG_E_GAMMA_SCALE}};
    case RandomDist::Beta:
        return {{0, Domain::Positive, TJ_RNG_E_BETA_A}, {1, Domain::Positive, TJ_RNG_E_BETA_B}};
    case RandomDist::Binomial:
        return {{0, Domain::IntAtLeast, TJ_RNG_E_BINOMIAL_N, 0, 0},
                {1, Domain::Probability, TJ_RNG_E_BINOMIAL_P}};
    case RandomDist::Bernoulli:
        return {{0, Domain::Probability, TJ_RNG_E_BERNOULLI_P}};
    case RandomDist::Poisson:
        return {{0, Domain::NonNegative, TJ_RNG_E_POISSON_LAM},
                {0, Domain::AtMost, TJ_RNG_E_POISSON_LAM_MAX, kPoissonLamMax}};
    case RandomDist::Integers: {
        std::vector<Check> c;
        auto [lo, hi] = int_range(out);
        if (lo > std::numeric_limits<long long>::min())
            c.push_back({0, Domain::IntAtLeast, TJ_RNG_E_INTEGERS_LOW, 0, lo});
        // high is exclusive: it may be one past the largest value.
        if (hi < std::numeric_limits<long long>::max())
            c.push_back({1, Domain::IntAtMost, TJ_RNG_E_INTEGERS_HIGH, 0, hi + 1});
        return c;
    }
    default:
        return {};
    }
}

bool passes(const Check& c, double v) {
    switch (c.domain) {
    case Domain::NonNegative:
        return v >= 0;
    case Domain::Positive:
        return v > 0;
    case Domain::Probability:
        return v >= 0 && v <= 1;
    case Domain::AtMost:
        return v <= c.bound;
    default:
        return true;
    }
}

bool passes(const Check& c, long long v) {
    switch (c.domain) {
    case Domain::IntAtLeast:
        return v >= c.ibound;
    case Domain::IntAtMost:
        return v <= c.ibound;
    default:
        return true;
    }
}

// The kernel's test of `v` (a C expression).
std::string check_expr(const Check& c) {
    switch (c.domain) {
    case Domain::NonNegative:
        return "v >= 0";
    case Domain::Positive:
        return "v > 0";
    case Domain::Probability:
        return "v >= 0 && v <= 1";
    case Domain::AtMost:
        return "v <= " + EmitContext::literal(DType::Float64, c.bound);
    case Domain::IntAtLeast:
        return "v >= " + EmitContext::literal(DType::Int64, static_cast<double>(c.ibound));
    case Domain::IntAtMost:
        return "v <= " + EmitContext::literal(DType::Int64, static_cast<double>(c.ibound));
    }
    return "1";
}

long long double_bits(double v) { return std::bit_cast<long long>(v); }

[[noreturn]] void throw_param_error(int code, long long value) {
    TJ_THROW(ValueError) << kernel_error_text(code, value);
}

// Checks every element of a float64/int64 array against c (ValueError for the first failure).
void check_values(const Check& c, const Array& values) {
    const Array v = values.copy();
    if (v.dtype() == DType::Int64) {
        const auto* p = static_cast<const std::int64_t*>(v.raw_data());
        for (std::int64_t i = 0; i < v.size(); ++i)
            if (!passes(c, static_cast<long long>(p[i]))) throw_param_error(c.code, p[i]);
        return;
    }
    const auto* p = static_cast<const double*>(v.raw_data());
    for (std::int64_t i = 0; i < v.size(); ++i)
        if (!passes(c, p[i])) throw_param_error(c.code, double_bits(p[i]));
}

// ---- shapes -----------------------------------------------------------------------------------

std::string shape_text(const TensorType& t) {
    Dims s = t.shape;
    std::string out = "(";
    for (int i = 0; i < s.size(); ++i)
        out += (i ? ", " : "") + (s[i] == dyn ? std::string("?") : std::to_string(s[i]));
    return out + (s.size() == 1 ? ",)" : ")");
}

// The static output shape of an element-wise distribution. With a size, every parameter must
// broadcast to it; without, the output has the parameters' broadcast shape. Broadcasting is static
// as everywhere in tensorjit: an axis broadcasts only where its static extent is 1.
Dims elementwise_shape(RandomDist dist, std::span<const NodePtr> params, const Attrs& a) {
    const char* name = random_dist_name(dist);
    const auto info = params_of(dist);
    if (has_size(a)) {
        const Dims size = size_of(a);
        for (std::size_t k = 0; k < params.size(); ++k) {
            const TensorType& t = params[k]->type;
            bool ok = t.ndim() <= size.size();
            for (int j = 0; ok && j < t.ndim(); ++j) {
                const std::int64_t e = t.shape[j], s = size[size.size() - t.ndim() + j];
                ok = e == 1 || e == dyn || e == s;
            }
            TJ_CHECK(ok, ShapeError)
                << name << ": " << info[k].name << " of shape " << shape_text(t)
                << " does not broadcast to size " << shape_str(size);
        }
        return size;
    }
    int rank = 0;
    for (const auto& p : params) rank = std::max(rank, p->type.ndim());
    Dims out;
    out.resize(rank, 1);
    for (int d = 0; d < rank; ++d) {
        std::int64_t known = -2;
        bool any_dyn = false;
        int known_param = -1;
        for (std::size_t k = 0; k < params.size(); ++k) {
            const TensorType& t = params[k]->type;
            const int j = d - (rank - t.ndim());
            if (j < 0 || t.shape[j] == 1) continue;
            if (t.shape[j] == dyn) {
                any_dyn = true;
                continue;
            }
            if (known == -2) {
                known = t.shape[j];
                known_param = static_cast<int>(k);
                continue;
            }
            TJ_CHECK(known == t.shape[j], ShapeError)
                << name << ": " << info[known_param].name << " of shape "
                << shape_text(params[known_param]->type) << " and " << info[k].name << " of shape "
                << shape_text(t) << " do not broadcast";
        }
        out[d] = known != -2 ? known : any_dyn ? dyn : 1;
    }
    return out;
}

// NumPy's tolerance on sum(p) == 1: the square root of the epsilon of p's dtype (before its cast
// to float64), at least float64's.
double choice_atol(const Attrs& a) {
    return (flags_of(a) & kChoicePFloat32)
               ? std::sqrt(double(std::numeric_limits<float>::epsilon()))
               : std::sqrt(std::numeric_limits<double>::epsilon());
}

std::optional<long long> constant_int(const NodePtr& n) {
    if (n->op != OpKind::Constant || n->type.ndim() != 0) return std::nullopt;
    return static_cast<long long>(n->value->astype(DType::Int64).item<std::int64_t>());
}

// The population of choice when it is known statically.
std::optional<long long> choice_population(const NodePtr& a) {
    if (a->type.ndim() == 0) return constant_int(a);
    if (a->type.shape[0] == dyn) return std::nullopt;
    return a->type.shape[0];
}

TensorType draw_type(std::span<const NodePtr> in, const Attrs& a) {
    const RandomDist dist = dist_of(a);
    const char* name = random_dist_name(dist);
    TJ_CHECK(in.size() >= 2, TypeError)
        << name << ": a random draw takes a generator state and parameters";
    const TensorType& st = in[0]->type;
    TJ_CHECK(st.dtype == DType::UInt64 && st.ndim() == 1 && st.shape[0] == 6, TypeError)
        << name << ": the generator state must be uint64[6], got " << st.str();
    const std::span<const NodePtr> params = in.subspan(1);
    if (dist == RandomDist::Permutation) {
        const TensorType& x = params[0]->type;
        if (x.ndim() > 0) return x;
        TJ_CHECK(is_integer(x.dtype) || is_bool(x.dtype), TypeError)
            << "permutation: x must be an integer or at least 1-dimensional, got " << x.str();
        auto n = constant_int(params[0]);
        if (n && *n < 0) throw_param_error(TJ_RNG_E_PERMUTATION_N, *n);
        return TensorType{DType::Int64, Dims{n ? *n : dyn}};
    }
    if (dist == RandomDist::Choice) {
        const TensorType& at = params[0]->type;
        Dims shape = has_size(a) ? size_of(a) : Dims{};
        TJ_CHECK(at.ndim() > 0 || is_integer(at.dtype) || is_bool(at.dtype), TypeError)
            << "choice: a must be an integer or at least 1-dimensional, got " << at.str();
        TJ_CHECK(shape.size() + std::max(at.ndim() - 1, 0) <= kMaxNdim, ShapeError)
            << "choice: the result would have more than " << kMaxNdim << " dimensions";
        for (int d = 1; d < at.ndim(); ++d) shape.push_back(at.shape[d]);
        if (params.size() > 1) {
            const TensorType& pt = params[1]->type;
            TJ_CHECK(pt.ndim() == 1, ValueError)
                << "choice: p must be 1-dimensional, got " << pt.str();
            TJ_CHECK(pt.dtype == DType::Float64, TypeError)
                << "choice: p must be float64, got " << pt.str();
            // (A population of 0 or less is reported first, by the checks of the parameters.)
            auto pop = choice_population(params[0]);
            if (pop && *pop > 0 && pt.shape[0] != dyn && pt.shape[0] != *pop)
                throw_param_error(TJ_RNG_E_CHOICE_P_SIZE, pt.shape[0]);
        }
        return TensorType{at.ndim() == 0 ? DType::Int64 : at.dtype, shape};
    }
    const auto info = params_of(dist);
    TJ_CHECK(params.size() == info.size(), TypeError)
        << name << ": takes " << info.size() << " parameters, got " << params.size();
    for (std::size_t k = 0; k < params.size(); ++k)
        TJ_CHECK(params[k]->type.dtype == (info[k].integer ? DType::Int64 : DType::Float64),
                 TypeError)
            << name << ": parameter " << info[k].name << " must be "
            << (info[k].integer ? "int64" : "float64") << ", got " << params[k]->type.str();
    return TensorType{a.dtype, elementwise_shape(dist, params, a)};
}

// ---- reference evaluation -----------------------------------------------------------------------

// NumPy broadcasting of actual shapes (for the reference; the kernel follows the static rule).
Dims broadcast_shapes(const std::vector<Array>& params, const char* name) {
    int rank = 0;
    for (const auto& p : params) rank = std::max(rank, p.ndim());
    Dims out;
    out.resize(rank, 1);
    for (const auto& p : params)
        for (int j = 0; j < p.ndim(); ++j) {
            const int d = rank - p.ndim() + j;
            const std::int64_t e = p.shape()[j];
            TJ_CHECK(e == 1 || out[d] == 1 || out[d] == e, ShapeError)
                << name << ": parameter shapes do not broadcast";
            if (e != 1) out[d] = e;
        }
    return out;
}

// Offset of the element of p (C-contiguous) read at flat output index i of shape `shape`.
std::int64_t bcast_offset(const Array& p, const Dims& shape, std::int64_t i) {
    std::int64_t off = 0, stride = 1;
    for (int d = shape.size() - 1; d >= 0; --d) {
        const std::int64_t idx = i % shape[d];
        i /= shape[d];
        const int j = d - (shape.size() - p.ndim());
        if (j >= 0) {
            if (p.shape()[j] != 1) off += idx * stride;
            stride *= p.shape()[j];
        }
    }
    return off;
}

// Draws `node`'s value from the state in[0] and parameters in[1..] with the C routines kernels
// use (same draws, same order); the advanced state is left in words.
Array reference_draw(std::span<const Array> in, const Attrs& a, DType out_dtype, u64* words) {
    const Array st = in[0].astype(DType::UInt64).copy();
    TJ_CHECK(st.size() == 6, ShapeError) << "random draw: the generator state must have 6 words";
    for (int i = 0; i < 6; ++i) words[i] = static_cast<const std::uint64_t*>(st.raw_data())[i];
    const RandomDist dist = dist_of(a);
    const char* name = random_dist_name(dist);

    if (dist == RandomDist::Choice || dist == RandomDist::Permutation) {
        Generator g{Pcg64State{}};
        std::memcpy(g.state_words(), words, sizeof(u64) * 6);
        const Array& x = in[1];
        Array out;
        if (dist == RandomDist::Permutation) {
            if (x.ndim() == 0) {
                const long long n = x.astype(DType::Int64).item<std::int64_t>();
                if (n < 0) throw_param_error(TJ_RNG_E_PERMUTATION_N, n);
                out = g.permutation(n);
            } else {
                out = g.permutation(x);
            }
        } else {
            const Dims size = has_size(a) ? size_of(a) : Dims{};
            const long long count = size.product();
            const bool replace = flags_of(a) & kChoiceReplace;
            std::optional<std::vector<double>> p;
            long long p_size = 0;
            if (in.size() > 2) {
                const Array pc = in[2].astype(DType::Float64).copy();
                const auto* pp = static_cast<const double*>(pc.raw_data());
                p.emplace(pp, pp + pc.size());
                p_size = pc.size();
            }
            const long long pop =
                x.ndim() == 0 ? static_cast<long long>(x.astype(DType::Int64).item<std::int64_t>())
                              : x.shape()[0];
            const double atol = choice_atol(a);
            long long bad = 0;
            const int code = tj_rng_choice_check(pop, x.ndim() > 0, count, replace,
                                                 p ? p->data() : nullptr, p_size, 1, atol, &bad);
            if (code) throw_param_error(code, bad);
            out = x.ndim() == 0 ? g.choice(pop, size, replace, p) : g.choice(x, size, replace, p);
        }
        std::memcpy(words, g.state_words(), sizeof(u64) * 6);
        return out.astype(out_dtype);
    }

    std::vector<Array> params;
    const auto info = params_of(dist);
    for (std::size_t k = 1; k < in.size(); ++k)
        params.push_back(in[k].astype(info[k - 1].integer ? DType::Int64 : DType::Float64).copy());
    for (const Check& c : checks_of(dist, out_dtype))
        check_values(c, params[static_cast<std::size_t>(c.param)]);
    const Dims shape = has_size(a) ? size_of(a) : broadcast_shapes(params, name);
    if (has_size(a)) {
        std::vector<Array> with_out = params;
        with_out.push_back(Array::empty(DType::Float64, shape));
        TJ_CHECK(broadcast_shapes(with_out, name) == shape, ShapeError)
            << name << ": the parameters do not broadcast to size " << shape_str(shape);
    }
    Array out = Array::empty(out_dtype, shape);
    auto fv = [&](std::size_t k, std::int64_t i) {
        return static_cast<const double*>(params[k].raw_data())[bcast_offset(params[k], shape, i)];
    };
    auto iv = [&](std::size_t k, std::int64_t i) {
        return static_cast<long long>(static_cast<const std::int64_t*>(
            params[k].raw_data())[bcast_offset(params[k], shape, i)]);
    };
    unsigned int buf = 0;
    int bcnt = 0;
    visit_dtype(out_dtype, [&](auto tv) {
        using T = decltype(tv);
        T* o = static_cast<T*>(out.raw_data());
        for (std::int64_t i = 0; i < out.size(); ++i) {
            double r = 0;
            switch (dist) {
            case RandomDist::Uniform: {
                const double lo = fv(0, i), hi = fv(1, i);
                if (!std::isfinite(hi - lo))
                    throw_param_error(TJ_RNG_E_UNIFORM_RANGE, double_bits(hi - lo));
                r = tj_rng_uniform(words, lo, hi);
                break;
            }
            case RandomDist::Normal:
                r = tj_rng_normal(words, fv(0, i), fv(1, i));
                break;
            case RandomDist::Exponential:
                r = tj_rng_exponential(words, fv(0, i));
                break;
            case RandomDist::Gamma:
                r = tj_rng_gamma(words, fv(0, i), fv(1, i));
                break;
            case RandomDist::Beta:
                r = tj_rng_beta(words, fv(0, i), fv(1, i));
                break;
            case RandomDist::Binomial:
                r = static_cast<double>(tj_rng_binomial(words, iv(0, i), fv(1, i)));
                break;
            case RandomDist::Bernoulli:
                r = tj_rng_bernoulli(words, fv(0, i));
                break;
            case RandomDist::Poisson:
                r = static_cast<double>(tj_rng_poisson(words, fv(0, i)));
                break;
            case RandomDist::Integers: {
                const long long lo = iv(0, i), hi = iv(1, i);
                if (lo >= hi) throw_param_error(TJ_RNG_E_INTEGERS_ORDER, lo);
                if constexpr (std::is_integral_v<T>) {
                    if constexpr (sizeof(T) == 8 && !std::is_same_v<T, bool>) {
                        o[i] = static_cast<T>(tj_rng_integers(words, lo, hi));
                    } else {
                        const int bits =
                            std::is_same_v<T, bool> ? 1 : static_cast<int>(sizeof(T) * 8);
                        const auto rng =
                            static_cast<unsigned int>(static_cast<unsigned long long>(hi - lo - 1));
                        o[i] = static_cast<T>(lo + static_cast<long long>(tj_rng_bounded_uint(
                                                       words, rng, bits, &buf, &bcnt)));
                    }
                }
                continue;
            }
            default:
                TJ_THROW(InternalError) << "random draw: unknown distribution";
            }
            o[i] = static_cast<T>(r);
        }
    });
    return out;
}

// The checks of two constant parameters together (uniform's range, integers' low < high), element
// by element over their broadcast.
void check_pairs(RandomDist dist, const Array& a, const Array& b) {
    if (dist != RandomDist::Uniform && dist != RandomDist::Integers) return;
    const std::vector<Array> ab{a.copy(), b.copy()};
    const Dims shape = broadcast_shapes(ab, random_dist_name(dist));
    for (std::int64_t i = 0; i < shape.product(); ++i) {
        const std::int64_t ia = bcast_offset(ab[0], shape, i), ib = bcast_offset(ab[1], shape, i);
        if (dist == RandomDist::Uniform) {
            const double range = static_cast<const double*>(ab[1].raw_data())[ib] -
                                 static_cast<const double*>(ab[0].raw_data())[ia];
            if (!std::isfinite(range))
                throw_param_error(TJ_RNG_E_UNIFORM_RANGE, double_bits(range));
            continue;
        }
        const std::int64_t lo = static_cast<const std::int64_t*>(ab[0].raw_data())[ia];
        const std::int64_t hi = static_cast<const std::int64_t*>(ab[1].raw_data())[ib];
        if (lo >= hi) throw_param_error(TJ_RNG_E_INTEGERS_ORDER, lo);
    }
}

Array state_array(const u64* words) { return Array(std::vector<std::uint64_t>(words, words + 6)); }

// ---- kernel code ------------------------------------------------------------------------------

std::string rs_name(EmitContext& e, const Node& draw) { return "rs" + std::to_string(e.id(&draw)); }

// Declares the draw's state words at the entry point's top level (visible to the later blocks
// of RandomNextState) and loads them.
void emit_state_in(EmitContext& e, const Node& n) {
    e.require_template("random.h");
    e.require_template("random_kernels.hpp");
    auto& os = e.out();
    os << "  unsigned long long " << rs_name(e, n) << "[6];\n";
    os << "  { /* " << describe(n) << " */\n";
    os << "    tj_rnd_load_state(" << rs_name(e, n) << ", " << e.arr(n.inputs[0].get()) << ");\n";
}

// The kernel's call that draws one value from v0, v1 (parameters at the current element).
std::string draw_call(RandomDist d, DType out, const std::string& rs) {
    switch (d) {
    case RandomDist::Uniform:
        return "tj_rng_uniform(" + rs + ", v0, v1)";
    case RandomDist::Normal:
        return "tj_rng_normal(" + rs + ", v0, v1)";
    case RandomDist::Exponential:
        return "tj_rng_exponential(" + rs + ", v0)";
    case RandomDist::Gamma:
        return "tj_rng_gamma(" + rs + ", v0, v1)";
    case RandomDist::Beta:
        return "tj_rng_beta(" + rs + ", v0, v1)";
    case RandomDist::Binomial:
        return "tj_rng_binomial(" + rs + ", v0, v1)";
    case RandomDist::Bernoulli:
        return "tj_rng_bernoulli(" + rs + ", v0)";
    case RandomDist::Poisson:
        return "tj_rng_poisson(" + rs + ", v0)";
    case RandomDist::Integers: {
        if (dtype_size(out) == 8) return "tj_rng_integers(" + rs + ", v0, v1)";
        const int bits = out == DType::Bool ? 1 : static_cast<int>(dtype_size(out) * 8);
        return "v0 + (long long)tj_rng_bounded_uint(" + rs +
               ", (unsigned int)(unsigned long long)(v1 - v0 - 1), " + std::to_string(bits) +
               ", &buf, &bcnt)";
    }
    default:
        break;
    }
    TJ_THROW(InternalError) << "random draw: no kernel call for " << random_dist_name(d);
}

void emit_elementwise_draw(EmitContext& e, const Node& n) {
    auto& os = e.out();
    const RandomDist dist = dist_of(n.attrs);
    const int id = e.id(&n), slot = e.slot(&n), R = n.type.ndim();
    const std::string rs = rs_name(e, n);
    const std::string t = EmitContext::ctype(n.type.dtype);
    const auto info = params_of(dist);
    const int K = static_cast<int>(n.inputs.size()) - 1;
    emit_state_in(e, n);
    std::vector<const Node*> p;
    for (int k = 0; k < K; ++k) {
        p.push_back(n.inputs[k + 1].get());
        os << "    const tj_arr* a" << k << " = " << e.arr(p[k]) << ";\n";
    }
    auto shape_error = [&](int k) {
        return "return tj_rt_shape_error(f, " + std::to_string(id) + ", " + std::to_string(R) +
               ", osh, " + std::to_string(p[k]->type.ndim()) + ", a" + std::to_string(k) +
               "->shape);";
    };
    // Output extents, and the run-time extents of parameters that static shapes left open.
    os << "    long long osh[" << std::max(1, R) << "] = {0};\n";
    if (has_size(n.attrs)) {
        for (int d = 0; d < R; ++d) os << "    osh[" << d << "] = " << n.type.shape[d] << ";\n";
        for (int k = 0; k < K; ++k)
            for (int j = 0; j < p[k]->type.ndim(); ++j)
                if (p[k]->type.shape[j] == dyn)
                    os << "    if (a" << k << "->shape[" << j << "] != osh["
                       << R - p[k]->type.ndim() + j << "]) " << shape_error(k) << "\n";
    } else {
        for (int d = 0; d < R; ++d) {
            int first = -1;
            for (int k = 0; k < K; ++k) {
                const int j = d - (R - p[k]->type.ndim());
                if (j < 0 || p[k]->type.shape[j] == 1) continue;
                const std::string ext =
                    "a" + std::to_string(k) + "->shape[" + std::to_string(j) + "]";
                if (first < 0) {
                    first = k;
                    os << "    osh[" << d << "] = " << ext << ";\n";
                } else {
                    os << "    if (" << ext << " != osh[" << d << "]) " << shape_error(k) << "\n";
                }
            }
            if (first < 0) os << "    osh[" << d << "] = 1;\n";
        }
    }
    // Parameter domains, each element of each parameter once, before any draw (as NumPy).
    for (const Check& c : checks_of(dist, n.type.dtype)) {
        const std::string pt = info[c.param].integer ? "long long" : "double";
        const std::string bits = info[c.param].integer ? "bad" : "tj_rnd_bits(bad)";
        os << "    { " << pt << " bad = 0; if (tj_rnd_find_bad<" << pt << ">(a" << c.param << ", "
           << p[c.param]->type.ndim() << ", [](" << pt << " v) { return " << check_expr(c)
           << "; }, &bad)) return tj_rt_value_error(f, " << id << ", " << c.code << ", " << bits
           << "); }\n";
    }
    os << "    " << t << "* o = (" << t << "*)tj_rt_alloc(f, " << slot << ", " << R
       << ", osh);\n    if (!o) return 1;\n";
    os << "    const long long n = tj_prod(" << R << ", osh);\n";
    // Checks of two parameters together, at each element before its draw.
    std::string pair_check;
    if (dist == RandomDist::Uniform)
        pair_check = "if (!__builtin_isfinite(v1 - v0)) return tj_rt_value_error(f, " +
                     std::to_string(id) + ", " + std::to_string(TJ_RNG_E_UNIFORM_RANGE) +
                     ", tj_rnd_bits(v1 - v0));";
    if (dist == RandomDist::Integers)
        pair_check = "if (v0 >= v1) return tj_rt_value_error(f, " + std::to_string(id) + ", " +
                     std::to_string(TJ_RNG_E_INTEGERS_ORDER) + ", v0);";
    auto param_type = [&](int k) { return std::string(info[k].integer ? "long long" : "double"); };
    bool scalars = true;
    for (int k = 0; k < K; ++k) scalars &= p[k]->type.ndim() == 0;
    if (scalars && (dist == RandomDist::Uniform || dist == RandomDist::Normal)) {
        // The common case: one call fills the array with the generator in registers.
        for (int k = 0; k < K; ++k)
            os << "    const double v" << k << " = *(const double*)a" << k << "->data;\n";
        if (!pair_check.empty()) os << "    " << pair_check << "\n";
        os << "    tj_rng_fill_" << (dist == RandomDist::Uniform ? "uniform" : "normal") << "("
           << rs << ", v0, v1, n, o);\n  }\n";
        return;
    }
    if (dist == RandomDist::Integers) os << "    unsigned int buf = 0;\n    int bcnt = 0;\n";
    os << "    long long pst[" << K << "][TJ_MAX_NDIM], idx[TJ_MAX_NDIM] = {0}, off[" << K
       << "] = {0};\n";
    for (int k = 0; k < K; ++k)
        os << "    tj_bcast_strides(" << R << ", osh, " << p[k]->type.ndim() << ", a" << k
           << ", pst[" << k << "]);\n";
    os << "    for (long long i = 0; i < n; ++i) {\n";
    for (int k = 0; k < K; ++k)
        os << "      const " << param_type(k) << " v" << k << " = ((const " << param_type(k)
           << "*)a" << k << "->data)[off[" << k << "]];\n";
    if (!pair_check.empty()) os << "      " << pair_check << "\n";
    os << "      o[i] = (" << t << ")(" << draw_call(dist, n.type.dtype, rs) << ");\n";
    // Odometer over the output's dimensions (C order).
    os << "      for (int d = " << R - 1 << "; d >= 0; --d) {\n";
    os << "        if (++idx[d] < osh[d]) {";
    for (int k = 0; k < K; ++k) os << " off[" << k << "] += pst[" << k << "][d];";
    os << " break; }\n";
    for (int k = 0; k < K; ++k)
        os << "        off[" << k << "] -= pst[" << k << "][d] * (osh[d] - 1);\n";
    os << "        idx[d] = 0;\n      }\n    }\n  }\n";
}

void emit_choice(EmitContext& e, const Node& n) {
    auto& os = e.out();
    const int id = e.id(&n), slot = e.slot(&n), R = n.type.ndim();
    const std::string rs = rs_name(e, n);
    const std::string t = EmitContext::ctype(n.type.dtype);
    const Node* a = n.inputs[1].get();
    const bool has_p = n.inputs.size() > 2;
    const int ra = a->type.ndim();
    const Dims size = has_size(n.attrs) ? size_of(n.attrs) : Dims{};
    const bool replace = flags_of(n.attrs) & kChoiceReplace;
    const double atol = choice_atol(n.attrs);
    emit_state_in(e, n);
    os << "    const tj_arr* a = " << e.arr(a) << ";\n";
    os << "    const long long pop = "
       << (ra == 0 ? "(long long)*(const " + EmitContext::ctype(a->type.dtype) + "*)a->data"
                   : "a->shape[0]")
       << ";\n";
    os << "    const long long count = " << size.product() << "LL;\n";
    if (has_p) {
        os << "    const tj_arr* p = " << e.arr(n.inputs[2].get()) << ";\n";
        os << "    const double* pd = (const double*)p->data;\n    const long long pn = "
              "p->shape[0], ps = p->strides[0];\n";
    } else {
        os << "    const double* pd = 0;\n    const long long pn = 0, ps = 0;\n";
    }
    os << "    long long bad = 0;\n";
    os << "    const int code = tj_rng_choice_check(pop, " << (ra > 0) << ", count, " << replace
       << ", pd, pn, ps, " << EmitContext::literal(DType::Float64, atol) << ", &bad);\n";
    os << "    if (code) return tj_rt_value_error(f, " << id << ", code, bad);\n";
    os << "    long long osh[" << std::max(1, R) << "] = {0};\n";
    for (int d = 0; d < size.size(); ++d) os << "    osh[" << d << "] = " << size[d] << ";\n";
    for (int d = 1; d < ra; ++d)
        os << "    osh[" << size.size() + d - 1 << "] = a->shape[" << d << "];\n";
    const std::string fail = "return tj_rt_value_error(f, " + std::to_string(id) + ", " +
                             std::to_string(TJ_RNG_E_OUT_OF_MEMORY) + ", count);";
    if (ra == 0) {
        os << "    long long* o = (long long*)tj_rt_alloc(f, " << slot << ", " << R
           << ", osh);\n    if (!o) return 1;\n";
        os << "    if (tj_rng_choice(" << rs << ", pop, count, " << replace << ", pd, ps, o)) "
           << fail << "\n  }\n";
        return;
    }
    os << "    long long* ix = (long long*)tj_rt_scratch(f, 0, (count > 0 ? count : 1) * 8);\n    "
          "if (!ix) return 1;\n";
    os << "    if (tj_rng_choice(" << rs << ", pop, count, " << replace << ", pd, ps, ix)) " << fail
       << "\n";
    os << "    " << t << "* o = (" << t << "*)tj_rt_alloc(f, " << slot << ", " << R
       << ", osh);\n    if (!o) return 1;\n";
    os << "    tj_rnd_gather_rows<" << t << ">(a, " << ra << ", ix, count, o);\n  }\n";
}

void emit_permutation(EmitContext& e, const Node& n) {
    auto& os = e.out();
    const int id = e.id(&n), slot = e.slot(&n), R = n.type.ndim();
    const std::string rs = rs_name(e, n);
    const std::string t = EmitContext::ctype(n.type.dtype);
    const Node* x = n.inputs[1].get();
    const int rx = x->type.ndim();
    emit_state_in(e, n);
    os << "    const tj_arr* x = " << e.arr(x) << ";\n";
    const std::string fail = "return tj_rt_value_error(f, " + std::to_string(id) + ", " +
                             std::to_string(TJ_RNG_E_OUT_OF_MEMORY) + ", nx);";
    if (rx == 0) {
        os << "    const long long nx = (long long)*(const " << EmitContext::ctype(x->type.dtype)
           << "*)x->data;\n";
        os << "    if (nx < 0) return tj_rt_value_error(f, " << id << ", " << TJ_RNG_E_PERMUTATION_N
           << ", nx);\n";
        os << "    const long long osh[1] = {nx};\n";
        os << "    long long* o = (long long*)tj_rt_alloc(f, " << slot
           << ", 1, osh);\n    if (!o) return 1;\n";
        os << "    if (tj_rng_permutation(" << rs << ", nx, o)) " << fail << "\n  }\n";
        return;
    }
    os << "    const long long nx = x->shape[0];\n";
    os << "    long long* ix = (long long*)tj_rt_scratch(f, 0, (nx > 0 ? nx : 1) * 8);\n    if "
          "(!ix) return 1;\n";
    os << "    if (tj_rng_permutation(" << rs << ", nx, ix)) " << fail << "\n";
    os << "    " << t << "* o = (" << t << "*)tj_rt_alloc(f, " << slot << ", " << R
       << ", x->shape);\n    if (!o) return 1;\n";
    os << "    tj_rnd_gather_rows<" << t << ">(x, " << rx << ", ix, nx, o);\n  }\n";
}

void emit_draw(EmitContext& e, const Node& n) {
    switch (dist_of(n.attrs)) {
    case RandomDist::Choice:
        emit_choice(e, n);
        return;
    case RandomDist::Permutation:
        emit_permutation(e, n);
        return;
    default:
        emit_elementwise_draw(e, n);
        return;
    }
}

void emit_next_state(EmitContext& e, const Node& n) {
    auto& os = e.out();
    const Node* draw = n.inputs[0].get();
    os << "  { /* " << describe(n, 1) << " */\n    const long long sh[1] = {6};\n";
    os << "    unsigned long long* o = (unsigned long long*)tj_rt_alloc(f, " << e.slot(&n)
       << ", 1, sh);\n";
    os << "    if (!o) return 1;\n";
    if (draw->op == OpKind::RandomDraw) {
        os << "    for (int i = 0; i < 6; ++i) o[i] = " << rs_name(e, *draw) << "[i];\n  }\n";
        return;
    }
    // The draw was folded to a constant (its state was a constant, through givens): so is this.
    std::vector<Array> in;
    for (std::size_t k = 1; k < n.inputs.size(); ++k) {
        TJ_INTERNAL_CHECK(n.inputs[k]->op == OpKind::Constant)
            << "random_next_state: the draw was folded but " << describe(*n.inputs[k])
            << " is not constant";
        in.push_back(*n.inputs[k]->value);
    }
    u64 words[6];
    reference_draw(in, n.attrs, n.attrs.dtype, words);
    for (int i = 0; i < 6; ++i) os << "    o[" << i << "] = " << words[i] << "ULL;\n";
    os << "  }\n";
}

} // namespace

// ---- public helpers ---------------------------------------------------------------------------

const char* random_dist_name(RandomDist d) {
    switch (d) {
    case RandomDist::Uniform:
        return "uniform";
    case RandomDist::Normal:
        return "normal";
    case RandomDist::Integers:
        return "integers";
    case RandomDist::Bernoulli:
        return "bernoulli";
    case RandomDist::Binomial:
        return "binomial";
    case RandomDist::Poisson:
        return "poisson";
    case RandomDist::Exponential:
        return "exponential";
    case RandomDist::Gamma:
        return "gamma";
    case RandomDist::Beta:
        return "beta";
    case RandomDist::Choice:
        return "choice";
    case RandomDist::Permutation:
        return "permutation";
    }
    return "random";
}

Attrs random_draw_attrs(RandomDist dist, bool with_size, const Dims& size, DType dtype,
                        std::int64_t flags) {
    Attrs a;
    a.ints = {static_cast<std::int64_t>(dist), with_size ? 1 : 0, flags};
    if (with_size) {
        const auto fit = checked::shape_fit(size.data(), size.size(),
                                            static_cast<std::int64_t>(dtype_size(dtype)));
        TJ_CHECK(fit != checked::ShapeFit::kNegative, ValueError)
            << random_dist_name(dist) << ": negative dimensions are not allowed, got size "
            << shape_str(size);
        TJ_CHECK(fit == checked::ShapeFit::kOk, ValueError)
            << random_dist_name(dist) << ": size " << shape_str(size) << " of dtype "
            << dtype_name(dtype) << " is too big: its size in bytes overflows a 64-bit integer";
        for (auto d : size) a.ints.push_back(d);
    }
    a.dtype = dtype;
    return a;
}

std::pair<NodePtr, NodePtr> make_random_draw(const NodePtr& state, std::vector<NodePtr> params,
                                             const Attrs& attrs) {
    const RandomDist dist = dist_of(attrs);
    std::vector<NodePtr> in{state};
    in.insert(in.end(), params.begin(), params.end());
    NodePtr draw = make_node(OpKind::RandomDraw, in, attrs);
    // Constant parameters are checked now, the others by the kernel at each call.
    if (is_elementwise_dist(dist)) {
        for (const Check& c : checks_of(dist, attrs.dtype)) {
            const NodePtr& p = params[static_cast<std::size_t>(c.param)];
            if (p->op == OpKind::Constant) check_values(c, *p->value);
        }
        if (params.size() == 2 && params[0]->op == OpKind::Constant &&
            params[1]->op == OpKind::Constant)
            check_pairs(dist, *params[0]->value, *params[1]->value);
    } else if (dist == RandomDist::Choice) {
        const NodePtr& a = params[0];
        auto pop = choice_population(a);
        const bool p_known = params.size() < 2 || params[1]->op == OpKind::Constant;
        if (pop && p_known) {
            const Dims size = has_size(attrs) ? size_of(attrs) : Dims{};
            std::optional<Array> p;
            if (params.size() > 1) p = params[1]->value->astype(DType::Float64).copy();
            const double atol = choice_atol(attrs);
            long long bad = 0;
            const int code = tj_rng_choice_check(
                *pop, a->type.ndim() > 0, size.product(), flags_of(attrs) & kChoiceReplace,
                p ? static_cast<const double*>(p->raw_data()) : nullptr, p ? p->size() : 0, 1, atol,
                &bad);
            if (code) throw_param_error(code, bad);
        }
    }
    std::vector<NodePtr> next_in{draw};
    next_in.insert(next_in.end(), in.begin(), in.end());
    NodePtr next = make_node(OpKind::RandomNextState, next_in, attrs);
    return {draw, next};
}

// ---- the ops ----------------------------------------------------------------------------------

// random_draw(state, params...): one draw per call (however often the node is read), from the
// state as it is before the call. Not differentiable (as PyTensor's random variables).
TJ_REGISTER_OP(OpDef{
    .kind = OpKind::RandomDraw,
    .prepare = nullptr,
    .type_rule = draw_type,
    .reference =
        [](std::span<const Array> in, const Node& n) {
            u64 words[6];
            return reference_draw(in, n.attrs, n.type.dtype, words);
        },
    .emit = emit_draw,
    .pullback = nullptr,
});

// random_next_state(draw, state, params...): the state after the draw.
TJ_REGISTER_OP(OpDef{
    .kind = OpKind::RandomNextState,
    .prepare = nullptr,
    .type_rule =
        [](std::span<const NodePtr> in, const Attrs&) {
            TJ_INTERNAL_CHECK(in.size() >= 3)
                << "random_next_state: takes a draw, its state and parameters";
            return TensorType{DType::UInt64, Dims{6}};
        },
    .reference =
        [](std::span<const Array> in, const Node& n) {
            u64 words[6];
            reference_draw(in.subspan(1), n.attrs, n.attrs.dtype, words);
            return state_array(words);
        },
    .emit = emit_next_state,
    .pullback = nullptr,
});

} // namespace tensorjit
