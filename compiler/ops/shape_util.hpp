/// \file
/// Helpers shared by the shape ops (shape_reshape.cpp, shape_axes.cpp, shape_join.cpp,
/// shape_alloc.cpp): shape text for messages, static size checks, symbolic shape arguments and
/// the kernel code of target shapes.
#pragma once

#include "compiler/graph/node.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace tensorjit {

class EmitContext;

namespace shape_detail {

/// A shape as NumPy prints it: "(2, 3)", "(4,)".
std::string dims_text(const std::vector<std::int64_t>& v);

/// v in decimal (kernel code).
std::string s(std::int64_t v);

/// The static extents of a result type (dyn extents skipped) must fit NumPy's size rule
/// (tensorjit/checked.hpp): ValueError naming op and the type otherwise.
void check_static_shape(const TensorType& t, const char* op);

/// A symbolic shape argument as an int64 vector node of static length; TypeError naming op.
NodePtr shape_vector(const Var& v, const char* op);

/// Code for `long long tsh[...]` holding the target shape of an op whose static targets or hints
/// are attrs.ints and whose optional symbolic shape is input `shape_in` (-1 for none). Hints that
/// are known are checked against the symbolic values (a shape error naming both shapes).
std::string target_shape_code(EmitContext& e, const Node& n, int shape_in, const std::string& src);

/// Reads the shape of a node from its symbolic shape input (reference side).
std::vector<std::int64_t> shape_values(const Array& a);

/// C-order element visitor over an array of any strides: fn(linear index, element offset).
template <class F> void for_each_offset(const Dims& shape, const Dims& strides, F fn) {
    const std::int64_t n = shape.product();
    for (std::int64_t i = 0; i < n; ++i) {
        std::int64_t rem = i, off = 0;
        for (int d = shape.size() - 1; d >= 0; --d) {
            off += (rem % shape[d]) * strides[d];
            rem /= shape[d];
        }
        fn(i, off);
    }
}

} // namespace shape_detail

} // namespace tensorjit
