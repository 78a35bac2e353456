/// \file
/// Helpers shared by element-wise ops (dtype rules, typing in elemwise_typing.cpp, the reference
/// loop and the OpDef builder that elemwise_ops.cpp expands the element-wise table with) and by
/// ops that broadcast.
#pragma once

#include "compiler/graph/node.hpp"
#include "compiler/ops/op_def.hpp"

#include <cstdint>
#include <span>
#include <type_traits>
#include <vector>

namespace tensorjit {

/// Static broadcast of the input types' shapes (NumPy rules; `dyn` stays unknown unless another
/// input fixes it). ShapeError naming the op and both shapes when known extents disagree.
Dims broadcast_static(std::span<const NodePtr> inputs, const char* op);

/// The gradient g (of a broadcast result) summed back to the shape of x.
Var sum_to(const Var& g, const Var& x);

/// How an element-wise op picks its computation and result dtypes.
enum class DtypeRule {
    Arith,      ///< promote; result = computation dtype
    NoBool,     ///< as Arith, but a bool computation is a TypeError (NumPy's `-` on bools)
    TrueDiv,    ///< promote, then integers/bool compute in float64
    FloatMath,  ///< integers/bool compute in float (float32 for <= 16-bit ints, else float64)
    Compare,    ///< promote; result bool
    BoolAsInt8, ///< as Arith, but bool computes in int8 (NumPy ufuncs without a bool loop: //, %)
    IntOrFloat, ///< integers keep their dtype, bool computes in float32 (NumPy's round)
    Bitwise,    ///< promote; bool or integers only, a float input or result is a TypeError
    Where,      ///< input 1 (the condition) becomes bool; the others promote; result theirs
};

/// The float dtype integer/bool data computes in for FloatMath (float32 for <= 16-bit types).
DType float_for(DType t);

/// NumPy 2 / JAX promotion of the inputs' dtypes, where weak inputs (C++ scalar constants) take
/// the dtype of the strong ones they meet.
DType common_dtype(const std::vector<NodePtr>& inputs);

/// An element-wise op's record: kind, arity, dtype rule and scalar functor of
/// codegen_templates/scalar_ops.hpp.
struct ElemwiseSpec {
    OpKind kind;
    int arity;
    DtypeRule rule;
    const char* functor;
};

/// Casts the inputs to the op's computation dtype (the condition of Where to bool); TypeError
/// naming the op and the input when the rule refuses a dtype.
void prepare_elemwise(const ElemwiseSpec& spec, std::vector<NodePtr>& inputs);
/// The output type of prepared inputs: the values' dtype (bool for Compare) and the static
/// broadcast shape.
TensorType type_elemwise(const ElemwiseSpec& spec, std::span<const NodePtr> inputs);

/// Applies f element by element over broadcast inputs. Every input is read in the C type of the
/// inputs' promoted dtype (the prepared inputs share it, except Where's bool condition, which
/// arrives as 0 or 1). f takes two arguments for unary ops (the value twice) and binary ones,
/// three for ternary ones; its result is converted to out_dtype.
template <class F> Array elemwise_reference(std::span<const Array> in, DType out_dtype, F f) {
    Dims shape;
    DType value = in[0].dtype();
    for (const auto& a : in) {
        shape = broadcast_shapes(shape, a.shape(), "reference");
        value = promote(value, a.dtype());
    }
    std::vector<Array> b;
    for (const auto& a : in) b.push_back(a.broadcast_to(shape).astype(value));
    Array out = Array::empty(out_dtype, shape);
    const std::int64_t n = out.size();
    visit_dtype(value, [&](auto tv) {
        using T = decltype(tv);
        visit_dtype(out_dtype, [&](auto ov) {
            using O = decltype(ov);
            O* o = static_cast<O*>(out.raw_data());
            auto ptr = [&](std::size_t k) { return static_cast<const T*>(b[k].raw_data()); };
            const T* p0 = ptr(0);
            if constexpr (std::is_invocable_v<F&, T, T, T>) {
                const T* p1 = ptr(1);
                const T* p2 = ptr(2);
                for (std::int64_t i = 0; i < n; ++i) o[i] = static_cast<O>(f(p0[i], p1[i], p2[i]));
            } else if (in.size() == 1) {
                for (std::int64_t i = 0; i < n; ++i) o[i] = static_cast<O>(f(p0[i], p0[i]));
            } else {
                const T* p1 = ptr(1);
                for (std::int64_t i = 0; i < n; ++i) o[i] = static_cast<O>(f(p0[i], p1[i]));
            }
        });
    });
    return out;
}

/// The OpDef of an element-wise op: its spec's typing, the scalar reference `ref` (see
/// elemwise_reference) and functor, and no pullback (the op has bool or integer results).
template <class F> OpDef elemwise_def(ElemwiseSpec spec, F ref) {
    OpDef d;
    d.kind = spec.kind;
    d.arity = spec.arity;
    d.functor = spec.functor;
    d.prepare = [spec](std::vector<NodePtr>& in, Attrs&) { prepare_elemwise(spec, in); };
    d.type_rule = [spec](std::span<const NodePtr> in, const Attrs&) {
        return type_elemwise(spec, in);
    };
    d.reference = [ref](std::span<const Array> in, const Node& n) {
        return elemwise_reference(in, n.type.dtype, ref);
    };
    return d;
}

/// The same with its pullback.
template <class F, class P> OpDef elemwise_def(ElemwiseSpec spec, F ref, P pullback) {
    OpDef d = elemwise_def(spec, ref);
    d.pullback = pullback;
    return d;
}

} // namespace tensorjit
