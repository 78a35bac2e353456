// Shape ops that join and split tensors: concatenate (join), stack and split.
#include "compiler/ops/emit_context.hpp"
#include "compiler/ops/op_def.hpp"
#include "compiler/ops/shape_util.hpp"

#include <tensorjit/checked.hpp>
#include <tensorjit/indexing.hpp>

namespace tensorjit {

using namespace shape_detail;

// concatenate(x0, x1, ..., axis = ints[0]) with dtypes promoted to a common one.
TJ_REGISTER_OP(OpDef{
    .kind = OpKind::Concatenate,
    .arity = -1,
    .prepare =
        [](std::vector<NodePtr>& in, Attrs&) {
            DType t = in[0]->type.dtype;
            for (const auto& x : in) t = promote(t, x->type.dtype);
            for (auto& x : in) x = cast_to(x, t);
        },
    .type_rule =
        [](std::span<const NodePtr> in, const Attrs& a) {
            const int axis = static_cast<int>(a.ints[0]);
            const TensorType& t0 = in[0]->type;
            Dims out = t0.shape;
            for (std::size_t i = 1; i < in.size(); ++i) {
                const TensorType& ti = in[i]->type;
                TJ_CHECK(ti.ndim() == t0.ndim(), ShapeError)
                    << "concatenate: input " << i + 1 << "/" << in.size() << " has type "
                    << ti.str() << ", input 1 has " << t0.str() << ": the ranks differ";
                for (int d = 0; d < t0.ndim(); ++d) {
                    if (d == axis) {
                        if (out[d] == dyn || ti.shape[d] == dyn) {
                            out[d] = dyn;
                            continue;
                        }
                        TJ_CHECK(checked::add(out[d], ti.shape[d], &out[d]), ValueError)
                            << "concatenate: the extents along axis " << axis
                            << " add up to more than a 64-bit integer holds";
                        continue;
                    }
                    TJ_CHECK(out[d] == dyn || ti.shape[d] == dyn || out[d] == ti.shape[d],
                             ShapeError)
                        << "concatenate: input " << i + 1 << "/" << in.size() << " has type "
                        << ti.str() << ", which does not match " << t0.str()
                        << " except along axis " << axis;
                    if (out[d] == dyn) out[d] = ti.shape[d];
                }
            }
            check_static_shape(TensorType{t0.dtype, out}, "concatenate");
            return TensorType{t0.dtype, out};
        },
    .reference =
        [](std::span<const Array> in, const Node& n) {
            const int axis = static_cast<int>(n.attrs.ints[0]);
            Dims shape = in[0].shape();
            shape[axis] = 0;
            for (const auto& x : in) {
                for (int d = 0; d < shape.size(); ++d)
                    TJ_CHECK(d == axis || x.shape()[d] == in[0].shape()[d], ShapeError)
                        << "concatenate: shapes " << shape_str(in[0].shape()) << " and "
                        << shape_str(x.shape()) << " differ outside axis " << axis;
                TJ_CHECK(checked::add(shape[axis], x.shape()[axis], &shape[axis]), ValueError)
                    << "concatenate: the extents along axis " << axis
                    << " add up to more than a 64-bit integer holds";
            }
            Array out = Array::empty(n.type.dtype, shape);
            const Dims ost = c_strides(shape);
            const std::int64_t isz = static_cast<std::int64_t>(out.itemsize());
            std::int64_t start = 0;
            for (const auto& x : in) {
                for_each_offset(x.shape(), x.strides(), [&](std::int64_t i, std::int64_t off) {
                    std::int64_t rem = i, o = 0;
                    for (int d = x.ndim() - 1; d >= 0; --d) {
                        o += (rem % x.shape()[d] + (d == axis ? start : 0)) * ost[d];
                        rem /= x.shape()[d];
                    }
                    std::copy_n(static_cast<const char*>(x.raw_data()) + off * isz, isz,
                                static_cast<char*>(out.raw_data()) + o * isz);
                });
                start += x.shape()[axis];
            }
            return out;
        },
    .emit =
        [](EmitContext& e, const Node& n) {
            auto& os = e.out();
            const int nd = n.type.ndim(), axis = static_cast<int>(n.attrs.ints[0]);
            const std::string t = EmitContext::ctype(n.type.dtype);
            e.require_template("shape_ops.hpp");
            os << "  { /* " << describe(n) << " */\n    long long osh[" << nd << "];\n";
            const std::string a0 = e.arr(n.inputs[0].get());
            os << "    for (int d = 0; d < " << nd << "; ++d) osh[d] = " << a0 << "->shape[d];\n";
            os << "    osh[" << axis << "] = 0;\n";
            for (const auto& in : n.inputs) {
                const std::string ai = e.arr(in.get());
                for (int d = 0; d < nd; ++d)
                    if (d != axis)
                        os << "    if (" << ai << "->shape[" << d << "] != osh[" << d
                           << "]) return tj_rt_extent_error(f, " << e.id(&n)
                           << ", TJ_EXTENT_JOINED, " << nd << ", " << a0 << "->shape, " << d << ", "
                           << nd << ", " << ai << "->shape, " << d << ");\n";
                os << "    if (__builtin_add_overflow(osh[" << axis << "], " << ai << "->shape["
                   << axis << "], &osh[" << axis << "])) return tj_rt_value_error(f, " << e.id(&n)
                   << ", TJ_E_SHAPE_TOO_BIG, " << ai << "->shape[" << axis << "]);\n";
            }
            os << "    if (tj_check_shape(f, " << e.id(&n) << ", " << nd << ", osh, "
               << dtype_size(n.type.dtype) << ")) return 1;\n";
            os << "    " << t << "* o = (" << t << "*)tj_rt_alloc(f, " << e.slot(&n) << ", " << nd
               << ", osh);\n";
            os << "    if (!o) return 1;\n    const long long* ost = f->slots[" << e.slot(&n)
               << "].strides;\n";
            os << "    long long start = 0;\n";
            for (const auto& in : n.inputs) {
                const std::string ai = e.arr(in.get());
                os << "    tj_apply_strided(" << nd << ", " << ai << "->shape, o + start * ost["
                   << axis << "], ost, (const " << t << "*)" << ai << "->data, " << ai
                   << "->strides, tj_assign_op<" << t << ">());\n";
                os << "    start += " << ai << "->shape[" << axis << "];\n";
            }
            os << "  }\n";
        },
    // d concatenate(xs)/dx_i = g's part along the axis from x_i's start to its end
    .pullback = [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
        const int axis = static_cast<int>(n.attrs.ints[0]);
        std::vector<Var> r;
        std::int64_t start_c = 0;
        Var start_v; // symbolic start once an extent is unknown
        for (const auto& in : n.inputs) {
            const std::int64_t ext = in->type.shape[axis];
            std::vector<Index> idx(static_cast<std::size_t>(axis), Index(colon));
            Attrs one;
            one.ints = {axis};
            if (!start_v.defined() && ext != dyn) {
                idx.emplace_back(slice(start_c, start_c + ext));
                start_c += ext;
            } else {
                if (!start_v.defined()) start_v = Var(start_c);
                Var len(make_node(OpKind::AxesSize, {in}, one));
                Var stop = start_v + len;
                idx.emplace_back(slice(start_v, stop));
                start_v = stop;
            }
            r.push_back(g.index(idx));
        }
        return r;
    },
});

// ---- public functions ------------------------------------------------------------------------

Var concatenate(const std::vector<Var>& xs, int axis) {
    TJ_CHECK(!xs.empty(), ValueError) << "concatenate: needs at least one tensor";
    std::vector<NodePtr> in;
    for (const auto& x : xs) {
        TJ_CHECK(x.defined(), ValueError) << "concatenate: undefined variable";
        in.push_back(x.node());
    }
    const int nd = xs[0].ndim();
    TJ_CHECK(nd > 0, ValueError) << "concatenate: zero-dimensional tensors cannot be concatenated";
    const int p = axis < 0 ? axis + nd : axis;
    TJ_CHECK(p >= 0 && p < nd, ValueError)
        << "concatenate: axis " << axis << " is out of range for " << xs[0].type().str();
    if (xs.size() == 1) return xs[0];
    Attrs a;
    a.ints = {p};
    return Var(make_node(OpKind::Concatenate, in, a));
}

Var join(int axis, const std::vector<Var>& xs) { return concatenate(xs, axis); }

Var stack(const std::vector<Var>& xs, int axis) {
    TJ_CHECK(!xs.empty(), ValueError) << "stack: needs at least one tensor";
    const int nd = xs[0].ndim() + 1;
    const int p = axis < 0 ? axis + nd : axis;
    TJ_CHECK(p >= 0 && p < nd, ValueError)
        << "stack: axis " << axis << " is out of range for a result of rank " << nd;
    std::vector<Var> ex;
    for (const auto& x : xs) {
        TJ_CHECK(x.defined() && x.ndim() == nd - 1, ShapeError)
            << "stack: all inputs must have the same rank, got " << xs[0].type().str() << " and "
            << (x.defined() ? x.type().str() : "undefined");
        ex.push_back(expand_dims(x, {p}));
    }
    if (ex.size() == 1) return ex[0];
    Attrs a;
    a.ints = {p};
    std::vector<NodePtr> in;
    for (const auto& x : ex) in.push_back(x.node());
    return Var(make_node(OpKind::Concatenate, in, a));
}

std::vector<Var> split(const Var& x, const std::vector<std::int64_t>& sizes, int axis) {
    TJ_CHECK(x.defined(), ValueError) << "split: undefined variable";
    const int nd = x.ndim();
    const int p = axis < 0 ? axis + nd : axis;
    TJ_CHECK(p >= 0 && p < nd, ValueError)
        << "split: axis " << axis << " is out of range for " << x.type().str();
    std::int64_t total = 0;
    for (auto s : sizes) {
        TJ_CHECK(s >= 0, ValueError) << "split: negative size " << s;
        TJ_CHECK(checked::add(total, s, &total), ValueError)
            << "split: the sizes " << dims_text(sizes)
            << " add up to more than a 64-bit integer holds";
    }
    const std::int64_t ext = x.type().shape[p];
    TJ_CHECK(ext == dyn || ext == total, ShapeError)
        << "split: the sizes " << dims_text(sizes) << " sum to " << total << ", but axis " << p
        << " of " << x.type().str() << " has extent " << ext;
    std::vector<Var> out;
    std::int64_t start = 0;
    for (auto sz : sizes) {
        std::vector<Index> idx(static_cast<std::size_t>(p), Index(colon));
        idx.emplace_back(slice(start, start + sz));
        Var piece = x.index(idx);
        if (ext == dyn && piece.node()->op == OpKind::Subtensor) {
            // The extent is known at run time only: each piece checks that the sizes sum to it
            // (compiler/ops/indexing_util.hpp, the trailing {kSplitCheck, axis, extent} group).
            Attrs a = piece.node()->attrs;
            a.ints.insert(a.ints.end(), {2, p, total});
            piece = Var(make_node(OpKind::Subtensor, piece.node()->inputs, a));
        }
        out.push_back(piece);
        start += sz;
    }
    return out;
}

} // namespace tensorjit
