// TUTORIAL.md section 6: random numbers. Deterministic (seed 234), so its output is a regression
// test; the lines "...: true" are the section's claims, checked.
#include <tensorjit/tensorjit.hpp>

#include <cmath>
#include <iostream>

namespace {

bool all_close_to_zero(const tj::Array& a) {
    const double* p = a.data<double>();
    for (std::int64_t i = 0; i < a.size(); ++i)
        if (std::abs(p[i]) > 1e-12) return false;
    return true;
}

void check(const char* claim, bool holds) {
    std::cout << claim << ": " << (holds ? "true" : "false") << "\n";
}

} // namespace

int main() {
    tj::RandomStream srng(234);
    auto rv_u = srng.uniform(0, 1, {2, 2});
    auto rv_n = srng.normal(0, 1, {2, 2});
    auto f = tj::function({}, rv_u);
    auto g = tj::function({}, rv_n, {.no_default_updates = true});
    auto nearly_zeros = tj::function({}, rv_u + rv_u - 2 * rv_u);

    auto f_val0 = f();
    auto f_val1 = f(); // different numbers: the generator state advances
    std::cout << f_val0 << "\n" << f_val1 << "\n";
    check("f differs between calls", !f_val0.equals(f_val1));

    auto g_val0 = g();
    auto g_val1 = g(); // same numbers: no default update
    std::cout << g_val0 << "\n" << g_val1 << "\n";
    check("g repeats", g_val0.equals(g_val1));

    auto z = nearly_zeros(); // one draw per variable per call, however often it appears
    std::cout << z << "\n";
    check("nearly_zeros is ~0", all_close_to_zero(z));

    // Reseeding: every variable of the stream, each with its own seed (k-th child of 902340).
    srng.seed(902340);
    auto u0 = f();
    auto n0 = g();
    std::cout << u0 << "\n" << n0 << "\n";
    srng.seed(902340);
    check("reseeding reproduces f", f().equals(u0));
    check("reseeding reproduces g", g().equals(n0));

    // state_updates() lists each variable's (state, next state): copying a state copies the
    // stream's position, here into a variable of another stream built the same way.
    tj::RandomStream other(1);
    auto f_other = tj::function({}, other.uniform(0, 1, {2, 2}));
    auto state_u = srng.state_updates()[0].first;
    other.state_updates()[0].first.set_value(state_u.get_value());
    check("a copied state draws the same numbers", f_other().equals(f()));
}
