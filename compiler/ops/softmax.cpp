// softmax and log_softmax over axes, and logsumexp built in the graph from max, exp and sum.
#include "compiler/ops/emit_context.hpp"
#include "compiler/ops/op_def.hpp"
#include "compiler/ops/reductions.hpp"

#include <tensorjit/grad.hpp>

#include <cmath>

namespace tensorjit {

using namespace reduce_detail;

namespace {

// softmax: ds = s (g - sum(g s)); log_softmax: g - exp(l) sum(g), both over the softmax axes.
std::vector<Var> softmax_pullback(const Node& n, const Var& out, const Var& g, bool log_out) {
    std::vector<int> axes(n.attrs.ints.begin() + 1, n.attrs.ints.end());
    if (log_out) return {g - exp(out) * sum(g, axes, true)};
    return {out * (g - sum(g * out, axes, true))};
}

Array softmax_reference(const Array& x, const Node& n, bool log_out) {
    // The groups are the slices along the softmax axes; results go back to their positions.
    Array out = Array::zeros(n.type.dtype, x.shape());
    Dims keep = x.shape();
    for (int d = 0; d < keep.size(); ++d)
        if (is_reduced(n.attrs, d)) keep[d] = 1;
    const Dims kst = c_strides(keep);
    const Array xc = x.copy();
    visit_dtype(n.type.dtype, [&](auto tv) {
        using T = decltype(tv);
        if constexpr (std::is_floating_point_v<T>) {
            const T* in = static_cast<const T*>(xc.raw_data());
            T* o = static_cast<T*>(out.raw_data());
            std::vector<std::vector<std::int64_t>> members(
                static_cast<std::size_t>(keep.product()));
            for (std::int64_t i = 0; i < x.size(); ++i) {
                std::int64_t rem = i, off = 0;
                for (int d = x.ndim() - 1; d >= 0; --d) {
                    const std::int64_t idx = rem % x.shape()[d];
                    rem /= x.shape()[d];
                    if (!is_reduced(n.attrs, d)) off += idx * kst[d];
                }
                members[static_cast<std::size_t>(off)].push_back(i);
            }
            for (const auto& m : members) {
                long double mx = -INFINITY;
                bool nan = false;
                for (auto i : m) {
                    nan |= std::isnan(in[i]);
                    mx = std::max<long double>(mx, in[i]);
                }
                long double s = 0;
                for (auto i : m) s += std::exp(static_cast<long double>(in[i]) - mx);
                for (auto i : m) {
                    const long double v = static_cast<long double>(in[i]) - mx;
                    o[i] = nan ? static_cast<T>(NAN)
                               : static_cast<T>(log_out ? v - std::log(s) : std::exp(v) / s);
                }
            }
        }
    });
    return out;
}

// Kernel: per slice along the axes, three walks (max, sum of exp, write) in tj_softmax.
void emit_softmax(EmitContext& e, const Node& n, bool log_out) {
    auto& os = e.out();
    const Node* x = n.inputs[0].get();
    const int r = x->type.ndim();
    const std::string t = EmitContext::ctype(n.type.dtype);
    const int slot = e.slot(&n);
    e.require_template("reduce.hpp");
    os << "  { /* " << describe(n) << " */\n";
    os << "    const tj_arr* a = " << e.arr(x) << ";\n";
    os << "    " << t << "* o = (" << t << "*)tj_rt_alloc(f, " << slot << ", " << r
       << ", a->shape);\n";
    os << "    if (!o) return 1;\n";
    os << "    long long ost[" << std::max(1, r) << "] = {0};\n";
    os << "    int red[" << std::max(1, r) << "] = {0};\n";
    for (int d = 0; d < r; ++d)
        os << "    ost[" << d << "] = f->slots[" << slot << "].strides[" << d << "];\n";
    for (std::size_t d = 1; d < n.attrs.ints.size(); ++d)
        os << "    red[" << n.attrs.ints[d] << "] = 1;\n";
    os << "    tj_walk outer, inner;\n";
    os << "    tj_split_axes(a, " << r << ", ost, red, &outer, &inner);\n";
    os << "    tj_softmax<" << t << ">(a, outer, inner, o, " << (log_out ? 1 : 0) << ");\n";
    os << "  }\n";
}

TensorType same_type(std::span<const NodePtr> in, const Attrs&) { return in[0]->type; }

void to_float(std::vector<NodePtr>& in, Attrs&) {
    if (!is_float(in[0]->type.dtype)) in[0] = cast_to(in[0], DType::Float64);
}

} // namespace

// softmax(x, axes) = exp(x - max) / sum(exp(x - max)) over the axes; integers give float64.
TJ_REGISTER_OP(OpDef{
    .kind = OpKind::Softmax,
    .arity = 1,
    .prepare = to_float,
    .type_rule = same_type,
    .reference = [](std::span<const Array> in,
                    const Node& n) { return softmax_reference(in[0], n, false); },
    .emit = [](EmitContext& e, const Node& n) { emit_softmax(e, n, false); },
    .pullback = [](const Node& n, const Var& out,
                   const Var& g) { return softmax_pullback(n, out, g, false); },
});

// log_softmax(x, axes) = (x - max) - log(sum(exp(x - max))) over the axes.
TJ_REGISTER_OP(OpDef{
    .kind = OpKind::LogSoftmax,
    .arity = 1,
    .prepare = to_float,
    .type_rule = same_type,
    .reference = [](std::span<const Array> in,
                    const Node& n) { return softmax_reference(in[0], n, true); },
    .emit = [](EmitContext& e, const Node& n) { emit_softmax(e, n, true); },
    .pullback = [](const Node& n, const Var& out,
                   const Var& g) { return softmax_pullback(n, out, g, true); },
});

// ---- public functions -------------------------------------------------------------------------

Var softmax(const Var& x, const Axes& axis) { return reduction(OpKind::Softmax, x, axis, false); }
Var log_softmax(const Var& x, const Axes& axis) {
    return reduction(OpKind::LogSoftmax, x, axis, false);
}

// logsumexp = m + log(sum(exp(x - m))) with m the maximum, or 0 where that is infinite (as
// PyTensor's local_log_sum_exp: all -inf gives -inf, a +inf gives +inf). m is kept out of the
// gradient: the value does not depend on it, and d/dx is softmax(x) without its terms.
Var logsumexp(const Var& x, const Axes& axis, bool keepdims) {
    const Attrs a = reduce_attrs(x, axis, keepdims, "logsumexp");
    const std::vector<int> axes(a.ints.begin() + 1, a.ints.end());
    const Var xf = as_float(x);
    const Var mx = max(xf, axes, true);
    const Var m = disconnected_grad(where(isinf(mx), 0, mx));
    const Var lse = log(sum(exp(xf - m), axes, keepdims));
    // Summing the extent-1 axes of m drops them.
    return lse + (keepdims ? m : sum(m, axes, false));
}

} // namespace tensorjit
