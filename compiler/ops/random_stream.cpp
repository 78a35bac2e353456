// tj::RandomStream: creates random variables (RandomDraw nodes, random_draw.cpp), each with its
// generator state as a shared variable whose default update is the state after the draw, seeded
// as PyTensor seeds them.
#include <tensorjit/random.hpp>

#include "compiler/ops/op_def.hpp"
#include "compiler/ops/random_ops.hpp"

#include <tensorjit/generator.hpp>

#include <limits>
#include <string>

namespace tensorjit {

struct RandomStream::Impl {
    explicit Impl(std::uint64_t seed) : seq(seed) {}

    // The stream's sequence: variable k is its k-th child.
    SeedSequence seq;
    std::vector<std::pair<SharedVar, Var>> updates;

    Var add(RandomDist dist, std::vector<NodePtr> params, const Dims& size, DType dtype,
            std::int64_t flags = 0);
};

namespace {

Array seeded_state(const SeedSequence& seq) {
    auto w = Pcg64State::from_seed_sequence(seq).to_words();
    return Array(std::vector<std::uint64_t>(w.begin(), w.end()));
}

void check_defined(const Var& v, RandomDist dist, const char* name) {
    TJ_CHECK(v.defined(), ValueError)
        << random_dist_name(dist) << ": " << name << " is an undefined variable";
}

// A real parameter: float64, as NumPy converts it. (The float variables are drawn in float64 and
// stored in config().floatX, read when the variable is made, as PyTensor's dtype="floatX".)
NodePtr real_param(const Var& v, RandomDist dist, const char* name) {
    check_defined(v, dist, name);
    return cast_to(v.node(), DType::Float64);
}

// An integer parameter: int64; a float tensor is an error rather than a silent truncation.
NodePtr int_param(const Var& v, RandomDist dist, const char* name) {
    check_defined(v, dist, name);
    TJ_CHECK(is_integer(v.dtype()) || is_bool(v.dtype()), TypeError)
        << random_dist_name(dist) << ": " << name << " must be an integer tensor, got "
        << v.type().str();
    return cast_to(v.node(), DType::Int64);
}

} // namespace

Var RandomStream::Impl::add(RandomDist dist, std::vector<NodePtr> params, const Dims& size,
                            DType dtype, std::int64_t flags) {
    Attrs attrs = random_draw_attrs(dist, !size.empty(), size, dtype, flags);
    // PyTensor spawns the variable's seed before building it: a failed creation uses up a child.
    const std::size_t k = updates.size();
    SeedSequence child = seq.spawn(1)[0];
    SharedVar state =
        shared(seeded_state(child), SharedOptions{"random_state_" + std::to_string(k), Dims{6}});
    auto [draw, next] = make_random_draw(state.node(), params, attrs);
    // The default update captures the parameters, not the state: no reference cycle.
    state.storage()->default_update = [params, attrs](const NodePtr& variable) {
        return make_random_draw(variable, params, attrs).second;
    };
    updates.push_back({state, Var(next)});
    return Var(draw);
}

RandomStream::RandomStream(std::uint64_t seed) : impl_(std::make_shared<Impl>(seed)) {}

Var RandomStream::uniform(const Var& low, const Var& high, const Dims& size) {
    const auto d = RandomDist::Uniform;
    return impl_->add(d, {real_param(low, d, "low"), real_param(high, d, "high")}, size,
                      config().floatX);
}

Var RandomStream::normal(const Var& loc, const Var& scale, const Dims& size) {
    const auto d = RandomDist::Normal;
    return impl_->add(d, {real_param(loc, d, "loc"), real_param(scale, d, "scale")}, size,
                      config().floatX);
}

Var RandomStream::integers(const Var& low, const Var& high, const Dims& size, DType dtype) {
    const auto d = RandomDist::Integers;
    TJ_CHECK(is_integer(dtype) || is_bool(dtype), ValueError)
        << "integers: dtype must be an integer dtype or bool, got " << dtype_name(dtype);
    // integers(high): [0, high), as NumPy's integers(low) with high=None.
    if (!high.defined()) return integers(Var(0), low, size, dtype);
    return impl_->add(d, {int_param(low, d, "low"), int_param(high, d, "high")}, size, dtype);
}

Var RandomStream::bernoulli(const Var& p, const Dims& size) {
    const auto d = RandomDist::Bernoulli;
    return impl_->add(d, {real_param(p, d, "p")}, size, DType::Int64);
}

Var RandomStream::binomial(const Var& n, const Var& p, const Dims& size) {
    const auto d = RandomDist::Binomial;
    return impl_->add(d, {int_param(n, d, "n"), real_param(p, d, "p")}, size, DType::Int64);
}

Var RandomStream::poisson(const Var& lam, const Dims& size) {
    const auto d = RandomDist::Poisson;
    return impl_->add(d, {real_param(lam, d, "lam")}, size, DType::Int64);
}

Var RandomStream::exponential(const Var& scale, const Dims& size) {
    const auto d = RandomDist::Exponential;
    return impl_->add(d, {real_param(scale, d, "scale")}, size, config().floatX);
}

Var RandomStream::gamma(const Var& shape, const Var& scale, const Dims& size) {
    const auto d = RandomDist::Gamma;
    return impl_->add(d, {real_param(shape, d, "shape"), real_param(scale, d, "scale")}, size,
                      config().floatX);
}

Var RandomStream::beta(const Var& a, const Var& b, const Dims& size) {
    const auto d = RandomDist::Beta;
    return impl_->add(d, {real_param(a, d, "a"), real_param(b, d, "b")}, size, config().floatX);
}

Var RandomStream::choice(const Var& a, const Dims& size, bool replace, const Var& p) {
    const auto d = RandomDist::Choice;
    check_defined(a, d, "a");
    std::vector<NodePtr> params{a.ndim() == 0 ? int_param(a, d, "a") : a.node()};
    std::int64_t flags = replace ? kChoiceReplace : 0;
    if (p.defined()) {
        if (p.dtype() == DType::Float32) flags |= kChoicePFloat32;
        params.push_back(cast_to(p.node(), DType::Float64));
    }
    return impl_->add(d, std::move(params), size, a.ndim() == 0 ? DType::Int64 : a.dtype(), flags);
}

Var RandomStream::permutation(const Var& x) {
    const auto d = RandomDist::Permutation;
    check_defined(x, d, "x");
    NodePtr param = x.ndim() == 0 ? int_param(x, d, "x") : x.node();
    return impl_->add(d, {param}, {}, x.ndim() == 0 ? DType::Int64 : x.dtype());
}

void RandomStream::seed(std::uint64_t seed) {
    impl_->seq = SeedSequence(seed);
    auto children = impl_->seq.spawn(impl_->updates.size());
    for (std::size_t k = 0; k < children.size(); ++k)
        impl_->updates[k].first.set_value(seeded_state(children[k]));
}

std::vector<std::pair<SharedVar, Var>> RandomStream::state_updates() const {
    return impl_->updates;
}

} // namespace tensorjit
