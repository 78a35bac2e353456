/// \file
/// The differential check shared by the op tests: compile, run, compare with tj::eval.
#pragma once

#include <tensorjit/tensorjit.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace tj_test {

/// Compiles `out` of `vars` (and `cast(out, float64)`, so that view ops also run as
/// temporaries), runs it on `values` and requires the same dtype, shape and values as tj::eval.
void compare_with_reference(const std::vector<tensorjit::Var>& vars,
                            const std::vector<tensorjit::Array>& values, const tensorjit::Var& out,
                            const std::string& what);

/// One gradient case: f of inputs with the given shapes, drawn uniformly from [lo, hi).
struct GradCase {
    std::string name;
    std::function<tensorjit::Var(const std::vector<tensorjit::Var>&)> f;
    std::vector<tensorjit::Dims> shapes;
    double lo = -2, hi = 2;
    bool second_order = true; ///< also check the gradient of the gradient (first input)
};

/// Checks the cases together in one cost, sum_i sum(f_i(inputs_i) * w_i) with random weights:
/// one verify_grad (two compiles) for order 1 and one for order 2 (the weighted gradient with
/// respect to each case's first input). The failure message lists which input is which case.
/// A case with a float32 result makes the check use verify_grad's float32 step and tolerances.
void check_gradients_together(const std::vector<GradCase>& cases, std::uint64_t seed);

} // namespace tj_test
