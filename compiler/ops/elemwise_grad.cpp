// Helpers of the element-wise pullbacks (see elemwise_grad.hpp).
#include "compiler/ops/elemwise_grad.hpp"

#include "compiler/ops/op_def.hpp"

namespace tensorjit {

Var zero_grad(const Var& x) {
    return Var(
        make_node(OpKind::Fill, {x.node(), make_constant(Array::full(x.dtype(), Dims{}, 0))}));
}

Var masked(const Var& mask, const Var& g) { return where(mask, g, 0); }

// Reflection psi(x) = psi(1 - x) - pi / tan(pi x) below 1/2, recurrence
// psi(z) = psi(z + 6) - sum_k 1 / (z + k), and the asymptotic series at w = z + 6 >= 6.5
// (ln w - 1/(2w) - sum B_2n / (2n w^2n), truncated after w^-12: error < 1e-12).
Var digamma(const Var& x) {
    constexpr double kPi = 3.141592653589793238463;
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

} // namespace tensorjit
