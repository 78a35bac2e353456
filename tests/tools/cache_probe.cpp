// A separate process for the disk-cache tests: builds TUTORIAL section 1's function, prints its
// output and what building it did (clang compiles, disk hits).
#include <tensorjit/tensorjit.hpp>

#include <iostream>

int main() {
    auto x = tj::dmatrix("x");
    auto logistic = tj::function({x}, 1 / (1 + tj::exp(-x)));
    auto stats = tj::compile_stats();
    std::cout << logistic({{0, 1}, {-1, -2}}) << "\n";
    std::cout << "clang_compiles=" << stats.clang_compiles << " disk_hits=" << stats.disk_hits << "\n";
    std::cout << "key=" << logistic.cache_key() << "\n";
}
