// Loops with tj::scan: PyTensor's scan tutorial in C++ (A**k, a polynomial, Fibonacci with taps,
// an until loop, a random walk with its generator updates) and a tanh recurrent network with its
// gradients through time. Each scan is one loop inside the function's kernel. The lines
// "...: true" are claims, checked.
#include <tensorjit/tensorjit.hpp>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <vector>

namespace {

void check(const char* claim, bool holds) {
    std::cout << claim << ": " << (holds ? "true" : "false") << "\n";
}

// Six decimals: the last bits of tanh may differ between machines.
void print_rows(const char* name, const tj::Array& a) {
    const tj::Array c = a.copy();
    const std::int64_t cols = c.ndim() == 2 ? c.shape()[1] : c.size();
    std::printf("%s:\n", name);
    for (std::int64_t i = 0; i < c.size(); ++i)
        std::printf("%s%10.6f%s", i % cols ? " " : "  ", c.data<double>()[i],
                    (i + 1) % cols ? "" : "\n");
}

} // namespace

int main() {
    // A**k: the state starts at ones and is multiplied by A at each of k steps. Only the last
    // step is used, so the scan keeps only the last value rather than all k.
    auto A = tj::dvector("A");
    auto k = tj::iscalar("k");
    auto result =
        tj::scan([](tj::Var prior_result, tj::Var a) { return prior_result * a; },
                 {.outputs_info = {tj::ones_like(A)}, .non_sequences = {A}, .n_steps = k});
    auto power = tj::function({A, k}, result.output()(-1));
    std::cout << "A**2: " << power({0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0}, 2) << "\n";

    // A polynomial: two sequences read side by side (the coefficients and their powers, the
    // shorter one sets the number of steps), the point x as a non-sequence, and no state: each
    // step's term is stacked (tj::none), then summed.
    auto coefficients = tj::dvector("coefficients");
    auto x = tj::dscalar("x");
    auto components = tj::scan([](tj::Var coeff, tj::Var exponent,
                                  tj::Var free_var) { return coeff * tj::pow(free_var, exponent); },
                               {.sequences = {coefficients, tj::arange(10000)},
                                .outputs_info = {tj::none},
                                .non_sequences = {x}});
    auto polynomial = tj::function({coefficients, x}, tj::sum(components.output()));
    std::cout << "1 + 0 x + 2 x**2 at x = 3: " << polynomial({1.0, 0.0, 2.0}, 3.0) << "\n";

    // Fibonacci: the state reads two steps back (taps -2 and -1), so its initial value has two
    // rows, the oldest first.
    auto init = tj::lvector("init");
    auto n = tj::iscalar("n");
    auto fib = tj::scan([](tj::Var a2, tj::Var a1) { return a2 + a1; },
                        {.outputs_info = {{init, {-2, -1}}}, .n_steps = n});
    auto fibonacci = tj::function({init, n}, fib.output());
    std::cout << "Fibonacci: " << fibonacci({0, 1}, 10) << "\n";

    // until: powers of two while they stay below a bound; n_steps is only the most steps.
    auto max_value = tj::dscalar("max_value");
    auto powers = tj::scan(
        [](tj::Var previous_power, tj::Var bound) {
            tj::Var next = previous_power * 2;
            return tj::ScanStep(next, tj::until(next > bound));
        },
        {.outputs_info = {tj::Var(1.0)}, .non_sequences = {max_value}, .n_steps = 1024});
    auto powers_of_two = tj::function({max_value}, powers.output());
    std::cout << "powers of two until > 45: " << powers_of_two(45.0) << "\n";

    // A random walk: a fresh draw per step. The stream's state advances once per call through
    // the update the scan returns (r.updates, given to tj::function).
    tj::RandomStream srng(42);
    auto start = tj::dscalar("start");
    auto walk = tj::scan([&](tj::Var position) { return position + srng.normal(0.0, 1.0); },
                         {.outputs_info = {start}, .n_steps = 4});
    auto random_walk = tj::function({start}, walk.output(), {.updates = walk.updates});
    const tj::Array first = random_walk(0.0), second = random_walk(0.0);
    print_rows("a random walk", first);
    check("the next call draws other steps", !first.equals(second));

    // A tanh recurrent network, h_t = tanh(W h_{t-1} + x_t), and the gradients of sum(h_T) with
    // respect to W and h0: tj::grad goes back through the loop (a second loop, in reverse).
    auto W = tj::dmatrix("W");
    auto xs = tj::dmatrix("xs");
    auto h0 = tj::dvector("h0");
    auto h = tj::scan(
        [](tj::Var x_t, tj::Var h_prev, tj::Var w) { return tj::tanh(tj::dot(w, h_prev) + x_t); },
        {.sequences = {xs}, .outputs_info = {h0}, .non_sequences = {W}});
    auto cost = tj::sum(h.output()(-1));
    auto [gW, gh0] = tj::grad(cost, {W, h0});
    auto rnn = tj::function({W, xs, h0}, {h.output(), cost, gW, gh0});
    const tj::Array w_val{{0.5, -0.3, 0.1}, {0.2, 0.4, -0.6}, {-0.1, 0.3, 0.2}};
    const tj::Array x_val{{0.1, 0.2, 0.3}, {-0.4, 0.5, 0.0}, {0.3, -0.2, 0.1}, {0.0, 0.1, -0.5}};
    const tj::Array h0_val{0.5, -0.5, 0.25};
    const std::vector<tj::Array> out = rnn(w_val, x_val, h0_val);
    print_rows("h", out[0]);
    std::printf("sum(h_T): %.6f\n", out[1].item<double>());
    print_rows("d sum(h_T) / dW", out[2]);
    print_rows("d sum(h_T) / dh0", out[3]);

    // The gradients agree with central differences of the cost.
    auto cost_of = tj::function({W, xs, h0}, cost);
    auto agrees = [&](const tj::Array& grad, const tj::Array& at, bool is_w) {
        const double eps = 1e-6;
        const tj::Array g = grad.copy();
        for (std::int64_t i = 0; i < at.size(); ++i) {
            tj::Array up = at.copy(), down = at.copy();
            up.data<double>()[i] += eps;
            down.data<double>()[i] -= eps;
            auto c = [&](const tj::Array& v) {
                return (is_w ? cost_of(v, x_val, h0_val) : cost_of(w_val, x_val, v)).item<double>();
            };
            if (std::abs((c(up) - c(down)) / (2 * eps) - g.data<double>()[i]) > 1e-7) return false;
        }
        return true;
    };
    check("dW agrees with central differences", agrees(out[2], w_val, true));
    check("dh0 agrees with central differences", agrees(out[3], h0_val, false));
}
