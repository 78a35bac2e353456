// TUTORIAL section 1 through an installed tensorjit: builds the logistic function, checks its
// values against std::exp, and prints them (the install test compares the output).
#include <tensorjit/tensorjit.hpp>

#include <cmath>
#include <iostream>

int main() {
    auto x = tj::dmatrix("x");
    auto logistic = tj::function({x}, 1 / (1 + tj::exp(-x)));
    const tj::Array in = {{0.0, 1.0}, {-1.0, -2.0}};
    const tj::Array out = logistic(in);
    std::cout << out << "\n";
    for (std::int64_t i = 0; i < in.size(); ++i) {
        const double want = 1 / (1 + std::exp(-in.flat(i)));
        if (std::abs(out.flat(i) - want) > 1e-12) {
            std::cerr << "logistic(" << in.flat(i) << ") = " << out.flat(i) << ", expected " << want
                      << "\n";
            return 1;
        }
    }
    // The public cache API from the installed headers: the kernel is in the cache and valid.
    tj::KernelCache cache;
    if (cache.stats().entries == 0 || !cache.verify().empty()) {
        std::cerr << "the cache at " << cache.dir() << " has no entry or a bad one\n";
        return 1;
    }
    std::cout << "outside program: ok\n";
    return 0;
}
