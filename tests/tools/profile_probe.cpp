// A separate process for the profiling tests: builds and calls a function three times and
// prints its output. With TJ_PROFILE=1 in its environment, the profile table goes to stderr at
// exit.
#include <tensorjit/tensorjit.hpp>

#include <iostream>

int main() {
    auto x = tj::dvector("x");
    auto y = tj::dvector("y");
    auto f = tj::function({x, y}, tj::sum(x * y + 1), {.name = "profile_probe"});
    tj::Array r;
    for (int i = 0; i < 3; ++i) r = f({1.0, 2.0, 3.0}, {4.0, 5.0, 6.0});
    std::cout << "result=" << r.item<double>() << "\n";
}
