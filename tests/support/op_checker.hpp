/// \file
/// The differential check shared by the op tests: compile, run, compare with tj::eval.
#pragma once

#include <tensorjit/tensorjit.hpp>

#include <string>
#include <vector>

namespace tj_test {

/// Compiles `out` of `vars` (and `cast(out, float64)`, so that view ops also run as
/// temporaries), runs it on `values` and requires the same dtype, shape and values as tj::eval.
void compare_with_reference(const std::vector<tensorjit::Var>& vars,
                            const std::vector<tensorjit::Array>& values, const tensorjit::Var& out,
                            const std::string& what);

} // namespace tj_test
