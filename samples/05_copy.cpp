// TUTORIAL.md section 5: copies of a compiled function share its kernel.
#include <tensorjit/tensorjit.hpp>

#include <iostream>

int main() {
    auto state = tj::shared(0);
    auto inc = tj::iscalar("inc");
    auto accumulator = tj::function({inc}, state, {.updates = {{state, state + inc}}});
    std::cout << accumulator(10) << "\n";  // array(0)
    std::cout << state.get_value() << "\n";  // array(10)

    auto compiles = tj::compile_stats().clang_compiles;
    auto new_state = tj::shared(0);
    auto new_accumulator = accumulator.copy({.swap = {{state, new_state}}});
    std::cout << new_accumulator(100) << "\n";   // array(0)
    std::cout << new_state.get_value() << "\n";  // array(100)
    std::cout << state.get_value() << "\n";      // array(10): untouched

    auto null_accumulator = accumulator.copy({.delete_updates = true});
    std::cout << null_accumulator(9000) << "\n";  // array(10)
    std::cout << state.get_value() << "\n";       // array(10)
    std::cout << "compiles during copies: " << tj::compile_stats().clang_compiles - compiles << "\n";
}
