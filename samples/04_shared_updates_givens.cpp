// TUTORIAL.md section 4: shared variables, updates and givens.
#include <tensorjit/tensorjit.hpp>

#include <iostream>

int main() {
    auto state = tj::shared(0);
    auto inc = tj::iscalar("inc");
    auto accumulator = tj::function({inc}, state, {.updates = {{state, state + inc}}});
    std::cout << state.get_value() << "\n";  // array(0)
    std::cout << accumulator(1) << "\n";     // array(0): the old state
    std::cout << state.get_value() << "\n";  // array(1)
    std::cout << accumulator(300) << "\n";   // array(1)
    std::cout << state.get_value() << "\n";  // array(301)
    state.set_value(-1);
    std::cout << accumulator(3) << "\n";     // array(-1)
    std::cout << state.get_value() << "\n";  // array(2)

    auto decrementor = tj::function({inc}, state, {.updates = {{state, state - inc}}});
    std::cout << decrementor(2) << "\n";     // array(2)
    std::cout << state.get_value() << "\n";  // array(0)

    auto fn_of_state = state * 2 + inc;
    auto foo = tj::scalar("foo", state.dtype());  // the type of the variable it replaces
    auto skip_shared = tj::function({inc, foo}, fn_of_state, {.givens = {{state, foo}}});
    std::cout << skip_shared(1, 3) << "\n";  // array(7)
    std::cout << state.get_value() << "\n";  // array(0): untouched
}
