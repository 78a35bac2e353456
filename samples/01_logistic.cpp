// TUTORIAL.md section 1: the logistic function, element-wise, in two forms.
#include <tensorjit/tensorjit.hpp>

#include <iostream>

int main() {
    auto x = tj::dmatrix("x");
    auto s = 1 / (1 + tj::exp(-x));
    auto logistic = tj::function({x}, s);
    std::cout << logistic({{0, 1}, {-1, -2}}) << "\n";

    auto s2 = (1 + tj::tanh(x / 2)) / 2;
    auto logistic2 = tj::function({x}, s2);
    std::cout << logistic2({{0, 1}, {-1, -2}}) << "\n";
}
