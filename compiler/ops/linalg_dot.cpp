// Linear algebra: dot (vector/matrix combinations as NumPy).
#include "compiler/ops/elemwise.hpp"
#include "compiler/ops/emit_context.hpp"
#include "compiler/ops/op_def.hpp"

namespace tensorjit {

namespace {

// The contracted extents: x's last axis and y's first. NumPy's message names both axes.
std::int64_t join_extent(const NodePtr& x, const NodePtr& y) {
    const int ax = x->type.ndim() - 1;
    const std::int64_t a = x->type.shape[ax], b = y->type.shape[0];
    TJ_CHECK(a == dyn || b == dyn || a == b, ShapeError)
        << "dot: shapes " << x->type.str() << " and " << y->type.str() << " not aligned: " << a
        << " (dim " << ax << ") != " << b << " (dim 0)";
    return a == dyn ? b : a;
}

// Reference: plain triple loops in long double (floats) or the dtype (integers).
Array dot_reference(const Array& a, const Array& b, DType dt) {
    const bool av = a.ndim() == 1, bv = b.ndim() == 1;
    const std::int64_t m = av ? 1 : a.shape()[0], k = a.shape()[av ? 0 : 1];
    const std::int64_t n = bv ? 1 : b.shape()[1];
    TJ_CHECK(k == b.shape()[0], ShapeError)
        << "dot: shapes " << shape_str(a.shape()) << " and " << shape_str(b.shape())
        << " not aligned: " << k << " (dim " << a.ndim() - 1 << ") != " << b.shape()[0]
        << " (dim 0)";
    Dims shape;
    if (!av) shape.push_back(m);
    if (!bv) shape.push_back(n);
    Array out = Array::zeros(dt, shape);
    visit_dtype(dt, [&](auto tv) {
        using T = decltype(tv);
        using Acc = std::conditional_t<std::is_floating_point_v<T>, long double, T>;
        T* o = static_cast<T*>(out.raw_data());
        for (std::int64_t i = 0; i < m; ++i)
            for (std::int64_t j = 0; j < n; ++j) {
                Acc acc{};
                for (std::int64_t l = 0; l < k; ++l) {
                    double x = av ? a.at({l}) : a.at({i, l});
                    double y = bv ? b.at({l}) : b.at({l, j});
                    acc = static_cast<Acc>(acc + static_cast<Acc>(static_cast<T>(x)) *
                                                     static_cast<Acc>(static_cast<T>(y)));
                }
                o[i * n + j] = static_cast<T>(acc);
            }
    });
    return out;
}

void emit_dot(EmitContext& e, const Node& n) {
    auto& os = e.out();
    const Node* a = n.inputs[0].get();
    const Node* b = n.inputs[1].get();
    const std::string t = EmitContext::ctype(n.type.dtype);
    const int slot = e.slot(&n), id = e.id(&n);
    const int ra = a->type.ndim(), rb = b->type.ndim();
    e.require_template("reduce.hpp");
    e.require_template("blas.hpp");
    os << "  { /* " << describe(n) << " */\n";
    os << "    const tj_arr* a = " << e.arr(a) << ";\n    const tj_arr* b = " << e.arr(b) << ";\n";
    const std::string ka = ra == 1 ? "a->shape[0]" : "a->shape[1]";
    os << "    if (" << ka << " != b->shape[0]) return tj_rt_extent_error(f, " << id
       << ", TJ_EXTENT_CONTRACTED, " << ra << ", a->shape, " << ra - 1 << ", " << rb
       << ", b->shape, 0);\n";
    os << "    long long osh[2] = {0, 0};\n";
    if (ra == 1 && rb == 1) {
        os << "    " << t << "* o = (" << t << "*)tj_rt_alloc(f, " << slot
           << ", 0, osh);\n    if (!o) return 1;\n";
        os << "    long long ix, iy;\n";
        os << "    const " << t << "* x = tj_as_blas_vector<" << t << ">(f, a, 0, &ix);\n";
        os << "    const " << t << "* y = tj_as_blas_vector<" << t << ">(f, b, 1, &iy);\n";
        os << "    if (!x || !y) return 1;\n";
        os << "    *o = a->shape[0] > 0 ? tj_vdot(a->shape[0], x, ix, y, iy) : (" << t << ")0;\n";
    } else if (ra == 2 && rb == 1) {
        os << "    osh[0] = a->shape[0];\n";
        os << "    " << t << "* o = (" << t << "*)tj_rt_alloc(f, " << slot
           << ", 1, osh);\n    if (!o) return 1;\n";
        os << "    tj_mat<" << t << "> A;\n    long long ix;\n";
        os << "    if (!tj_as_blas_matrix<" << t << ">(f, a, 0, &A)) return 1;\n";
        os << "    const " << t << "* x = tj_as_blas_vector<" << t
           << ">(f, b, 1, &ix);\n    if (!x) return 1;\n";
        os << "    if (a->shape[0] > 0 && a->shape[1] > 0) tj_gemv(a->shape[0], a->shape[1], A, x, "
              "ix, o);\n";
        os << "    else tj_fill(o, a->shape[0], (" << t << ")0);\n";
    } else if (ra == 1 && rb == 2) {
        os << "    osh[0] = b->shape[1];\n";
        os << "    " << t << "* o = (" << t << "*)tj_rt_alloc(f, " << slot
           << ", 1, osh);\n    if (!o) return 1;\n";
        os << "    tj_mat<" << t << "> B;\n    long long ix;\n";
        os << "    if (!tj_as_blas_matrix<" << t << ">(f, b, 0, &B)) return 1;\n";
        os << "    const " << t << "* x = tj_as_blas_vector<" << t
           << ">(f, a, 1, &ix);\n    if (!x) return 1;\n";
        // x B = B^T x
        os << "    if (b->shape[0] > 0 && b->shape[1] > 0) tj_gemv(b->shape[1], b->shape[0], "
              "tj_mat_t(B), x, ix, o);\n";
        os << "    else tj_fill(o, b->shape[1], (" << t << ")0);\n";
    } else {
        os << "    osh[0] = a->shape[0];\n    osh[1] = b->shape[1];\n";
        os << "    " << t << "* o = (" << t << "*)tj_rt_alloc(f, " << slot
           << ", 2, osh);\n    if (!o) return 1;\n";
        os << "    tj_mat<" << t << "> A, B;\n";
        os << "    if (!tj_as_blas_matrix<" << t << ">(f, a, 0, &A) || !tj_as_blas_matrix<" << t
           << ">(f, b, 1, &B)) return 1;\n";
        os << "    if (osh[0] > 0 && osh[1] > 0) {\n";
        os << "      if (a->shape[1] > 0) tj_gemm(osh[0], osh[1], a->shape[1], A, B, o);\n";
        os << "      else tj_fill(o, osh[0] * osh[1], (" << t << ")0);\n    }\n";
    }
    os << "  }\n";
}

Var expand(const Var& v, std::int64_t axis) {
    Attrs a;
    a.ints = {axis};
    return Var(make_node(OpKind::ExpandDims, {v.node()}, a));
}

// d dot(a, b): (g . b^T, a^T . g) with vectors handled as NumPy's dot treats them
std::vector<Var> dot_pullback(const Node& n, const Var& g) {
    Var a(n.inputs[0]), b(n.inputs[1]);
    if (!is_float(a.dtype())) return {Var(), Var()};
    const int ra = a.ndim(), rb = b.ndim();
    if (ra == 1 && rb == 1) return {g * b, g * a};
    if (ra == 2 && rb == 1) return {outer(g, b), dot(transpose(a), g)};
    if (ra == 1 && rb == 2) return {dot(b, g), outer(a, g)};
    return {dot(g, transpose(b)), dot(transpose(a), g)};
}

} // namespace

TJ_REGISTER_OP(OpDef{
    .kind = OpKind::Dot,
    .arity = 2,
    .prepare =
        [](std::vector<NodePtr>& in, Attrs&) {
            DType t = promote(in[0]->type.dtype, in[1]->type.dtype);
            in[0] = cast_to(in[0], t);
            in[1] = cast_to(in[1], t);
        },
    .type_rule =
        [](std::span<const NodePtr> in, const Attrs&) {
            const auto& a = in[0]->type;
            const auto& b = in[1]->type;
            TJ_CHECK(a.ndim() >= 1 && a.ndim() <= 2 && b.ndim() >= 1 && b.ndim() <= 2, TypeError)
                << "dot: takes vectors and matrices (and scalars), got " << a.str() << " and "
                << b.str() << " (use tensordot or matmul for higher ranks)";
            Dims s;
            join_extent(in[0], in[1]);
            if (a.ndim() == 2) s.push_back(a.shape[0]);
            if (b.ndim() == 2) s.push_back(b.shape[1]);
            return TensorType{a.dtype, s};
        },
    .reference = [](std::span<const Array> in,
                    const Node& n) { return dot_reference(in[0], in[1], n.type.dtype); },
    .emit = emit_dot,
    .pullback = [](const Node& n, const Var&, const Var& g) { return dot_pullback(n, g); },
});

Var dot(const Var& a, const Var& b) {
    TJ_CHECK(a.defined() && b.defined(), ValueError) << "dot: undefined variable";
    // NumPy: a scalar operand makes dot a multiplication.
    if (a.ndim() == 0 || b.ndim() == 0) return a * b;
    // NumPy's N-d rule: a's last axis against b's second-to-last (its only one for a vector).
    if (a.ndim() > 2 || b.ndim() > 2) return tensordot(a, b, {-1}, {b.ndim() == 1 ? 0 : -2});
    return Var(make_node(OpKind::Dot, {a.node(), b.node()}));
}

} // namespace tensorjit
