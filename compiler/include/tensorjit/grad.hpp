/// \file
/// Symbolic reverse-mode differentiation: grad, jacobian, hessian, and verify_grad (finite
/// differences against the symbolic gradient).
#pragma once

#include <tensorjit/export.hpp>

#include <tensorjit/function.hpp>
#include <tensorjit/tensor.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <iterator>
#include <type_traits>
#include <utility>
#include <vector>

TJ_API_BEGIN
namespace tensorjit {

struct GradOptions {
    /// A wrt the cost does not depend on gets zeros instead of an error.
    bool allow_disconnected = false;
    /// Expressions through which no gradient flows (PyTensor's consider_constant).
    std::vector<Var> consider_constant;
    /// Gradients of the cost with respect to intermediate variables, added to what flows back.
    std::vector<std::pair<Var, Var>> known_grads;
};

/// Gradients of a scalar (0-d) cost with respect to each wrt, in order. TypeError for a
/// non-scalar cost or an integer wrt; ValueError for a wrt the cost does not depend on (unless
/// allow_disconnected); TypeError naming the op when a path goes through a non-differentiable op.
std::vector<Var> grad(const Var& cost, const std::vector<Var>& wrt,
                      const GradOptions& options = {});
/// `auto [gw, gb] = tj::grad(cost, {w, b});`
template <std::size_t N>
std::array<Var, N> grad(const Var& cost, const Var (&wrt)[N], const GradOptions& options = {}) {
    std::vector<Var> g = grad(cost, std::vector<Var>(wrt, wrt + N), options);
    std::array<Var, N> out;
    for (std::size_t i = 0; i < N; ++i) out[i] = g[i];
    return out;
}
Var grad(const Var& cost, const Var& wrt, const GradOptions& options = {});
/// Any container of variables (`std::vector<tj::SharedVar> params`): the gradients in its order.
template <class C, class E = std::decay_t<decltype(*std::begin(std::declval<const C&>()))>,
          class = std::enable_if_t<std::is_convertible_v<const E&, Var> &&
                                   !std::is_same_v<C, std::vector<Var>>>>
std::vector<Var> grad(const Var& cost, const C& wrt, const GradOptions& options = {}) {
    return grad(cost, std::vector<Var>(std::begin(wrt), std::end(wrt)), options);
}

/// Stops gradients: the value of x, treated as a constant by grad.
Var disconnected_grad(const Var& x);

/// The Jacobian of a vector y with respect to x: shape (len(y),) + x's shape. A static length
/// unrolls the rows; a length known only at run time computes them in a tj::scan, as PyTensor.
Var jacobian(const Var& y, const Var& x);
/// The Hessian of a scalar cost with respect to a vector x (any length, as jacobian).
Var hessian(const Var& cost, const Var& x);

struct VerifyGradOptions {
    int n_tests = 2; ///< random projections to check
    std::uint64_t seed = 42;
    double eps = 0;     ///< finite-difference step (0: 1e-6 for float64, 1e-3 for float32)
    double abs_tol = 0; ///< 0: 1e-6 (float64) / 1e-2 (float32)
    double rel_tol = 0; ///< 0: 1e-5 (float64) / 1e-2 (float32)
};

/// Raised by verify_grad when the symbolic and numeric gradients differ.
class GradientError : public Error {
  public:
    using Error::Error;
};

/// Checks the symbolic gradient of fun at point by central finite differences (PyTensor's
/// verify_grad): the output is projected on a random direction to a scalar, and its gradient
/// with respect to every input is compared with the numeric one. Throws GradientError naming
/// the input, the position and both values when they differ.
void verify_grad(const std::function<Var(const std::vector<Var>&)>& fun,
                 const std::vector<Array>& point, const VerifyGradOptions& options = {});

} // namespace tensorjit
TJ_API_END
