/// \file
/// tj::RandomStream: random variables in graphs, as PyTensor's RandomStream (TUTORIAL.md
/// section 6). Each variable draws with NumPy's Generator algorithms (PCG64, bit for bit for the
/// distributions tj::Generator draws exactly) from a generator state held in a shared variable;
/// a function that uses the variable advances that state once per call (its default update)
/// unless it is built with no_default_updates or updates the state explicitly.
#pragma once

#include <tensorjit/export.hpp>

#include <tensorjit/function.hpp>
#include <tensorjit/tensor.hpp>

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

TJ_API_BEGIN
namespace tensorjit {

/// A source of random variables seeded as PyTensor's RandomStream(seed): variable k (in creation
/// order, from 0) draws from default_rng(SeedSequence(seed, spawn_key=(k,))), so a program draws
/// the numbers PyTensor draws for the same program.
///
/// Parameters are tensors (tj::Var) or C++ scalars, and broadcast as NumPy's: with a `size`, the
/// output has that shape and every parameter must broadcast to it; with no size (`{}`), the
/// output has the parameters' broadcast shape. As everywhere in tensorjit, broadcasting is static:
/// an axis broadcasts only where its static extent is 1. (An empty `size` stands for NumPy's
/// size=None; NumPy's size=() is the same thing for scalar parameters.)
///
/// Parameters outside a distribution's domain raise tj::ValueError naming the distribution, the
/// parameter and the value: when the variable is created for constants, at call time (the call
/// changes no shared variable) for the others. A copy of a RandomStream is a handle on the same
/// stream. Not thread-safe.
class RandomStream {
  public:
    /// A stream seeded with SeedSequence(seed).
    explicit RandomStream(std::uint64_t seed);

    /// Uniform on [low, high): low + (high - low) * random(); high - low must be finite. The float
    /// variables (uniform, normal, exponential, gamma, beta) are of dtype tj::config().floatX
    /// (float64 unless set; a float32 variable holds the float64 draws rounded, as PyTensor's).
    Var uniform(const Var& low = 0.0, const Var& high = 1.0, const Dims& size = {});
    /// loc + scale * standard_normal() (ziggurat); floatX; scale >= 0.
    Var normal(const Var& loc = 0.0, const Var& scale = 1.0, const Dims& size = {});
    /// Uniform integers in [low, high) (high exclusive) of an integer dtype (or bool); with high
    /// undefined, in [0, low). Integer parameters; low < high, both within the dtype.
    Var integers(const Var& low, const Var& high = Var(), const Dims& size = {},
                 DType dtype = DType::Int64);
    /// 0/1 with probability p of 1 (PyTensor's bernoulli: NumPy's binomial(1, p)); int64.
    Var bernoulli(const Var& p, const Dims& size = {});
    /// Binomial(n, p); int64; n an integer >= 0, p in [0, 1].
    Var binomial(const Var& n, const Var& p, const Dims& size = {});
    /// Poisson(lam); int64; lam >= 0 and not too large (NumPy's limit, about 9.2e18).
    Var poisson(const Var& lam = 1.0, const Dims& size = {});
    /// scale * standard_exponential() (ziggurat); floatX; scale >= 0.
    Var exponential(const Var& scale = 1.0, const Dims& size = {});
    /// scale * standard_gamma(shape); floatX; shape, scale >= 0.
    Var gamma(const Var& shape, const Var& scale = 1.0, const Dims& size = {});
    /// Beta(a, b); floatX; a, b > 0.
    Var beta(const Var& a, const Var& b, const Dims& size = {});
    /// choice(a, size, replace, p): with a 0-d integer a, int64 samples from range(a); with an
    /// array, its rows (axis 0) at the sampled indices (shape size + a.shape[1:], a's dtype).
    /// p (optional): the probabilities of the population, 1-d, summing to 1.
    Var choice(const Var& a, const Dims& size = {}, bool replace = true, const Var& p = Var());
    /// permutation(x): a shuffled arange(x) (int64) for a 0-d integer x, else a copy of x with its
    /// rows (axis 0) shuffled.
    Var permutation(const Var& x);

    /// Re-seeds the stream as SeedSequence(seed) and every variable created so far: variable k
    /// with SeedSequence(seed, spawn_key=(k,)) (PyTensor's RandomStream.seed).
    void seed(std::uint64_t seed);
    /// (state, next state) of every variable in creation order: the generator state (a uint64
    /// shared variable of shape (6,)) and the expression of its default update. get_value /
    /// set_value of the states copy a stream's position between graphs.
    std::vector<std::pair<SharedVar, Var>> state_updates() const;

  private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

} // namespace tensorjit
TJ_API_END
