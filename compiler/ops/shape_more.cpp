// Shape ops: reshape, squeeze, concatenate, shape, alloc, arange, eye, broadcast_to, and the
// public functions built from them (flatten, dimshuffle, expand_dims, stack, split, zeros...).
#include "compiler/ops/elemwise.hpp"
#include "compiler/ops/emit_context.hpp"
#include "compiler/ops/op_def.hpp"

#include <tensorjit/checked.hpp>
#include <tensorjit/indexing.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace tensorjit {

namespace {

std::string dims_text(const std::vector<std::int64_t>& v) {
    std::ostringstream os;
    os << "(";
    for (std::size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
    os << (v.size() == 1 ? ",)" : ")");
    return os.str();
}

std::string s(std::int64_t v) { return std::to_string(v); }

// Static size of a type, or dyn.
std::int64_t static_size(const TensorType& t) {
    std::int64_t p = 1;
    for (auto d : t.shape) {
        if (d == dyn) return dyn;
        p *= d;
    }
    return p;
}

// The static extents of a result type (dyn extents skipped) must fit NumPy's size rule
// (tensorjit/checked.hpp): ValueError naming op and the type otherwise.
void check_static_shape(const TensorType& t, const char* op) {
    Dims known;
    for (auto d : t.shape) known.push_back(d == dyn ? 0 : d);
    const auto fit = checked::shape_fit(known.data(), known.size(),
                                        static_cast<std::int64_t>(dtype_size(t.dtype)));
    TJ_CHECK(fit != checked::ShapeFit::kNegative, ValueError)
        << op << ": negative dimensions are not allowed: " << t.str();
    TJ_CHECK(fit == checked::ShapeFit::kOk, ValueError)
        << op << ": shape " << t.str() << " is too big: its size in bytes overflows a 64-bit "
        << "integer";
}

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

// A symbolic shape argument as an int64 vector node of static length; TypeError naming op.
NodePtr shape_vector(const Var& v, const char* op) {
    TJ_CHECK(v.defined(), ValueError) << op << ": undefined shape";
    TJ_CHECK(v.ndim() == 1 && v.type().shape[0] != dyn, TypeError)
        << op << ": a symbolic shape must be an int vector of static length, got "
        << v.type().str();
    TJ_CHECK(is_integer(v.dtype()), TypeError)
        << op << ": shape has dtype " << dtype_name(v.dtype()) << ", expected an integer dtype";
    return cast_to(v.node(), DType::Int64);
}

// Code for `long long tsh[...]` holding the target shape of an op whose static targets or hints
// are attrs.ints and whose optional symbolic shape is input `shape_in` (-1 for none). Hints that
// are known are checked against the symbolic values (a shape error naming both shapes).
std::string target_shape_code(EmitContext& e, const Node& n, int shape_in, const std::string& src) {
    std::string c;
    const int nd = static_cast<int>(n.attrs.ints.size());
    c += "    long long tsh[" + s(std::max(1, nd)) + "];\n";
    if (shape_in < 0) {
        for (int i = 0; i < nd; ++i) c += "    tsh[" + s(i) + "] = " + s(n.attrs.ints[i]) + ";\n";
        return c;
    }
    const std::string sv = e.arr(n.inputs[shape_in].get());
    for (int i = 0; i < nd; ++i)
        c += "    tsh[" + s(i) + "] = ((const long long*)" + sv + "->data)[" + s(i) + " * " + sv +
             "->strides[0]];\n";
    for (int i = 0; i < nd; ++i)
        if (n.attrs.ints[i] >= 0)
            c += "    if (tsh[" + s(i) + "] != " + s(n.attrs.ints[i]) +
                 ") return tj_rt_shape_error(f, " + s(e.id(&n)) + ", " +
                 s(-(n.inputs[0]->type.ndim() + 1)) + ", " + src + "->shape, " + s(nd) +
                 ", tsh);\n";
    return c;
}

// Reads the shape of a node from its symbolic shape input (reference side).
std::vector<std::int64_t> shape_values(const Array& a) {
    std::vector<std::int64_t> v;
    for (std::int64_t i = 0; i < a.size(); ++i) v.push_back(static_cast<std::int64_t>(a.flat(i)));
    return v;
}

// C-order element visitor over an array of any strides: fn(linear index, element offset).
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

// ---- reshape ------------------------------------------------------------------------------------
// One input: attrs.ints are the targets (>= 0, -1 inferred, -(2 + k) = x's extent k). Two inputs
// (x, shape): the shape is symbolic (one -1 allowed) and attrs.ints are static hints (-1 unknown).

std::vector<std::int64_t> resolve_reshape(const Dims& in, std::vector<std::int64_t> t,
                                          const Node& n) {
    if (n.inputs.size() == 1)
        for (auto& v : t)
            if (v <= -2) v = in[static_cast<int>(-v - 2)];
    std::int64_t known = 1;
    int infer = -1;
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (t[i] == -1 && infer < 0) {
            infer = static_cast<int>(i);
            continue;
        }
        TJ_CHECK(checked::mul(known, t[i] < 0 ? 0 : t[i], &known), ValueError)
            << "reshape: shape " << dims_text(t)
            << " is too big: its number of elements overflows a 64-bit integer";
    }
    if (infer >= 0 && known > 0) t[static_cast<std::size_t>(infer)] = in.product() / known;
    std::int64_t p = 1;
    for (auto v : t) p = checked::mul(p, v, &p) ? p : -1;
    TJ_CHECK(p == in.product() && std::all_of(t.begin(), t.end(), [](auto v) { return v >= 0; }),
             ShapeError)
        << "reshape: cannot reshape an array of shape " << shape_str(in) << " into shape "
        << dims_text(t);
    return t;
}

TensorType reshape_type(std::span<const NodePtr> in, const Attrs& a) {
    const TensorType& xt = in[0]->type;
    Dims out;
    if (in.size() == 2) {
        const Node& sn = *in[1];
        for (std::size_t i = 0; i < a.ints.size(); ++i) out.push_back(a.ints[i]);
        if (sn.op == OpKind::Constant) {
            // A constant shape gives static extents (the -1 is inferred when the size is known).
            std::vector<std::int64_t> t = shape_values(*sn.value);
            std::int64_t known = 1;
            int infer = -1;
            for (std::size_t i = 0; i < t.size(); ++i) {
                if (t[i] == -1)
                    infer = static_cast<int>(i);
                else
                    TJ_CHECK(checked::mul(known, t[i], &known), ValueError)
                        << "reshape: shape " << dims_text(t)
                        << " is too big: its number of elements overflows a 64-bit integer";
            }
            const std::int64_t size = static_size(xt);
            for (std::size_t i = 0; i < t.size(); ++i) out[static_cast<int>(i)] = t[i];
            if (infer >= 0) out[infer] = size != dyn && known > 0 ? size / known : dyn;
        }
        return TensorType{xt.dtype, out};
    }
    std::int64_t known = 1;
    int infer = -1;
    bool all_known = true;
    for (std::size_t i = 0; i < a.ints.size(); ++i) {
        std::int64_t v = a.ints[i];
        if (v <= -2)
            v = xt.shape[static_cast<int>(-v - 2)];
        else if (v == -1) {
            TJ_CHECK(infer < 0, ValueError)
                << "reshape: more than one -1 in the shape of " << xt.str();
            infer = static_cast<int>(i);
            out.push_back(dyn);
            continue;
        }
        out.push_back(v);
        if (v == dyn)
            all_known = false;
        else
            TJ_CHECK(checked::mul(known, v, &known), ValueError)
                << "reshape: shape " << dims_text(a.ints)
                << " is too big: its number of elements overflows a 64-bit integer";
    }
    const std::int64_t size = static_size(xt);
    if (all_known && size != dyn) {
        const bool fits = infer >= 0 ? known > 0 && size % known == 0 : known == size;
        std::vector<std::int64_t> t(a.ints.begin(), a.ints.end());
        TJ_CHECK(fits, ShapeError) << "reshape: cannot reshape " << xt.str() << " (size " << size
                                   << ") into shape " << dims_text(t);
        if (infer >= 0) out[infer] = size / known;
    }
    check_static_shape(TensorType{xt.dtype, out}, "reshape");
    return TensorType{xt.dtype, out};
}

Array reshape_reference(std::span<const Array> in, const Node& n) {
    std::vector<std::int64_t> t =
        n.inputs.size() == 2 ? shape_values(in[1])
                             : std::vector<std::int64_t>(n.attrs.ints.begin(), n.attrs.ints.end());
    if (n.inputs.size() == 2)
        for (std::size_t i = 0; i < t.size(); ++i)
            TJ_CHECK(n.attrs.ints[i] < 0 || t[i] == n.attrs.ints[i], ShapeError)
                << "reshape: cannot reshape an array of shape " << shape_str(in[0].shape())
                << " into shape " << dims_text(t);
    const std::vector<std::int64_t> r = resolve_reshape(in[0].shape(), t, n);
    // Element by element in C order (independent of Array::reshape's view logic).
    Array out = Array::empty(in[0].dtype(), Dims(r));
    const Array xc = in[0].copy();
    std::copy_n(static_cast<const char*>(xc.raw_data()),
                xc.size() * static_cast<std::int64_t>(xc.itemsize()),
                static_cast<char*>(out.raw_data()));
    return out;
}

void emit_reshape(EmitContext& e, const Node& n) {
    auto& os = e.out();
    const int nd = n.type.ndim(), nin = n.inputs[0]->type.ndim();
    const int slot = e.slot(&n), id = e.id(&n);
    const std::string t = EmitContext::ctype(n.type.dtype);
    e.require_template("reduce.hpp");
    e.require_template("shape_ops.hpp");
    os << "  { /* " << describe(n) << " */\n    const tj_arr* src = " << e.arr(n.inputs[0].get())
       << ";\n";
    if (n.inputs.size() == 2) {
        os << target_shape_code(e, n, 1, "src");
    } else {
        os << "    long long tsh[" << std::max(1, nd) << "];\n";
        for (int i = 0; i < nd; ++i) {
            const auto v = n.attrs.ints[i];
            os << "    tsh[" << i << "] = " << (v <= -2 ? "src->shape[" + s(-v - 2) + "]" : s(v))
               << ";\n";
        }
    }
    os << "    {\n      const long long total = tj_prod(" << nin << ", src->shape);\n";
    os << "      long long known = 1;\n      int infer = -1, bad = 0;\n";
    os << "      for (int i = 0; i < " << nd << "; ++i) {\n";
    os << "        if (tsh[i] == -1 && infer < 0) infer = i;\n        else if (tsh[i] < 0) bad = "
          "1;\n";
    os << "        else if (__builtin_mul_overflow(known, tsh[i], &known)) return "
          "tj_rt_value_error(f, "
       << id << ", TJ_E_SHAPE_TOO_BIG, tsh[i]);\n      }\n";
    // The message shows the requested shape (with its -1).
    os << "      const long long inferred = infer >= 0 && known > 0 ? total / known : 1;\n";
    os << "      if (bad || (infer >= 0 && known == 0) || known * inferred != total)\n";
    os << "        return tj_rt_shape_error(f, " << id << ", " << -(nin + 1) << ", src->shape, "
       << nd << ", tsh);\n";
    os << "      if (infer >= 0) tsh[infer] = inferred;\n";
    os << "      if (tj_check_shape(f, " << id << ", " << nd << ", tsh, "
       << dtype_size(n.type.dtype) << ")) return 1;\n";
    os << "    }\n";
    if (e.is_temp(&n)) {
        // A contiguous input is aliased (a view); anything else is copied.
        os << "    if (tj_is_c_contiguous(" << nin
           << ", src)) {\n      tj_arr v;\n      v.data = src->data;\n";
        os << "      long long acc = 1;\n      for (int d = " << nd - 1 << "; d >= 0; --d) {\n";
        os << "        v.shape[d] = tsh[d];\n        v.strides[d] = acc;\n        acc *= tsh[d];\n "
              "     }\n";
        os << "      f->slots[" << slot << "] = v;\n    } else {\n";
        os << "      " << t << "* o = (" << t << "*)tj_rt_alloc(f, " << slot << ", " << nd
           << ", tsh);\n";
        os << "      if (!o) return 1;\n      tj_copy_to_contiguous(src, " << nin
           << ", o);\n    }\n  }\n";
        return;
    }
    os << "    " << t << "* o = (" << t << "*)tj_rt_alloc(f, " << slot << ", " << nd << ", tsh);\n";
    os << "    if (!o) return 1;\n    tj_copy_to_contiguous(src, " << nin << ", o);\n  }\n";
}

// g reshaped back to the shape of x (symbolic when x's shape is not static).
Var reshape_like(const Var& g, const Var& x) {
    Attrs a;
    for (auto d : x.type().shape) a.ints.push_back(d);
    if (static_size(x.type()) != dyn) return Var(make_node(OpKind::Reshape, {g.node()}, a));
    return Var(make_node(OpKind::Reshape, {g.node(), make_node(OpKind::ShapeOf, {x.node()})}, a));
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

TJ_REGISTER_OP(OpDef{
    .kind = OpKind::Reshape,
    .arity = -1,
    .type_rule = reshape_type,
    .reference = reshape_reference,
    .emit = emit_reshape,
    // d reshape(x) = g reshaped to x's shape
    .pullback = [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
        std::vector<Var> r{reshape_like(g, Var(n.inputs[0]))};
        if (n.inputs.size() == 2) r.push_back(Var());
        return r;
    },
});

// squeeze(x, axes): a view without the given axes (sorted), each of extent 1.
TJ_REGISTER_OP(OpDef{
    .kind = OpKind::Squeeze,
    .arity = 1,
    .type_rule =
        [](std::span<const NodePtr> in, const Attrs& a) {
            const TensorType& xt = in[0]->type;
            Dims out;
            for (int d = 0; d < xt.ndim(); ++d) {
                const bool dropped = std::find(a.ints.begin(), a.ints.end(), d) != a.ints.end();
                TJ_CHECK(!dropped || xt.shape[d] == 1 || xt.shape[d] == dyn, ShapeError)
                    << "squeeze: cannot squeeze axis " << d << " of " << xt.str()
                    << ": its extent is not 1";
                if (!dropped) out.push_back(xt.shape[d]);
            }
            return TensorType{xt.dtype, out};
        },
    .reference =
        [](std::span<const Array> in, const Node& n) {
            for (auto d : n.attrs.ints)
                TJ_CHECK(in[0].shape()[static_cast<int>(d)] == 1, ValueError)
                    << "squeeze: cannot squeeze an axis of extent "
                    << in[0].shape()[static_cast<int>(d)];
            Dims out;
            for (int d = 0; d < in[0].ndim(); ++d)
                if (std::find(n.attrs.ints.begin(), n.attrs.ints.end(), d) == n.attrs.ints.end())
                    out.push_back(in[0].shape()[d]);
            return in[0].copy().reshape(out);
        },
    .emit =
        [](EmitContext& e, const Node& n) {
            std::string view = "    tj_arr v;\n    v.data = src->data;\n";
            const int nin = n.inputs[0]->type.ndim();
            int j = 0;
            for (int d = 0; d < nin; ++d) {
                if (std::find(n.attrs.ints.begin(), n.attrs.ints.end(), d) != n.attrs.ints.end()) {
                    if (n.inputs[0]->type.shape[d] != 1)
                        view += "    if (src->shape[" + s(d) +
                                "] != 1) return tj_rt_value_error(f, " + s(e.id(&n)) +
                                ", TJ_E_SQUEEZE, src->shape[" + s(d) + "]);\n";
                    continue;
                }
                view += "    v.shape[" + s(j) + "] = src->shape[" + s(d) + "];\n    v.strides[" +
                        s(j) + "] = src->strides[" + s(d) + "];\n";
                ++j;
            }
            e.emit_view(n, view);
        },
    // d squeeze(x) = g with the squeezed axes put back
    .pullback = [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
        std::vector<int> axes(n.attrs.ints.begin(), n.attrs.ints.end());
        return {expand_dims(g, axes)};
    },
});

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
                           << "]) return tj_rt_shape_error(f, " << e.id(&n) << ", " << nd << ", "
                           << a0 << "->shape, " << nd << ", " << ai << "->shape);\n";
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

// ---- public functions
// -----------------------------------------------------------------------------

DimEntry::DimEntry(char c) : axis_(kNew) {
    TJ_CHECK(c == 'x', ValueError)
        << "dimshuffle: pattern entry '" << c << "' is neither an axis nor 'x'";
}

Var reshape(const Var& x, const ShapeArg& shape) {
    TJ_CHECK(x.defined(), ValueError) << "reshape: undefined variable";
    if (shape.is_symbolic()) {
        NodePtr sv = shape_vector(shape.var(), "reshape");
        if (sv->op != OpKind::Constant) {
            Attrs a;
            const Node* src = sv.get();
            if (src->op == OpKind::Cast) src = src->inputs[0].get();
            for (std::int64_t i = 0; i < sv->type.shape[0]; ++i)
                a.ints.push_back(src->op == OpKind::ShapeOf
                                     ? src->inputs[0]->type.shape[static_cast<int>(i)]
                                     : dyn);
            return Var(make_node(OpKind::Reshape, {x.node(), sv}, a));
        }
        return reshape(x, ShapeArg(shape_values(*sv->value)));
    }
    Attrs a;
    int infer = 0;
    for (auto d : shape.dims()) {
        TJ_CHECK(d >= -1, ValueError)
            << "reshape: bad extent " << d << " in shape " << dims_text(shape.dims());
        infer += d == -1;
        a.ints.push_back(d);
    }
    TJ_CHECK(infer <= 1, ValueError)
        << "reshape: more than one -1 in shape " << dims_text(shape.dims());
    if (Dims(shape.dims()) == x.type().shape) return x;
    return Var(make_node(OpKind::Reshape, {x.node()}, a));
}

Var flatten(const Var& x, int ndim) {
    TJ_CHECK(x.defined(), ValueError) << "flatten: undefined variable";
    TJ_CHECK(ndim >= 1 && ndim <= std::max(1, x.ndim()), ValueError)
        << "flatten: ndim " << ndim << " is out of range for " << x.type().str();
    Attrs a;
    for (int d = 0; d < ndim - 1; ++d) a.ints.push_back(-(2 + d));
    a.ints.push_back(-1);
    return Var(make_node(OpKind::Reshape, {x.node()}, a));
}

Var expand_dims(const Var& x, const std::vector<int>& axes) {
    TJ_CHECK(x.defined(), ValueError) << "expand_dims: undefined variable";
    const int out_nd = x.ndim() + static_cast<int>(axes.size());
    Attrs a;
    for (int ax : axes) {
        const int p = ax < 0 ? ax + out_nd : ax;
        TJ_CHECK(p >= 0 && p < out_nd, ValueError)
            << "expand_dims: axis " << ax << " is out of range for a result of rank " << out_nd;
        TJ_CHECK(std::find(a.ints.begin(), a.ints.end(), p) == a.ints.end(), ValueError)
            << "expand_dims: repeated axis " << ax;
        a.ints.push_back(p);
    }
    if (a.ints.empty()) return x;
    std::sort(a.ints.begin(), a.ints.end());
    return Var(make_node(OpKind::ExpandDims, {x.node()}, a));
}

Var squeeze(const Var& x, const std::vector<int>& axes) {
    TJ_CHECK(x.defined(), ValueError) << "squeeze: undefined variable";
    Attrs a;
    for (int ax : axes) {
        const int p = ax < 0 ? ax + x.ndim() : ax;
        TJ_CHECK(p >= 0 && p < x.ndim(), ValueError)
            << "squeeze: axis " << ax << " is out of range for " << x.type().str();
        if (std::find(a.ints.begin(), a.ints.end(), p) == a.ints.end()) a.ints.push_back(p);
    }
    if (a.ints.empty()) return x;
    std::sort(a.ints.begin(), a.ints.end());
    return Var(make_node(OpKind::Squeeze, {x.node()}, a));
}

Var squeeze(const Var& x) {
    TJ_CHECK(x.defined(), ValueError) << "squeeze: undefined variable";
    std::vector<int> axes;
    for (int d = 0; d < x.ndim(); ++d)
        if (x.type().shape[d] == 1) axes.push_back(d);
    return squeeze(x, axes);
}

Var dimshuffle(const Var& x, const std::vector<DimEntry>& pattern) {
    TJ_CHECK(x.defined(), ValueError) << "dimshuffle: undefined variable";
    const int nd = x.ndim();
    std::vector<int> listed, new_axes;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i].is_new()) {
            new_axes.push_back(static_cast<int>(i));
            continue;
        }
        const int ax = pattern[i].axis();
        TJ_CHECK(ax >= 0 && ax < nd, ValueError)
            << "dimshuffle: axis " << ax << " is out of range for " << x.type().str();
        TJ_CHECK(std::find(listed.begin(), listed.end(), ax) == listed.end(), ValueError)
            << "dimshuffle: axis " << ax << " appears twice in the pattern";
        listed.push_back(ax);
    }
    std::vector<int> dropped;
    for (int d = 0; d < nd; ++d) {
        if (std::find(listed.begin(), listed.end(), d) != listed.end()) continue;
        TJ_CHECK(x.type().shape[d] == 1, ShapeError)
            << "dimshuffle: cannot drop axis " << d << " of " << x.type().str()
            << ": only axes of static extent 1 may be dropped";
        dropped.push_back(d);
    }
    Var y = squeeze(x, dropped);
    // The listed axes in y (x's kept axes keep their order), permuted as the pattern says.
    std::vector<int> kept = listed;
    std::sort(kept.begin(), kept.end());
    std::vector<int> perm;
    for (int ax : listed)
        perm.push_back(static_cast<int>(std::find(kept.begin(), kept.end(), ax) - kept.begin()));
    if (!perm.empty()) y = transpose(y, perm);
    return expand_dims(y, new_axes);
}

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
            // (compiler/ops/subtensor.cpp, the trailing {2, axis, extent} group).
            Attrs a = piece.node()->attrs;
            a.ints.insert(a.ints.end(), {2, p, total});
            piece = Var(make_node(OpKind::Subtensor, piece.node()->inputs, a));
        }
        out.push_back(piece);
        start += sz;
    }
    return out;
}

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
