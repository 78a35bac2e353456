// Random variables' reference evaluation: the draws of a RandomDraw node with the C routines
// kernels use (same draws, same order), on NumPy-broadcast parameters.
#include "compiler/ops/random_util.hpp"

#include "compiler/ops/op_def.hpp"

#include <tensorjit/generator.hpp>

#include <cmath>
#include <cstring>
#include <optional>

namespace tensorjit::random_detail {

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

} // namespace tensorjit::random_detail
