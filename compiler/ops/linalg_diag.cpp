// Linear algebra on diagonals: diag (NumPy's: a vector to a matrix, a matrix to its diagonal)
// and trace.
#include "compiler/ops/emit_context.hpp"
#include "compiler/ops/linalg_util.hpp"
#include "compiler/ops/op_def.hpp"
#include "compiler/ops/reductions.hpp"

#include <algorithm>

namespace tensorjit {

using namespace linalg_detail;

namespace {

// NumPy's length of the k-th diagonal of an (r, c) matrix; dyn when unknown.
std::int64_t diag_len(std::int64_t r, std::int64_t c, std::int64_t k) {
    if (r == dyn || c == dyn) return dyn;
    const std::int64_t len = k >= 0 ? std::min(r, c - k) : std::min(r + k, c);
    return std::max<std::int64_t>(len, 0);
}

// attrs.ints = {k}. One input: a vector becomes a square matrix, a matrix gives its diagonal.
// Two inputs (v, like): v is put on the k-th diagonal of zeros shaped as the matrix `like` (the
// gradient of taking a diagonal).
TensorType diag_type(std::span<const NodePtr> in, const Attrs& a) {
    const TensorType& x = in[0]->type;
    const std::int64_t k = a.ints[0];
    if (in.size() == 2) return TensorType{x.dtype, in[1]->type.shape};
    TJ_CHECK(x.ndim() == 1 || x.ndim() == 2, TypeError)
        << "diag: input 1/1 has type " << x.str() << ", expected a vector or a matrix";
    if (x.ndim() == 1) {
        const std::int64_t n = x.shape[0] == dyn ? dyn : x.shape[0] + (k < 0 ? -k : k);
        return TensorType{x.dtype, Dims{n, n}};
    }
    return TensorType{x.dtype, Dims{diag_len(x.shape[0], x.shape[1], k)}};
}

Array diag_reference(std::span<const Array> in, const Node& node) {
    const Array& x = in[0];
    const std::int64_t k = node.attrs.ints[0];
    const std::int64_t r0 = k < 0 ? -k : 0, c0 = k > 0 ? k : 0;
    if (in.size() == 2 || x.ndim() == 1) {
        const std::int64_t n = x.shape()[0];
        const Dims shape = in.size() == 2 ? in[1].shape() : Dims{n + r0 + c0, n + r0 + c0};
        TJ_CHECK(diag_len(shape[0], shape[1], k) == n, ShapeError)
            << "diag: a vector of " << n << " elements does not fit diagonal " << k << " of "
            << shape_str(shape);
        Array out = Array::zeros(node.type.dtype, shape);
        for (std::int64_t i = 0; i < n; ++i) {
            const double v = x.at({i});
            Array cell = out.slice(0, r0 + i, r0 + i + 1).slice(1, c0 + i, c0 + i + 1);
            visit_dtype(node.type.dtype, [&](auto tv) {
                using T = decltype(tv);
                *static_cast<T*>(cell.raw_data()) = static_cast<T>(v);
            });
        }
        return out;
    }
    const std::int64_t len = diag_len(x.shape()[0], x.shape()[1], k);
    Array out = Array::zeros(node.type.dtype, Dims{len});
    const Array xc = x.copy();
    visit_dtype(node.type.dtype, [&](auto tv) {
        using T = decltype(tv);
        const T* p = static_cast<const T*>(xc.raw_data());
        T* o = static_cast<T*>(out.raw_data());
        for (std::int64_t i = 0; i < len; ++i) o[i] = p[(r0 + i) * x.shape()[1] + c0 + i];
    });
    return out;
}

// Kernel: a diagonal is a strided view; building a matrix zero-fills it and writes the vector.
void emit_diag(EmitContext& e, const Node& node) {
    const Node* x = node.inputs[0].get();
    const std::int64_t k = node.attrs.ints[0];
    const std::string t = EmitContext::ctype(node.type.dtype);
    e.require_template("reduce.hpp");
    e.require_template("blas.hpp");
    if (node.inputs.size() == 1 && x->type.ndim() == 2) {
        // The diagonal of a matrix is a view: stride s0 + s1 from its first element.
        std::string view = "    tj_arr v;\n";
        view += "    v.shape[0] = tj_diag_len(src->shape[0], src->shape[1], " + std::to_string(k) +
                ");\n";
        view += "    v.strides[0] = src->strides[0] + src->strides[1];\n";
        view += "    v.data = (void*)((" + t + "*)src->data + (v.shape[0] > 0 ? " +
                (k >= 0 ? std::to_string(k) + " * src->strides[1]"
                        : std::to_string(-k) + " * src->strides[0]") +
                " : 0));\n";
        e.emit_view(node, view);
        return;
    }
    auto& os = e.out();
    os << "  { /* " << describe(node) << " */\n";
    os << "    const tj_arr* v = " << e.arr(x) << ";\n";
    os << "    long long osh[2];\n";
    if (node.inputs.size() == 2) {
        const std::string like = e.arr(node.inputs[1].get());
        os << "    osh[0] = " << like << "->shape[0];\n    osh[1] = " << like << "->shape[1];\n";
        os << "    if (v->shape[0] != tj_diag_len(osh[0], osh[1], " << k
           << ")) return tj_rt_shape_error(f, " << e.id(&node) << ", 1, v->shape, 2, osh);\n";
    } else {
        os << "    osh[0] = osh[1] = v->shape[0] + " << (k < 0 ? -k : k) << ";\n";
    }
    os << "    " << t << "* o = (" << t << "*)tj_rt_alloc(f, " << e.slot(&node) << ", 2, osh);\n";
    os << "    if (!o) return 1;\n";
    os << "    tj_diag_embed<" << t << ">(v, " << k << ", osh[0], osh[1], o);\n";
    os << "  }\n";
}

Var diag_node(std::vector<NodePtr> in, std::int64_t k) {
    Attrs a;
    a.ints = {k};
    return Var(make_node(OpKind::Diag, std::move(in), a));
}

// d diag(v) = the diagonal of g; d diagonal(x) = g placed on the diagonal of zeros like x.
std::vector<Var> diag_pullback(const Node& node, const Var& g) {
    const std::int64_t k = node.attrs.ints[0];
    if (node.inputs.size() == 2) return {diag_node({g.node()}, k), Var()};
    if (node.inputs[0]->type.ndim() == 1) return {diag_node({g.node()}, k)};
    return {diag_node({g.node(), node.inputs[0]}, k)};
}

} // namespace

// diag(x, k): NumPy's diag (and, with two inputs, its gradient: v on the diagonal of zeros).
TJ_REGISTER_OP(OpDef{
    .kind = OpKind::Diag,
    .view = true,
    .arity = -1,
    .type_rule = diag_type,
    .reference = diag_reference,
    .emit = emit_diag,
    .pullback = [](const Node& n, const Var&, const Var& g) { return diag_pullback(n, g); },
});

// trace(x, k) = sum of the k-th diagonal (dtypes as sum). d trace = g on that diagonal.
TJ_REGISTER_OP(OpDef{
    .kind = OpKind::Trace,
    .arity = 1,
    .prepare = [](std::vector<NodePtr>& in,
                  Attrs&) { in[0] = cast_to(in[0], sum_dtype(in[0]->type.dtype)); },
    .type_rule =
        [](std::span<const NodePtr> in, const Attrs&) {
            TJ_CHECK(in[0]->type.ndim() == 2, TypeError)
                << "trace: input 1/1 has type " << in[0]->type.str() << ", expected a matrix";
            return TensorType{in[0]->type.dtype, Dims{}};
        },
    .reference =
        [](std::span<const Array> in, const Node& n) {
            const std::int64_t k = n.attrs.ints[0];
            const std::int64_t len = diag_len(in[0].shape()[0], in[0].shape()[1], k);
            Array out = Array::zeros(n.type.dtype, Dims{});
            visit_dtype(n.type.dtype, [&](auto tv) {
                using T = decltype(tv);
                Acc<T> acc{};
                for (std::int64_t i = 0; i < len; ++i)
                    acc = static_cast<Acc<T>>(
                        acc + static_cast<Acc<T>>(static_cast<T>(
                                  in[0].at({i + (k < 0 ? -k : 0), i + (k > 0 ? k : 0)}))));
                *static_cast<T*>(out.raw_data()) = static_cast<T>(acc);
            });
            return out;
        },
    .emit =
        [](EmitContext& e, const Node& n) {
            const std::string t = EmitContext::ctype(n.type.dtype);
            e.require_template("reduce.hpp");
            e.require_template("blas.hpp");
            auto& os = e.out();
            os << "  { /* " << describe(n) << " */\n";
            os << "    " << t << "* o = (" << t << "*)tj_rt_alloc(f, " << e.slot(&n)
               << ", 0, (const long long*)0);\n";
            os << "    if (!o) return 1;\n";
            os << "    *o = tj_trace<" << t << ">(" << e.arr(n.inputs[0].get()) << ", "
               << n.attrs.ints[0] << ");\n";
            os << "  }\n";
        },
    .pullback = [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
        const Var x(n.inputs[0]);
        const Var d = diag_node({x.node()}, n.attrs.ints[0]);
        const Var gd(make_node(OpKind::Fill, {d.node(), g.node()}));
        return {diag_node({gd.node(), x.node()}, n.attrs.ints[0])};
    },
});

// ---- public functions -------------------------------------------------------------------------

Var diag(const Var& x, int k) {
    TJ_CHECK(x.defined(), ValueError) << "diag: undefined variable";
    return diag_node({x.node()}, k);
}

Var trace(const Var& x, int k) {
    TJ_CHECK(x.defined(), ValueError) << "trace: undefined variable";
    Attrs a;
    a.ints = {k};
    return Var(make_node(OpKind::Trace, {x.node()}, a));
}

} // namespace tensorjit
