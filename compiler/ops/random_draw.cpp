// Random variables: the RandomDraw and RandomNextState records (one draw of a distribution per
// call, through the runtime's tj_rng_* routines, and the generator state after it), the type rule
// of a draw, and make_random_draw, which checks constant parameters when the graph is built. The
// parameters are in random_params.cpp, the reference draws in random_reference.cpp, the kernel
// code in random_kernels.cpp. RandomStream (random_stream.cpp) creates them.
#include "compiler/ops/random_util.hpp"

#include "compiler/ops/op_def.hpp"

#include <tensorjit/checked.hpp>

#include <algorithm>
#include <optional>
#include <sstream>

namespace tensorjit {

using namespace random_detail;

namespace {

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
