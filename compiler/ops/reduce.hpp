/// \file
/// Helpers shared by the reduction ops (reduce.cpp, reduce_more.cpp): the axis attributes, the
/// static shape of a result, the gradient's way back to the input's rank, and the kernel code
/// of tj_reduce loops (codegen_templates/reduce.hpp).
#pragma once

#include "compiler/graph/node.hpp"

#include <string>

namespace tensorjit {

class EmitContext;

/// The attributes of a reduction of x over `axes`: ints = {keepdims, axis...}, the axes
/// normalized (>= 0) and sorted; all axes for Axes(). ValueError naming `op` for an axis out of
/// range or repeated.
Attrs reduce_attrs(const Var& x, const Axes& axes, bool keepdims, const char* op);

/// True when axis d of the input is reduced by a node with reduce_attrs `a`.
bool is_reduced(const Attrs& a, int d);

/// The static shape of a reduction's result (extent 1 on the reduced axes with keepdims).
Dims reduced_shape(const Dims& in, const Attrs& a);

/// The accumulation dtype of sum and prod (NumPy): floats keep theirs, bool and signed integers
/// give int64, unsigned integers uint64.
DType sum_dtype(DType t);

/// g (a reduction's result or its gradient) with the reduced axes put back as static extent-1
/// axes, so that it broadcasts against the input; g itself with keepdims.
Var expand_reduced(const Var& g, const Attrs& a);

/// Writes the kernel code of reduction node n through tj_reduce: n's output is allocated,
/// filled with `init` (a C expression of n's C type), then every input element v is folded into
/// its accumulator u by `op_expr`: a C expression of u and v, or the name of a functor of
/// codegen_templates/reduce.hpp (`tj_op_max`; shared by every such loop). `check` runs after the
/// allocation and may return early (it sees `a`, the input, `n_out`, and `cnt`, the number of
/// reduced elements per output); `epilogue` runs last (sees `o`, `n_out` and `cnt` too).
void emit_reduce_loop(EmitContext& e, const Node& n, const std::string& init,
                      const std::string& op_expr, const std::string& check = "",
                      const std::string& epilogue = "");

/// Writes `long long ost[...]`: for each input axis of reduction node n, the stride of n's output
/// (slot already allocated) along it, 0 on the reduced axes. Also writes `int red[...]`, 1 on
/// the reduced axes.
void emit_reduce_strides(EmitContext& e, const Node& n);

} // namespace tensorjit
