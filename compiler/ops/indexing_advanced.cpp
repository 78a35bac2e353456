// Advanced indexing by one integer tensor along an axis (NumPy's take): advanced_subtensor,
// advanced_set_subtensor and advanced_inc_subtensor. Attributes: {axis}; inputs (x[, v], idx).
#include "compiler/ops/elemwise.hpp"
#include "compiler/ops/emit_context.hpp"
#include "compiler/ops/indexing_util.hpp"
#include "compiler/ops/op_def.hpp"

#include <algorithm>
#include <cstring>

namespace tensorjit {

using namespace index_detail;

namespace {

// Positions (normalized) of the integers of idx along an axis of extent n.
std::vector<std::int64_t> positions(const Array& idx, int axis, std::int64_t n, const char* op) {
    std::vector<std::int64_t> p;
    for (std::int64_t j = 0; j < idx.size(); ++j) {
        const auto i = static_cast<std::int64_t>(idx.flat(j));
        const std::int64_t q = i < 0 ? i + n : i;
        TJ_CHECK(q >= 0 && q < n, ValueError) << op << ": " << index_error_text(i, axis, n);
        p.push_back(q);
    }
    return p;
}

Dims take_shape(const Dims& xs, const Dims& is, int axis) {
    Dims out;
    for (int d = 0; d < axis; ++d) out.push_back(xs[d]);
    for (auto e : is) out.push_back(e);
    for (int d = axis + 1; d < xs.size(); ++d) out.push_back(xs[d]);
    return out;
}

// Calls fn(x offset, C-order position in the taken block) for every element of take(x, idx).
template <class F>
void for_each_taken(const Array& x, int axis, const std::vector<std::int64_t>& pos, F fn) {
    const Dims& sh = x.shape();
    const Dims& st = x.strides();
    Dims outer, inner, ost, ist;
    for (int d = 0; d < axis; ++d) {
        outer.push_back(sh[d]);
        ost.push_back(st[d]);
    }
    for (int d = axis + 1; d < x.ndim(); ++d) {
        inner.push_back(sh[d]);
        ist.push_back(st[d]);
    }
    auto offset = [](const Dims& s, const Dims& t, std::int64_t i) {
        std::int64_t off = 0;
        for (int d = s.size() - 1; d >= 0; --d) {
            off += (i % s[d]) * t[d];
            i /= s[d];
        }
        return off;
    };
    std::int64_t o = 0;
    for (std::int64_t a = 0; a < outer.product(); ++a)
        for (auto p : pos)
            for (std::int64_t k = 0; k < inner.product(); ++k)
                fn(offset(outer, ost, a) + p * st[axis] + offset(inner, ist, k), o++);
}

Array take_reference(std::span<const Array> in, const Node& n) {
    const int axis = static_cast<int>(n.attrs.ints[0]);
    const Array& x = in[0];
    const auto pos = positions(in[1], axis, x.shape()[axis], "advanced_subtensor");
    Array out = Array::empty(x.dtype(), take_shape(x.shape(), in[1].shape(), axis));
    const auto isz = static_cast<std::int64_t>(x.itemsize());
    for_each_taken(x, axis, pos, [&](std::int64_t xo, std::int64_t o) {
        std::memcpy(static_cast<char*>(out.raw_data()) + o * isz,
                    static_cast<const char*>(x.raw_data()) + xo * isz,
                    static_cast<std::size_t>(isz));
    });
    return out;
}

Array adv_set_inc_reference(std::span<const Array> in, const Node& n, bool inc) {
    const int axis = static_cast<int>(n.attrs.ints[0]);
    const char* op = inc ? "advanced_inc_subtensor" : "advanced_set_subtensor";
    Array r = in[0].copy();
    const auto pos = positions(in[2], axis, r.shape()[axis], op);
    const Dims os = take_shape(r.shape(), in[2].shape(), axis);
    const Array& v = in[1];
    const TensorType& vt = n.inputs[1]->type;
    const int no = os.size();
    Dims vst;
    for (int d = 0; d < no; ++d) {
        const int k = d - (no - v.ndim());
        if (k < 0 || vt.shape[k] == 1) {
            vst.push_back(0);
            continue;
        }
        TJ_CHECK(v.shape()[k] == os[d], ShapeError)
            << op << ": shapes " << shape_str(v.shape()) << " and " << shape_str(os)
            << " cannot broadcast";
        vst.push_back(v.strides()[k]);
    }
    visit_dtype(r.dtype(), [&](auto tv) {
        using T = decltype(tv);
        T* rp = static_cast<T*>(r.raw_data());
        const T* vp = static_cast<const T*>(v.raw_data());
        for_each_taken(r, axis, pos, [&](std::int64_t ro, std::int64_t o) {
            std::int64_t rem = o, vo = 0;
            for (int d = no - 1; d >= 0; --d) {
                vo += (rem % os[d]) * vst[d];
                rem /= os[d];
            }
            if (inc)
                rp[ro] = static_cast<T>(rp[ro] + vp[vo]);
            else
                rp[ro] = vp[vo];
        });
    });
    return r;
}

// Code for `pos`/`cnt` (index positions) and `osh` (the taken block's shape).
std::string take_code(EmitContext& e, const Node& n, const std::string& x, const std::string& ix,
                      int nx, int ni, int axis) {
    const int no = nx - 1 + ni;
    std::string c = "    const long long* pos = tj_index_positions(f, " + s(e.id(&n)) + ", " +
                    s(axis) + ", " + ix + ", " + s(ni) + ", " + x + "->shape[" + s(axis) +
                    "]);\n    if (!pos) return 1;\n";
    c += "    const long long cnt = tj_prod(" + s(ni) + ", " + ix + "->shape);\n";
    c += "    long long osh[" + s(std::max(1, no)) + "];\n";
    int j = 0;
    for (int d = 0; d < axis; ++d)
        c += "    osh[" + s(j++) + "] = " + x + "->shape[" + s(d) + "];\n";
    for (int d = 0; d < ni; ++d)
        c += "    osh[" + s(j++) + "] = " + ix + "->shape[" + s(d) + "];\n";
    for (int d = axis + 1; d < nx; ++d)
        c += "    osh[" + s(j++) + "] = " + x + "->shape[" + s(d) + "];\n";
    return c;
}

void emit_adv_set_inc(EmitContext& e, const Node& n, bool inc) {
    auto& os = e.out();
    const int nx = n.type.ndim(), ni = n.inputs[2]->type.ndim(),
              axis = static_cast<int>(n.attrs.ints[0]);
    const int slot = e.slot(&n);
    const std::string t = EmitContext::ctype(n.type.dtype);
    e.require_template("reduce.hpp");
    e.require_template("shape_ops.hpp");
    os << "  { /* " << describe(n) << " */\n";
    os << "    const tj_arr* xs = " << e.arr(n.inputs[0].get()) << ";\n";
    os << "    const tj_arr* val = " << e.arr(n.inputs[1].get()) << ";\n";
    os << "    const tj_arr* ix = " << e.arr(n.inputs[2].get()) << ";\n";
    os << take_code(e, n, "xs", "ix", nx, ni, axis);
    os << value_strides_code(n, e.id(&n), n.inputs[1]->type, nx - 1 + ni, "osh");
    os << "    " << t << "* o = (" << t << "*)tj_rt_alloc(f, " << slot << ", " << nx
       << ", xs->shape);\n";
    os << "    if (!o) return 1;\n    tj_copy_to_contiguous(xs, " << nx << ", o);\n";
    os << "    tj_scatter(&f->slots[" << slot << "], " << nx << ", " << axis
       << ", pos, cnt, (const " << t << "*)val->data, " << nx - 1 + ni << ", osh, vst, "
       << (inc ? "tj_add_op<" : "tj_assign_op<") << t << ">());\n  }\n";
}

TensorType adv_set_inc_type(std::span<const NodePtr> in, const Attrs& a, const char* op) {
    const int axis = static_cast<int>(a.ints[0]);
    check_value_fits(in[1]->type, take_shape(in[0]->type.shape, in[2]->type.shape, axis), op,
                     in[0]->type);
    return in[0]->type;
}

} // namespace

// advanced_subtensor(x, idx): x taken at the int64 positions idx along attrs.ints[0].
TJ_REGISTER_OP(OpDef{
    .kind = OpKind::AdvancedSubtensor,
    .arity = 2,
    .type_rule =
        [](std::span<const NodePtr> in, const Attrs& a) {
            return TensorType{in[0]->type.dtype, take_shape(in[0]->type.shape, in[1]->type.shape,
                                                            static_cast<int>(a.ints[0]))};
        },
    .reference = take_reference,
    .emit =
        [](EmitContext& e, const Node& n) {
            auto& os = e.out();
            const int nx = n.inputs[0]->type.ndim(), ni = n.inputs[1]->type.ndim(),
                      axis = static_cast<int>(n.attrs.ints[0]);
            const std::string t = EmitContext::ctype(n.type.dtype);
            e.require_template("shape_ops.hpp");
            os << "  { /* " << describe(n) << " */\n";
            os << "    const tj_arr* xs = " << e.arr(n.inputs[0].get()) << ";\n";
            os << "    const tj_arr* ix = " << e.arr(n.inputs[1].get()) << ";\n";
            os << take_code(e, n, "xs", "ix", nx, ni, axis);
            os << "    " << t << "* o = (" << t << "*)tj_rt_alloc(f, " << e.slot(&n) << ", "
               << n.type.ndim() << ", osh);\n";
            os << "    if (!o) return 1;\n    tj_take(xs, " << nx << ", " << axis
               << ", pos, cnt, o);\n  }\n";
        },
    // d take(x, idx) = advanced_inc_subtensor(zeros_like(x), g, idx)
    .pullback = [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
        Var x(n.inputs[0]);
        return {Var(make_node(OpKind::AdvancedIncSubtensor,
                              {zeros_like(x).node(), g.node(), n.inputs[1]}, n.attrs)),
                Var()};
    },
});

TJ_REGISTER_OP(OpDef{
    .kind = OpKind::AdvancedSetSubtensor,
    .arity = 3,
    .prepare = [](std::vector<NodePtr>& in, Attrs&) { in[1] = cast_to(in[1], in[0]->type.dtype); },
    .type_rule = [](std::span<const NodePtr> in,
                    const Attrs& a) { return adv_set_inc_type(in, a, "advanced_set_subtensor"); },
    .reference = [](std::span<const Array> in,
                    const Node& n) { return adv_set_inc_reference(in, n, false); },
    .emit = [](EmitContext& e, const Node& n) { emit_adv_set_inc(e, n, false); },
    // d/dx = g with the indexed elements zeroed; d/dv = take(g, idx) summed to v's shape
    .pullback = [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
        Var gx(make_node(OpKind::AdvancedSetSubtensor,
                         {g.node(), make_constant(Array::full(g.dtype(), Dims{}, 0)), n.inputs[2]},
                         n.attrs));
        Var gv = sum_to(Var(make_node(OpKind::AdvancedSubtensor, {g.node(), n.inputs[2]}, n.attrs)),
                        Var(n.inputs[1]));
        return {gx, gv, Var()};
    },
});

TJ_REGISTER_OP(OpDef{
    .kind = OpKind::AdvancedIncSubtensor,
    .arity = 3,
    .prepare = [](std::vector<NodePtr>& in, Attrs&) { in[1] = cast_to(in[1], in[0]->type.dtype); },
    .type_rule = [](std::span<const NodePtr> in,
                    const Attrs& a) { return adv_set_inc_type(in, a, "advanced_inc_subtensor"); },
    .reference = [](std::span<const Array> in,
                    const Node& n) { return adv_set_inc_reference(in, n, true); },
    .emit = [](EmitContext& e, const Node& n) { emit_adv_set_inc(e, n, true); },
    // d/dx = g; d/dv = take(g, idx) summed to v's shape
    .pullback = [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
        Var gv = sum_to(Var(make_node(OpKind::AdvancedSubtensor, {g.node(), n.inputs[2]}, n.attrs)),
                        Var(n.inputs[1]));
        return {g, gv, Var()};
    },
});

} // namespace tensorjit
