/// \file
/// Helpers shared by the reduction ops (reductions.cpp, reductions_extrema.cpp,
/// reductions_cumulative.cpp, softmax.cpp) and by ops that reduce (linalg): the axis attributes,
/// the static shape of a result, the gradient's way back to the input's rank, the kernel code of
/// tj_reduce loops (codegen_templates/reduce.hpp), and in reduce_detail the references and record
/// pieces the family's files share.
#pragma once

#include "compiler/graph/node.hpp"

#include <span>
#include <string>
#include <vector>

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
/// axes, so that it broadcasts against the input; g itself with keepdims, or when it is a scalar.
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

namespace reduce_detail {

/// For each output position of a reduction with attributes `a` (C order), the elements of x
/// along the reduced axes, in C order.
template <class T> std::vector<std::vector<T>> reduced_groups(const Array& x, const Attrs& a) {
    Dims keep = x.shape();
    for (int d = 0; d < keep.size(); ++d)
        if (is_reduced(a, d)) keep[d] = 1;
    const Dims kst = c_strides(keep);
    std::vector<std::vector<T>> groups(static_cast<std::size_t>(keep.product()));
    const Array xc = x.copy();
    const T* in = static_cast<const T*>(xc.raw_data());
    for (std::int64_t i = 0; i < x.size(); ++i) {
        std::int64_t rem = i, off = 0;
        for (int d = x.ndim() - 1; d >= 0; --d) {
            const std::int64_t idx = rem % x.shape()[d];
            rem /= x.shape()[d];
            if (!is_reduced(a, d)) off += idx * kst[d];
        }
        groups[static_cast<std::size_t>(off)].push_back(in[i]);
    }
    return groups;
}

/// The result of reduction node n from one value per group: f(group), converted to n's dtype.
template <class F> Array reduce_groups(const Array& x, const Node& n, F f) {
    Array out = Array::zeros(n.type.dtype, reduced_shape(x.shape(), n.attrs));
    visit_dtype(x.dtype(), [&](auto tv) {
        using T = decltype(tv);
        auto groups = reduced_groups<T>(x, n.attrs);
        visit_dtype(n.type.dtype, [&](auto ov) {
            using O = decltype(ov);
            O* o = static_cast<O*>(out.raw_data());
            for (std::size_t j = 0; j < groups.size(); ++j) o[j] = static_cast<O>(f(groups[j]));
        });
    });
    return out;
}

/// x, the first input of n (for gradients).
inline Var in0(const Node& n) { return Var(n.inputs[0]); }

/// The type rule of reductions that keep the input's dtype.
TensorType reduced_type(std::span<const NodePtr> in, const Attrs& a);

/// Preparation: the input cast to its sum_dtype.
void to_sum_dtype(std::vector<NodePtr>& in, Attrs&);

/// No gradient flows through integer or boolean results (grad() stops there): argmax, argmin,
/// all and any are disconnected from their input, as in PyTensor.
std::vector<Var> no_gradient(const Node&, const Var&, const Var&);

/// The reduction node k of x over `axis` (reduce_attrs named after k).
Var reduction(OpKind k, const Var& x, const Axes& axis, bool keepdims);

/// x, cast to float64 unless it is a float already.
Var as_float(const Var& x);

} // namespace reduce_detail

} // namespace tensorjit
