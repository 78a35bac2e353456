// The typing of element-wise ops: static broadcasting, NumPy/JAX dtype promotion with weak
// scalars, and the dtype rules of <tensorjit/elementwise_ops.def>.
#include "compiler/ops/elemwise.hpp"

#include "compiler/ops/op_def.hpp"

#include <string>

namespace tensorjit {

// ---- typing -----------------------------------------------------------------------------------

Dims broadcast_static(std::span<const NodePtr> inputs, const char* op) {
    int nd = 0;
    for (const auto& in : inputs) nd = std::max(nd, in->type.ndim());
    Dims out;
    out.resize(nd, 1);
    // Which input fixed each known extent, for the message.
    std::vector<const Node*> fixed_by(nd, nullptr);
    for (const auto& in : inputs) {
        const Dims& s = in->type.shape;
        for (int i = 0; i < s.size(); ++i) {
            int o = nd - s.size() + i;
            std::int64_t d = s[i];
            if (d == 1) continue;
            if (out[o] == 1) {
                out[o] = d;
                fixed_by[o] = in.get();
            } else if (d == dyn) {
                continue;
            } else if (out[o] == dyn) {
                out[o] = d;
                fixed_by[o] = in.get();
            } else if (out[o] != d) {
                TJ_THROW(ShapeError)
                    << op << ": shapes " << fixed_by[o]->type.str() << " and " << in->type.str()
                    << " cannot broadcast (axis " << o << ": " << out[o] << " vs " << d << ")";
            }
        }
    }
    return out;
}

DType float_for(DType t) {
    if (is_float(t)) return t;
    return dtype_size(t) <= 2 ? DType::Float32 : DType::Float64;
}

// NumPy 2 / JAX weak scalars: a C++ scalar constant takes the dtype of the tensors it meets,
// except that a float scalar turns integer tensors into float64 (and an int scalar turns bool
// tensors into int64).
DType common_dtype(const std::vector<NodePtr>& inputs) {
    bool any_strong = false;
    DType strong = DType::Bool;
    for (const auto& in : inputs)
        if (!in->weak) {
            strong = any_strong ? promote(strong, in->type.dtype) : in->type.dtype;
            any_strong = true;
        }
    DType result = strong;
    for (const auto& in : inputs) {
        if (!in->weak) continue;
        DType w = in->type.dtype;
        if (!any_strong) {
            result = result == DType::Bool && w != DType::Bool ? w : promote(result, w);
            continue;
        }
        if (is_float(w) && !is_float(result))
            result = DType::Float64;
        else if (is_integer(w) && result == DType::Bool)
            result = DType::Int64;
    }
    return result;
}

void prepare_elemwise(const ElemwiseSpec& spec, std::vector<NodePtr>& inputs) {
    const char* op = op_name(spec.kind);
    // where(cond, a, b): the condition becomes bool; only the values take part in promotion.
    const std::size_t first = spec.rule == DtypeRule::Where ? 1 : 0;
    if (first) inputs[0] = cast_to(inputs[0], DType::Bool);
    DType compute = common_dtype(std::vector<NodePtr>(inputs.begin() + first, inputs.end()));
    switch (spec.rule) {
    case DtypeRule::NoBool:
        // NumPy refuses only the bool loop: bool - int8 computes in int8, bool - bool fails.
        if (compute != DType::Bool) break;
        for (std::size_t i = 0; i < inputs.size(); ++i)
            TJ_CHECK(inputs[i]->type.dtype != DType::Bool, TypeError)
                << op << ": input " << i + 1 << "/" << inputs.size() << " has dtype bool, which "
                << op << " does not support (use logical ops)";
        break;
    case DtypeRule::TrueDiv:
        if (!is_float(compute)) compute = DType::Float64;
        break;
    case DtypeRule::FloatMath:
        compute = float_for(compute);
        break;
    case DtypeRule::BoolAsInt8:
        if (compute == DType::Bool) compute = DType::Int8;
        break;
    case DtypeRule::IntOrFloat:
        if (compute == DType::Bool) compute = float_for(compute);
        break;
    case DtypeRule::Bitwise: {
        for (std::size_t i = 0; i < inputs.size(); ++i)
            TJ_CHECK(!is_float(inputs[i]->type.dtype), TypeError)
                << op << ": input " << i + 1 << "/" << inputs.size() << " has dtype "
                << dtype_name(inputs[i]->type.dtype) << ", expected bool or an integer dtype";
        // uint64 with a signed integer promotes to float64, as in NumPy.
        std::string dtypes;
        for (const auto& in : inputs)
            dtypes += (dtypes.empty() ? "" : " and ") + std::string(dtype_name(in->type.dtype));
        TJ_CHECK(!is_float(compute), TypeError)
            << op << ": inputs of dtypes " << dtypes << " promote to " << dtype_name(compute)
            << ", expected bool or an integer dtype";
        break;
    }
    default:
        break;
    }
    for (std::size_t i = first; i < inputs.size(); ++i) inputs[i] = cast_to(inputs[i], compute);
}

TensorType type_elemwise(const ElemwiseSpec& spec, std::span<const NodePtr> inputs) {
    // The values' dtype: the last input's (where's first input is its bool condition).
    DType out = spec.rule == DtypeRule::Compare ? DType::Bool : inputs.back()->type.dtype;
    return TensorType{out, broadcast_static(inputs, op_name(spec.kind))};
}

} // namespace tensorjit
