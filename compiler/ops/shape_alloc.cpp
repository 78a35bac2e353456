// Shape ops that make tensors of a shape: shape_of, alloc, broadcast_to, arange, eye, and the
// public functions built from them (full, zeros, ones, fill, *_like).
#include "compiler/ops/elemwise.hpp"
#include "compiler/ops/emit_context.hpp"
#include "compiler/ops/op_def.hpp"
#include "compiler/ops/shape_util.hpp"

#include <cmath>

namespace tensorjit {

using namespace shape_detail;

namespace {

// The length of arange(b, e, st) for floats, or -1 when it is not finite or overflows int64.
std::int64_t float_arange_length(double b, double e, double st) {
    const double q = std::ceil((e - b) / st);
    if (!(q < 9223372036854775808.0)) return -1; // NaN too
    return q > 0 ? static_cast<std::int64_t>(q) : 0;
}

// The length of arange(b, e, st) for integers (exact in 128 bits), or -1 when it overflows.
std::int64_t int_arange_length(__int128 b, __int128 e, __int128 st) {
    const __int128 d = st > 0 ? e - b : b - e, m = st > 0 ? st : -st;
    const __int128 len = d > 0 ? (d - 1) / m + 1 : 0;
    return len > static_cast<__int128>(INT64_MAX) ? -1 : static_cast<std::int64_t>(len);
}

// ---- alloc and broadcast_to ---------------------------------------------------------------------
// Inputs (v) with attrs.ints the static target shape, or (v, shape) with attrs.ints the hints.

TensorType alloc_type(std::span<const NodePtr> in, const Attrs& a, const char* op) {
    const TensorType& vt = in[0]->type;
    const int nd = static_cast<int>(a.ints.size());
    Dims out;
    for (auto d : a.ints) out.push_back(d < 0 ? dyn : d);
    if (in.size() == 2 && in[1]->op == OpKind::Constant) {
        std::vector<std::int64_t> t = shape_values(*in[1]->value);
        for (int i = 0; i < nd; ++i) out[i] = t[static_cast<std::size_t>(i)];
    }
    TJ_CHECK(vt.ndim() <= nd, ShapeError)
        << op << ": cannot broadcast " << vt.str() << " to a shape of rank " << nd;
    for (int k = 0; k < vt.ndim(); ++k) {
        const int d = k + nd - vt.ndim();
        const std::int64_t ve = vt.shape[k];
        if (ve == 1 || ve == dyn) continue;
        TJ_CHECK(out[d] == dyn || out[d] == ve, ShapeError)
            << op << ": cannot broadcast " << vt.str() << " to shape " << shape_str(out);
        out[d] = ve;
    }
    for (int d = 0; d < nd; ++d)
        TJ_CHECK(out[d] >= 0 || out[d] == dyn, ShapeError)
            << op << ": negative extent in shape " << shape_str(out);
    check_static_shape(TensorType{vt.dtype, out}, op);
    return TensorType{vt.dtype, out};
}

Array alloc_reference(std::span<const Array> in, const Node& n, const char* op) {
    std::vector<std::int64_t> t =
        n.inputs.size() == 2 ? shape_values(in[1])
                             : std::vector<std::int64_t>(n.attrs.ints.begin(), n.attrs.ints.end());
    for (std::size_t i = 0; i < t.size(); ++i)
        TJ_CHECK(t[i] >= 0 && (n.attrs.ints[i] < 0 || t[i] == n.attrs.ints[i]), ShapeError)
            << op << ": bad target shape " << dims_text(t);
    const Array& v = in[0];
    const int nd = static_cast<int>(t.size());
    // Static broadcasting: only v's axes of static extent 1 repeat.
    Dims vst;
    for (int d = 0; d < nd; ++d) {
        const int k = d - (nd - v.ndim());
        if (k < 0 || n.inputs[0]->type.shape[k] == 1) {
            vst.push_back(0);
            continue;
        }
        TJ_CHECK(v.shape()[k] == t[static_cast<std::size_t>(d)], ShapeError)
            << op << ": cannot broadcast an array of shape " << shape_str(v.shape()) << " to shape "
            << dims_text(t);
        vst.push_back(v.strides()[k]);
    }
    Array out = Array::empty(n.type.dtype, Dims(t));
    const std::size_t isz = out.itemsize();
    for_each_offset(Dims(t), vst, [&](std::int64_t i, std::int64_t off) {
        std::copy_n(static_cast<const char*>(v.raw_data()) + off * static_cast<std::int64_t>(isz),
                    isz, static_cast<char*>(out.raw_data()) + i * static_cast<std::int64_t>(isz));
    });
    return out;
}

// Code for the target shape `tsh`, the broadcast check of input 0 (named v) and its strides `vst`.
std::string broadcast_strides_code(EmitContext& e, const Node& n, const std::string& v) {
    const int nd = n.type.ndim(), nv = n.inputs[0]->type.ndim();
    std::string c = target_shape_code(e, n, n.inputs.size() == 2 ? 1 : -1, v);
    if (n.inputs.size() == 2)
        c += "    if (tj_check_shape(f, " + s(e.id(&n)) + ", " + s(nd) + ", tsh, " +
             s(static_cast<std::int64_t>(dtype_size(n.type.dtype))) + ")) return 1;\n";
    c += "    long long vst[" + s(std::max(1, nd)) + "];\n";
    for (int d = 0; d < nd; ++d) {
        const int k = d - (nd - nv);
        if (k < 0 || n.inputs[0]->type.shape[k] == 1) {
            c += "    vst[" + s(d) + "] = 0;\n";
            continue;
        }
        c += "    if (" + v + "->shape[" + s(k) + "] != tsh[" + s(d) +
             "]) return tj_rt_shape_error(f, " + s(e.id(&n)) + ", " + s(nv) + ", " + v +
             "->shape, " + s(nd) + ", tsh);\n";
        c += "    vst[" + s(d) + "] = " + v + "->strides[" + s(k) + "];\n";
    }
    return c;
}

void emit_alloc(EmitContext& e, const Node& n) {
    auto& os = e.out();
    const int nd = n.type.ndim();
    const std::string t = EmitContext::ctype(n.type.dtype);
    e.require_template("shape_ops.hpp");
    os << "  { /* " << describe(n) << " */\n    const tj_arr* val = " << e.arr(n.inputs[0].get())
       << ";\n";
    os << broadcast_strides_code(e, n, "val");
    os << "    " << t << "* o = (" << t << "*)tj_rt_alloc(f, " << e.slot(&n) << ", " << nd
       << ", tsh);\n";
    os << "    if (!o) return 1;\n";
    os << "    tj_apply_strided(" << nd << ", tsh, o, f->slots[" << e.slot(&n)
       << "].strides, (const " << t << "*)val->data, vst, tj_assign_op<" << t << ">());\n  }\n";
}

void emit_broadcast_to(EmitContext& e, const Node& n) {
    e.require_template("shape_ops.hpp");
    std::string build = broadcast_strides_code(e, n, "src");
    build += "    tj_arr v;\n    v.data = src->data;\n";
    for (int d = 0; d < n.type.ndim(); ++d)
        build += "    v.shape[" + s(d) + "] = tsh[" + s(d) + "];\n    v.strides[" + s(d) +
                 "] = vst[" + s(d) + "];\n";
    e.emit_view(n, build);
}

Attrs shape_attrs(const ShapeArg& sh, std::vector<NodePtr>& inputs, const char* op) {
    Attrs a;
    if (!sh.is_symbolic()) {
        for (auto d : sh.dims()) {
            TJ_CHECK(d >= 0, ValueError)
                << op << ": negative extent in shape " << dims_text(sh.dims());
            a.ints.push_back(d);
        }
        return a;
    }
    NodePtr sv = shape_vector(sh.var(), op);
    if (sv->op == OpKind::Constant) {
        for (auto d : shape_values(*sv->value)) {
            TJ_CHECK(d >= 0, ValueError)
                << op << ": negative extent in shape " << shape_str(sv->value->shape());
            a.ints.push_back(d);
        }
        return a;
    }
    // The static hints of shape(x) are x's static extents.
    const std::int64_t len = sv->type.shape[0];
    const Node* src = sv.get();
    if (src->op == OpKind::Cast) src = src->inputs[0].get();
    for (std::int64_t i = 0; i < len; ++i)
        a.ints.push_back(
            src->op == OpKind::ShapeOf ? src->inputs[0]->type.shape[static_cast<int>(i)] : dyn);
    inputs.push_back(sv);
    return a;
}

} // namespace

// shape(x): x's extents as an int64 vector.
TJ_REGISTER_OP(OpDef{
    .kind = OpKind::ShapeOf,
    .arity = 1,
    .type_rule =
        [](std::span<const NodePtr> in, const Attrs&) {
            return TensorType{DType::Int64, Dims{in[0]->type.ndim()}};
        },
    .reference =
        [](std::span<const Array> in, const Node&) {
            std::vector<std::int64_t> v(in[0].shape().begin(), in[0].shape().end());
            return Array(v, Dims{static_cast<std::int64_t>(v.size())});
        },
    .emit =
        [](EmitContext& e, const Node& n) {
            auto& os = e.out();
            const int nd = n.inputs[0]->type.ndim();
            os << "  { /* " << describe(n) << " */\n    long long osh[1] = {" << nd << "};\n";
            os << "    long long* o = (long long*)tj_rt_alloc(f, " << e.slot(&n)
               << ", 1, osh);\n    if (!o) return 1;\n";
            for (int d = 0; d < nd; ++d)
                os << "    o[" << d << "] = " << e.arr(n.inputs[0].get()) << "->shape[" << d
                   << "];\n";
            os << "  }\n";
        },
    // The shape does not depend on x's values: disconnected.
    .pullback = [](const Node&, const Var&, const Var&) -> std::vector<Var> { return {Var()}; },
});

// alloc(v[, shape]): v broadcast into a new tensor of the target shape.
TJ_REGISTER_OP(OpDef{
    .kind = OpKind::Alloc,
    .arity = -1,
    .type_rule = [](std::span<const NodePtr> in,
                    const Attrs& a) { return alloc_type(in, a, "alloc"); },
    .reference = [](std::span<const Array> in,
                    const Node& n) { return alloc_reference(in, n, "alloc"); },
    .emit = emit_alloc,
    // d alloc(v, shape)/dv = g summed back to v's shape; the shape is disconnected
    .pullback = [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
        std::vector<Var> r{sum_to(g, Var(n.inputs[0]))};
        if (n.inputs.size() == 2) r.push_back(Var());
        return r;
    },
});

// broadcast_to(x[, shape]): a broadcast view (stride 0 on repeated axes) for temporaries.
TJ_REGISTER_OP(OpDef{
    .kind = OpKind::BroadcastTo,
    .view = true,
    .arity = -1,
    .type_rule = [](std::span<const NodePtr> in,
                    const Attrs& a) { return alloc_type(in, a, "broadcast_to"); },
    .reference = [](std::span<const Array> in,
                    const Node& n) { return alloc_reference(in, n, "broadcast_to"); },
    .emit = emit_broadcast_to,
    // d broadcast_to(x)/dx = g summed over the broadcast axes
    .pullback = [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
        std::vector<Var> r{sum_to(g, Var(n.inputs[0]))};
        if (n.inputs.size() == 2) r.push_back(Var());
        return r;
    },
});

// arange(start, stop, step) in attrs.dtype (the inputs have it already).
TJ_REGISTER_OP(OpDef{
    .kind = OpKind::Arange,
    .arity = 3,
    .type_rule =
        [](std::span<const NodePtr> in, const Attrs& a) {
            for (const auto& x : in)
                TJ_CHECK(x->type.ndim() == 0, TypeError)
                    << "arange: start, stop and step must be scalars, got " << x->type.str();
            std::int64_t len = dyn;
            if (in[0]->op == OpKind::Constant && in[1]->op == OpKind::Constant &&
                in[2]->op == OpKind::Constant) {
                const double b = in[0]->value->item_double(), e = in[1]->value->item_double(),
                             st = in[2]->value->item_double();
                TJ_CHECK(st != 0, ValueError) << "arange: step cannot be zero";
                len = float_arange_length(b, e, st);
                TJ_CHECK(len >= 0, ValueError)
                    << "arange: cannot compute the length of arange(" << b << ", " << e << ", "
                    << st << "): it is not finite or overflows a 64-bit integer";
            }
            check_static_shape(TensorType{a.dtype, Dims{len}}, "arange");
            return TensorType{a.dtype, Dims{len}};
        },
    .reference =
        [](std::span<const Array> in, const Node& n) {
            Array out;
            visit_dtype(n.type.dtype, [&](auto tv) {
                using T = decltype(tv);
                const T b = static_cast<const T*>(in[0].raw_data())[0],
                        e = static_cast<const T*>(in[1].raw_data())[0],
                        st = static_cast<const T*>(in[2].raw_data())[0];
                TJ_CHECK(st != T(0), ValueError) << "arange: step cannot be zero";
                std::int64_t len = 0;
                if constexpr (std::is_floating_point_v<T>)
                    len = float_arange_length(b, e, st);
                else
                    len = int_arange_length(b, e, st);
                TJ_CHECK(len >= 0, ValueError)
                    << "arange: cannot compute the length: it is not finite or overflows a "
                       "64-bit integer";
                out = Array::empty(n.type.dtype, Dims{len});
                T* o = static_cast<T*>(out.raw_data());
                for (std::int64_t i = 0; i < len; ++i)
                    o[i] = static_cast<T>(b + static_cast<T>(i) * st);
            });
            return out;
        },
    .emit =
        [](EmitContext& e, const Node& n) {
            auto& os = e.out();
            const std::string t = EmitContext::ctype(n.type.dtype);
            e.require_template("shape_ops.hpp");
            os << "  { /* " << describe(n) << " */\n";
            os << "    const " << t << " b = *(const " << t << "*)" << e.arr(n.inputs[0].get())
               << "->data;\n";
            os << "    const " << t << " en = *(const " << t << "*)" << e.arr(n.inputs[1].get())
               << "->data;\n";
            os << "    const " << t << " st = *(const " << t << "*)" << e.arr(n.inputs[2].get())
               << "->data;\n";
            os << "    if (st == (" << t << ")0) return tj_rt_value_error(f, " << e.id(&n)
               << ", TJ_E_INVALID, 0);\n";
            os << "    long long osh[1];\n";
            if (is_float(n.type.dtype)) {
                os << "    const double q = __builtin_ceil(((double)en - (double)b) / "
                      "(double)st);\n";
                os << "    if (!(q < 9223372036854775808.0)) return tj_rt_value_error(f, "
                   << e.id(&n) << ", TJ_E_ARANGE_LENGTH, 0);\n";
                os << "    osh[0] = q > 0 ? (long long)q : 0;\n";
            } else {
                // Exact in 128 bits: (en - b) overflows the element type.
                os << "    {\n      const __int128 d = st > (" << t
                   << ")0 ? (__int128)en - (__int128)b : (__int128)b - (__int128)en;\n";
                os << "      const __int128 m = st > (" << t
                   << ")0 ? (__int128)st : -(__int128)st;\n";
                os << "      const __int128 len = d > 0 ? (d - 1) / m + 1 : 0;\n";
                os << "      if (len > (__int128)9223372036854775807LL) return "
                      "tj_rt_value_error(f, "
                   << e.id(&n) << ", TJ_E_ARANGE_LENGTH, 0);\n";
                os << "      osh[0] = (long long)len;\n    }\n";
            }
            os << "    if (tj_check_shape(f, " << e.id(&n) << ", 1, osh, "
               << dtype_size(n.type.dtype) << ")) return 1;\n";
            os << "    " << t << "* o = (" << t << "*)tj_rt_alloc(f, " << e.slot(&n)
               << ", 1, osh);\n    if (!o) return 1;\n";
            os << "    for (long long i = 0; i < osh[0]; ++i) o[i] = (" << t << ")(b + (" << t
               << ")i * st);\n  }\n";
        },
    // The values depend on the bounds only through the grid: disconnected (as PyTensor's zeros).
    .pullback = [](const Node&, const Var&, const Var&) -> std::vector<Var> {
        return {Var(), Var(), Var()};
    },
});

// eye(n, m) with ones on diagonal ints[0], in attrs.dtype; n and m are int64 scalars.
TJ_REGISTER_OP(OpDef{
    .kind = OpKind::Eye,
    .arity = 2,
    .type_rule =
        [](std::span<const NodePtr> in, const Attrs& a) {
            Dims out;
            for (const auto& x : in) {
                TJ_CHECK(x->type.ndim() == 0 && is_integer(x->type.dtype), TypeError)
                    << "eye: n and m must be integer scalars, got " << x->type.str();
                std::int64_t v = x->op == OpKind::Constant ? x->value->item<std::int64_t>() : dyn;
                TJ_CHECK(v >= 0 || v == dyn, ValueError) << "eye: negative dimension " << v;
                out.push_back(v);
            }
            check_static_shape(TensorType{a.dtype, out}, "eye");
            return TensorType{a.dtype, out};
        },
    .reference =
        [](std::span<const Array> in, const Node& n) {
            const std::int64_t r = in[0].item<std::int64_t>(), c = in[1].item<std::int64_t>(),
                               k = n.attrs.ints[0];
            TJ_CHECK(r >= 0 && c >= 0, ValueError) << "eye: negative dimensions " << r << ", " << c;
            Array out = Array::zeros(n.type.dtype, Dims{r, c});
            visit_dtype(n.type.dtype, [&](auto tv) {
                using T = decltype(tv);
                T* o = static_cast<T*>(out.raw_data());
                for (std::int64_t i = 0; i < r; ++i)
                    if (i + k >= 0 && i + k < c) o[i * c + i + k] = T(1);
            });
            return out;
        },
    .emit =
        [](EmitContext& e, const Node& n) {
            auto& os = e.out();
            const std::string t = EmitContext::ctype(n.type.dtype);
            const std::int64_t k = n.attrs.ints[0];
            e.require_template("shape_ops.hpp");
            os << "  { /* " << describe(n) << " */\n    long long osh[2];\n";
            os << "    osh[0] = *(const long long*)" << e.arr(n.inputs[0].get()) << "->data;\n";
            os << "    osh[1] = *(const long long*)" << e.arr(n.inputs[1].get()) << "->data;\n";
            os << "    if (tj_check_shape(f, " << e.id(&n) << ", 2, osh, "
               << dtype_size(n.type.dtype) << ")) return 1;\n";
            os << "    " << t << "* o = (" << t << "*)tj_rt_alloc(f, " << e.slot(&n)
               << ", 2, osh);\n    if (!o) return 1;\n";
            os << "    for (long long i = 0; i < osh[0] * osh[1]; ++i) o[i] = (" << t << ")0;\n";
            os << "    for (long long i = 0; i < osh[0]; ++i)\n      if (i + " << k
               << "LL >= 0 && i + " << k << "LL < osh[1]) o[i * osh[1] + i + " << k << "LL] = ("
               << t << ")1;\n  }\n";
        },
    .pullback = [](const Node&, const Var&, const Var&) -> std::vector<Var> {
        return {Var(), Var()};
    },
});

// ---- public functions ------------------------------------------------------------------------

Var shape(const Var& x) {
    TJ_CHECK(x.defined(), ValueError) << "shape: undefined variable";
    return Var(make_node(OpKind::ShapeOf, {x.node()}));
}

Var alloc(const Var& value, const ShapeArg& shape) {
    TJ_CHECK(value.defined(), ValueError) << "alloc: undefined value";
    std::vector<NodePtr> in{value.node()};
    Attrs a = shape_attrs(shape, in, "alloc");
    return Var(make_node(OpKind::Alloc, in, a));
}

Var broadcast_to(const Var& x, const ShapeArg& shape) {
    TJ_CHECK(x.defined(), ValueError) << "broadcast_to: undefined variable";
    std::vector<NodePtr> in{x.node()};
    Attrs a = shape_attrs(shape, in, "broadcast_to");
    if (in.size() == 1 && Dims(a.ints) == x.type().shape) return x;
    return Var(make_node(OpKind::BroadcastTo, in, a));
}

Var full(const ShapeArg& shape, const Var& value, DType dtype) {
    return alloc(cast(value, dtype), shape);
}
Var full(const ShapeArg& shape, const Var& value) {
    TJ_CHECK(value.defined(), ValueError) << "full: undefined value";
    // A C++ scalar keeps NumPy's default dtypes (int64, float64).
    return alloc(value.node()->weak ? constant(*value.node()->value) : value, shape);
}
Var zeros(const ShapeArg& shape, DType dtype) {
    return alloc(constant(Array::full(dtype, Dims{}, 0)), shape);
}
Var ones(const ShapeArg& shape, DType dtype) {
    return alloc(constant(Array::full(dtype, Dims{}, 1)), shape);
}

Var fill(const Var& model, const Var& value) {
    TJ_CHECK(model.defined() && value.defined(), ValueError) << "fill: undefined variable";
    return Var(make_node(OpKind::Fill, {model.node(), value.node()}));
}
Var zeros_like(const Var& x, DType dtype) {
    return fill(x, constant(Array::full(dtype, Dims{}, 0)));
}
Var zeros_like(const Var& x) { return zeros_like(x, x.dtype()); }
Var ones_like(const Var& x, DType dtype) {
    return fill(x, constant(Array::full(dtype, Dims{}, 1)));
}
Var ones_like(const Var& x) { return ones_like(x, x.dtype()); }

Var arange(const Var& start, const Var& stop, const Var& step, DType dtype) {
    TJ_CHECK(start.defined() && stop.defined() && step.defined(), ValueError)
        << "arange: undefined bound";
    TJ_CHECK(dtype != DType::Bool, TypeError) << "arange: bool is not a valid dtype";
    Attrs a;
    a.dtype = dtype;
    return Var(make_node(
        OpKind::Arange,
        {cast_to(start.node(), dtype), cast_to(stop.node(), dtype), cast_to(step.node(), dtype)},
        a));
}

Var arange(const Var& start, const Var& stop, const Var& step) {
    // NumPy: the bounds' common dtype; C++ integers are int64, doubles float64.
    auto strong = [](const Var& v) {
        const Node& n = *v.node();
        return n.weak ? n.value->dtype() : v.dtype();
    };
    return arange(start, stop, step, promote(promote(strong(start), strong(stop)), strong(step)));
}

Var arange(const Var& stop) { return arange(Var(0), stop, Var(1)); }

Var eye(const Var& n, const Var& m, int k, DType dtype) {
    TJ_CHECK(n.defined() && m.defined(), ValueError) << "eye: undefined size";
    for (const Var* v : {&n, &m})
        TJ_CHECK(v->ndim() == 0 && is_integer(v->dtype()), TypeError)
            << "eye: n and m must be integer scalars, got " << v->type().str();
    Attrs a;
    a.ints = {k};
    a.dtype = dtype;
    return Var(make_node(OpKind::Eye,
                         {cast_to(n.node(), DType::Int64), cast_to(m.node(), DType::Int64)}, a));
}

Var eye(const Var& n, DType dtype) { return eye(n, n, 0, dtype); }

} // namespace tensorjit
