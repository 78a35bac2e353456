// Shape ops: reshape (static, inferred or symbolic target shapes) and flatten.
#include "compiler/ops/emit_context.hpp"
#include "compiler/ops/op_def.hpp"
#include "compiler/ops/shape_util.hpp"

#include <tensorjit/checked.hpp>

namespace tensorjit {

using namespace shape_detail;

namespace {

// Static size of a type, or dyn.
std::int64_t static_size(const TensorType& t) {
    std::int64_t p = 1;
    for (auto d : t.shape) {
        if (d == dyn) return dyn;
        p *= d;
    }
    return p;
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

// ---- public functions ------------------------------------------------------------------------

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

} // namespace tensorjit
