// TUTORIAL.md section 3: default values (tj::In) and keyword arguments.
#include <tensorjit/tensorjit.hpp>

#include <iostream>

using namespace tj::literals;

int main() {
    auto [x, y] = tj::dscalars("x", "y");
    auto f = tj::function({x, tj::In(y, 1)}, x + y);
    std::cout << f(33) << "\n";     // array(34.)
    std::cout << f(33, 2) << "\n";  // array(35.)

    auto [x2, y2, w] = tj::dscalars("x", "y", "w");
    auto g = tj::function({x2, tj::In(y2, 1), tj::In(w, 2, "w_by_name")}, (x2 + y2) * w);
    std::cout << g(33) << "\n";                              // array(68.)
    std::cout << g(33, 2) << "\n";                           // array(70.)
    std::cout << g(33, 0, 1) << "\n";                        // array(33.)
    std::cout << g(33, "w_by_name"_a = 1) << "\n";           // array(34.)
    std::cout << g(33, "w_by_name"_a = 1, "y"_a = 0) << "\n";  // array(33.)
}
