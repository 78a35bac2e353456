// TUTORIAL.md section 2: several outputs computed by one kernel.
#include <tensorjit/tensorjit.hpp>

#include <iostream>

int main() {
    auto [a, b] = tj::dmatrices("a", "b");
    auto diff = a - b;
    auto abs_diff = tj::abs(diff);
    auto diff_squared = tj::pow(diff, 2);
    auto f = tj::function({a, b}, {diff, abs_diff, diff_squared});
    std::cout << f({{1, 1}, {1, 1}}, {{0, 1}, {2, 3}}) << "\n";
}
