/// \file
/// Helpers shared by the linear algebra ops (linalg_products.cpp, linalg_diag.cpp): the inputs'
/// common dtype, static extents that must agree, and the accumulator type of the references.
#pragma once

#include "compiler/graph/node.hpp"
#include "compiler/ops/op_def.hpp"

#include <cstdint>
#include <type_traits>
#include <vector>

namespace tensorjit::linalg_detail {

/// Preparation: both inputs cast to their promoted dtype.
inline void promote_inputs(std::vector<NodePtr>& in, Attrs&) {
    const DType t = promote(in[0]->type.dtype, in[1]->type.dtype);
    for (auto& x : in) x = cast_to(x, t);
}

/// Two static extents that must agree (dyn agrees with anything).
inline bool agree(std::int64_t a, std::int64_t b) { return a == dyn || b == dyn || a == b; }

/// Plain products in long double (floats) or the dtype (integers, wrapping): the references.
template <class T> using Acc = std::conditional_t<std::is_floating_point_v<T>, long double, T>;

} // namespace tensorjit::linalg_detail
