/// \file
/// Helpers shared by the indexing ops (indexing.cpp, indexing_basic.cpp, indexing_advanced.cpp):
/// the layout of basic index attributes, error texts, and the checks and kernel code of the
/// values set/inc write.
///
/// Basic index attributes: for every indexed input axis, 7 ints {kind, tag, v, tag, v, tag, v}:
/// kind 0 = an integer (first bound), 1 = a slice (start, stop, step); tag 0 = none, 1 = the
/// constant v, 2 = the v-th symbolic int64 scalar input (counted from the first one, input 1 of a
/// subtensor and input 2 of set/inc). A trailing group {kSplitCheck, axis, extent} (split's pieces
/// along an axis of unknown extent) checks at run time that x's axis has that extent: split's
/// sizes must sum to it (value error 25). Advanced index attributes: {axis}; inputs (x[, v], idx).
#pragma once

#include "compiler/graph/node.hpp"
#include "compiler/ops/op_def.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace tensorjit::index_detail {

/// Ints per indexed axis in basic index attributes, and the kind of split's trailing check.
constexpr int kEntry = 7;
constexpr std::int64_t kSplitCheck = 2;

/// v in decimal (kernel code and messages).
std::string s(std::int64_t v);

/// NumPy's message for integer i out of bounds on an axis of extent n.
std::string index_error_text(std::int64_t i, int axis, std::int64_t n);

// Static broadcasting of a value of type vt into a region of static shape rs: ShapeError naming op.
void check_value_fits(const TensorType& vt, const Dims& rs, const char* op, const TensorType& xt);

// Code for `long long vst[...]`: the strides of the value `val` (static type vt) broadcast over a
// region of rank nr whose extents are `rshape`, with a shape error when an extent differs.
std::string value_strides_code(const Node& n, int id, const TensorType& vt, int nr,
                               const std::string& rshape);

// The scalar inputs of a basic index node, from input `base` on.
inline std::vector<NodePtr> scalars_of(const Node& n, int base) {
    return {n.inputs.begin() + base, n.inputs.end()};
}

/// Node k (set/inc_subtensor) writing v into x at basic index attributes a with their scalars.
inline Var make_set_inc(OpKind k, const Var& x, const Var& v, const Attrs& a,
                        const std::vector<NodePtr>& scalars) {
    std::vector<NodePtr> in{x.node(), v.node()};
    in.insert(in.end(), scalars.begin(), scalars.end());
    return Var(make_node(k, in, a));
}

} // namespace tensorjit::index_detail
