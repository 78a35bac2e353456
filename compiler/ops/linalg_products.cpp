// Linear algebra products: matmul (batched, broadcast), outer and tensordot.
#include "compiler/ops/elemwise.hpp"
#include "compiler/ops/emit_context.hpp"
#include "compiler/ops/linalg_util.hpp"
#include "compiler/ops/op_def.hpp"

#include <algorithm>
#include <numeric>

namespace tensorjit {

using namespace linalg_detail;

namespace {

// The known one of two static extents that agree.
std::int64_t join(std::int64_t a, std::int64_t b) { return a == dyn ? b : a; }

Var expand(const Var& v, std::vector<std::int64_t> axes) {
    Attrs a;
    a.ints = std::move(axes);
    return Var(make_node(OpKind::ExpandDims, {v.node()}, a));
}

// x with its last two axes swapped.
Var swap_last(const Var& x) {
    std::vector<int> p(x.ndim());
    std::iota(p.begin(), p.end(), 0);
    std::swap(p[p.size() - 1], p[p.size() - 2]);
    return transpose(x, p);
}

// ---- matmul -----------------------------------------------------------------------------------

// The matrix views of matmul's operands: a vector is a row (a) or a column (b).
struct MatmulShape {
    int ra, rb;   // operand ranks
    int nba, nbb; // batch axes of each operand
    int nb;       // batch axes of the result
};

MatmulShape matmul_shape(const TensorType& a, const TensorType& b) {
    MatmulShape s{a.ndim(), b.ndim(), std::max(0, a.ndim() - 2), std::max(0, b.ndim() - 2), 0};
    s.nb = std::max(s.nba, s.nbb);
    return s;
}

TensorType matmul_type(std::span<const NodePtr> in, const Attrs&) {
    const TensorType& a = in[0]->type;
    const TensorType& b = in[1]->type;
    TJ_CHECK(a.ndim() >= 1 && b.ndim() >= 1, TypeError)
        << "matmul: input " << (a.ndim() == 0 ? 1 : 2) << "/2 is a scalar ("
        << (a.ndim() == 0 ? a : b).str()
        << "); matmul takes vectors and arrays of matrices (use * for scalars)";
    const MatmulShape s = matmul_shape(a, b);
    const int axa = a.ndim() - 1, axb = b.ndim() == 1 ? 0 : b.ndim() - 2;
    const std::int64_t ka = a.shape[axa], kb = b.shape[axb];
    TJ_CHECK(agree(ka, kb), ShapeError)
        << "matmul: shapes " << a.str() << " and " << b.str() << " not aligned: " << ka << " (dim "
        << axa << ") != " << kb << " (dim " << axb << ")";
    Dims out;
    // Batch axes broadcast (statically: only extent-1 axes, as element-wise ops).
    for (int d = 0; d < s.nb; ++d) {
        const int ia = d - (s.nb - s.nba), ib = d - (s.nb - s.nbb);
        const std::int64_t ea = ia >= 0 ? a.shape[ia] : 1, eb = ib >= 0 ? b.shape[ib] : 1;
        TJ_CHECK(ea == 1 || eb == 1 || agree(ea, eb), ShapeError)
            << "matmul: shapes " << a.str() << " and " << b.str()
            << " cannot broadcast (batch axis " << d << ": " << ea << " vs " << eb << ")";
        out.push_back(ea == 1 ? eb : eb == 1 ? ea : join(ea, eb));
    }
    if (a.ndim() >= 2) out.push_back(a.shape[a.ndim() - 2]);
    if (b.ndim() >= 2) out.push_back(b.shape[b.ndim() - 1]);
    return TensorType{a.dtype, out};
}

// Reference: the batch positions in C order, each a plain triple loop over C-contiguous copies.
Array matmul_reference(const Array& a, const Array& b, const Node& node) {
    const MatmulShape s = matmul_shape(node.inputs[0]->type, node.inputs[1]->type);
    const std::int64_t n = s.ra == 1 ? 1 : a.shape()[s.ra - 2], k = a.shape()[s.ra - 1];
    const std::int64_t kb = s.rb == 1 ? b.shape()[0] : b.shape()[s.rb - 2],
                       m = s.rb == 1 ? 1 : b.shape()[s.rb - 1];
    TJ_CHECK(k == kb, ShapeError) << "matmul: shapes " << shape_str(a.shape()) << " and "
                                  << shape_str(b.shape()) << " not aligned: " << k << " (dim "
                                  << s.ra - 1 << ") != " << kb << " (dim "
                                  << (s.rb == 1 ? 0 : s.rb - 2) << ")";
    Dims batch;
    for (int d = 0; d < s.nb; ++d) {
        const int ia = d - (s.nb - s.nba), ib = d - (s.nb - s.nbb);
        const std::int64_t ea = ia >= 0 ? a.shape()[ia] : 1, eb = ib >= 0 ? b.shape()[ib] : 1;
        TJ_CHECK(ea == eb || ea == 1 || eb == 1, ShapeError)
            << "matmul: shapes " << shape_str(a.shape()) << " and " << shape_str(b.shape())
            << " cannot broadcast their batch axes: " << ea << " (dim " << ia << ") != " << eb
            << " (dim " << ib << ")";
        batch.push_back(ea == 1 ? eb : ea);
    }
    Dims out_shape = batch;
    if (s.ra >= 2) out_shape.push_back(n);
    if (s.rb >= 2) out_shape.push_back(m);
    Array out = Array::zeros(node.type.dtype, out_shape);
    const Array ac = a.copy(), bc = b.copy();
    const Dims ast = c_strides(a.shape()), bst = c_strides(b.shape());
    visit_dtype(node.type.dtype, [&](auto tv) {
        using T = decltype(tv);
        const T* pa = static_cast<const T*>(ac.raw_data());
        const T* pb = static_cast<const T*>(bc.raw_data());
        T* o = static_cast<T*>(out.raw_data());
        const std::int64_t count = batch.product();
        for (std::int64_t bi = 0; bi < count; ++bi) {
            // The operands' matrix offsets for this batch position (broadcast axes read 0).
            std::int64_t rem = bi, oa = 0, ob = 0;
            for (int d = s.nb - 1; d >= 0; --d) {
                const std::int64_t idx = rem % batch[d];
                rem /= batch[d];
                const int ia = d - (s.nb - s.nba), ib = d - (s.nb - s.nbb);
                if (ia >= 0 && a.shape()[ia] != 1) oa += idx * ast[ia];
                if (ib >= 0 && b.shape()[ib] != 1) ob += idx * bst[ib];
            }
            for (std::int64_t i = 0; i < n; ++i)
                for (std::int64_t j = 0; j < m; ++j) {
                    Acc<T> acc{};
                    for (std::int64_t l = 0; l < k; ++l) {
                        const T x = pa[oa + (s.ra == 1 ? l : i * k + l)];
                        const T y = pb[ob + (s.rb == 1 ? l : l * m + j)];
                        acc = static_cast<Acc<T>>(acc +
                                                  static_cast<Acc<T>>(x) * static_cast<Acc<T>>(y));
                    }
                    o[(bi * n + i) * m + j] = static_cast<T>(acc);
                }
        }
    });
    return out;
}

// Kernel: the batch axes become a tj_walk over both operands (stride 0 where one broadcasts),
// and each batch position is one tj_gemm (BLAS for float32/float64, loops otherwise) writing
// its (n, m) block of the C-contiguous result.
void emit_matmul(EmitContext& e, const Node& node) {
    auto& os = e.out();
    const Node* a = node.inputs[0].get();
    const Node* b = node.inputs[1].get();
    const MatmulShape s = matmul_shape(a->type, b->type);
    const std::string t = EmitContext::ctype(node.type.dtype);
    const int id = e.id(&node);
    e.require_template("reduce.hpp");
    e.require_template("blas.hpp");
    os << "  { /* " << describe(node) << " */\n";
    os << "    const tj_arr* a = " << e.arr(a) << ";\n    const tj_arr* b = " << e.arr(b) << ";\n";
    os << "    const long long n = "
       << (s.ra == 1 ? "1" : "a->shape[" + std::to_string(s.ra - 2) + "]") << ";\n";
    os << "    const long long k = a->shape[" << s.ra - 1 << "];\n";
    os << "    const long long m = "
       << (s.rb == 1 ? "1" : "b->shape[" + std::to_string(s.rb - 1) + "]") << ";\n";
    const int kb = s.rb == 1 ? 0 : s.rb - 2;
    os << "    if (k != b->shape[" << kb << "]) return tj_rt_extent_error(f, " << id
       << ", TJ_EXTENT_CONTRACTED, " << s.ra << ", a->shape, " << s.ra - 1 << ", " << s.rb
       << ", b->shape, " << kb << ");\n";
    // The matrices' strides; a vector's missing axis gets stride 1 (any value BLAS accepts).
    os << "    const long long sa[2] = {"
       << (s.ra == 1 ? "1" : "a->strides[" + std::to_string(s.ra - 2) + "]") << ", a->strides["
       << s.ra - 1 << "]};\n";
    os << "    const long long sb[2] = {b->strides[" << (s.rb == 1 ? 0 : s.rb - 2) << "], "
       << (s.rb == 1 ? "1" : "b->strides[" + std::to_string(s.rb - 1) + "]") << "};\n";
    const int rout = node.type.ndim();
    os << "    long long osh[" << std::max(1, rout) << "];\n";
    os << "    tj_walk batch;\n    batch.nd = " << s.nb << ";\n";
    for (int d = 0; d < s.nb; ++d) {
        const int ia = d - (s.nb - s.nba), ib = d - (s.nb - s.nbb);
        // Static broadcasting: an operand's axis broadcasts when missing or statically 1.
        const bool ha = ia >= 0 && a->type.shape[ia] != 1, hb = ib >= 0 && b->type.shape[ib] != 1;
        const std::string ea = "a->shape[" + std::to_string(ia) + "]",
                          eb = "b->shape[" + std::to_string(ib) + "]";
        os << "    osh[" << d << "] = " << (ha ? ea : hb ? eb : "1") << ";\n";
        if (ha && hb)
            os << "    if (" << ea << " != " << eb << ") return tj_rt_extent_error(f, " << id
               << ", TJ_EXTENT_BATCH, " << s.ra << ", a->shape, " << ia << ", " << s.rb
               << ", b->shape, " << ib << ");\n";
        os << "    batch.shape[" << d << "] = osh[" << d << "];\n";
        os << "    batch.st[0][" << d
           << "] = " << (ha ? "a->strides[" + std::to_string(ia) + "]" : "0") << ";\n";
        os << "    batch.st[1][" << d
           << "] = " << (hb ? "b->strides[" + std::to_string(ib) + "]" : "0") << ";\n";
    }
    int j = s.nb;
    if (s.ra >= 2) os << "    osh[" << j++ << "] = n;\n";
    if (s.rb >= 2) os << "    osh[" << j++ << "] = m;\n";
    os << "    " << t << "* o = (" << t << "*)tj_rt_alloc(f, " << e.slot(&node) << ", " << rout
       << ", osh);\n";
    os << "    if (!o) return 1;\n";
    os << "    if (!tj_matmul<" << t << ">(f, batch, a, sa, b, sb, n, k, m, o)) return 1;\n";
    os << "  }\n";
}

// d matmul(a, b) = (g b^T, a^T g) on the matrix views, summed over broadcast batch axes; vectors
// are made matrices (a row, b a column) and their axis removed again.
std::vector<Var> matmul_pullback(const Node& node, const Var& g) {
    Var a(node.inputs[0]), b(node.inputs[1]);
    if (!is_float(a.dtype())) return {Var(), Var()};
    const MatmulShape s = matmul_shape(a.type(), b.type());
    const Var am = s.ra == 1 ? expand(a, {0}) : a;
    const Var bm = s.rb == 1 ? expand(b, {1}) : b;
    Var gm = g;
    if (s.ra == 1 && s.rb == 1)
        gm = expand(g, {0, 1});
    else if (s.ra == 1)
        gm = expand(g, {s.nb});
    else if (s.rb == 1)
        gm = expand(g, {s.nb + 1});
    Var ga = sum_to(matmul(gm, swap_last(bm)), am);
    Var gb = sum_to(matmul(swap_last(am), gm), bm);
    // Summing an extent-1 axis drops it.
    if (s.ra == 1) ga = sum(ga, 0);
    if (s.rb == 1) gb = sum(gb, 1);
    return {ga, gb};
}

// ---- outer ------------------------------------------------------------------------------------

// Kernel: tj_ger (one pass, x[i] * y[j]); a vector BLAS cannot take (stride <= 0)
// is copied to scratch first.
void emit_outer(EmitContext& e, const Node& node) {
    auto& os = e.out();
    const std::string t = EmitContext::ctype(node.type.dtype);
    e.require_template("reduce.hpp");
    e.require_template("blas.hpp");
    os << "  { /* " << describe(node) << " */\n";
    os << "    const tj_arr* a = " << e.arr(node.inputs[0].get()) << ";\n";
    os << "    const tj_arr* b = " << e.arr(node.inputs[1].get()) << ";\n";
    os << "    long long osh[2] = {a->shape[0], b->shape[0]};\n";
    os << "    " << t << "* o = (" << t << "*)tj_rt_alloc(f, " << e.slot(&node) << ", 2, osh);\n";
    os << "    if (!o) return 1;\n";
    os << "    long long ix, iy;\n";
    os << "    const " << t << "* x = tj_as_blas_vector<" << t << ">(f, a, 0, &ix);\n";
    os << "    const " << t << "* y = tj_as_blas_vector<" << t << ">(f, b, 1, &iy);\n";
    os << "    if (!x || !y) return 1;\n";
    os << "    tj_ger(osh[0], osh[1], x, ix, y, iy, o);\n";
    os << "  }\n";
}

// ---- tensordot --------------------------------------------------------------------------------

// attrs.ints = {n, axes_a[0..n), axes_b[0..n)}, normalized; the permutations put a's free axes
// first and b's last.
struct TensordotAxes {
    std::vector<int> ca, cb; // contracted axes, paired
    std::vector<int> fa, fb; // free axes in order
};

TensordotAxes tensordot_axes(const Attrs& at, int ra, int rb) {
    TensordotAxes t;
    const int n = static_cast<int>(at.ints[0]);
    for (int i = 0; i < n; ++i) {
        t.ca.push_back(static_cast<int>(at.ints[1 + i]));
        t.cb.push_back(static_cast<int>(at.ints[1 + n + i]));
    }
    for (int d = 0; d < ra; ++d)
        if (std::find(t.ca.begin(), t.ca.end(), d) == t.ca.end()) t.fa.push_back(d);
    for (int d = 0; d < rb; ++d)
        if (std::find(t.cb.begin(), t.cb.end(), d) == t.cb.end()) t.fb.push_back(d);
    return t;
}

// "[1, 2]": contracted axes in messages.
std::string axes_text(const std::vector<int>& axes) {
    std::string s = "[";
    for (std::size_t i = 0; i < axes.size(); ++i) s += (i ? ", " : "") + std::to_string(axes[i]);
    return s + "]";
}

TensorType tensordot_type(std::span<const NodePtr> in, const Attrs& at) {
    const TensorType& a = in[0]->type;
    const TensorType& b = in[1]->type;
    const TensordotAxes t = tensordot_axes(at, a.ndim(), b.ndim());
    for (std::size_t i = 0; i < t.ca.size(); ++i)
        TJ_CHECK(agree(a.shape[t.ca[i]], b.shape[t.cb[i]]), ShapeError)
            << "tensordot: shapes " << a.str() << " and " << b.str()
            << " not aligned: " << a.shape[t.ca[i]] << " (dim " << t.ca[i]
            << ") != " << b.shape[t.cb[i]] << " (dim " << t.cb[i] << ") (contracting axes "
            << axes_text(t.ca) << " of the first with " << axes_text(t.cb) << " of the second)";
    TJ_CHECK(t.fa.size() + t.fb.size() <= static_cast<std::size_t>(kMaxNdim), ShapeError)
        << "tensordot: the result of " << a.str() << " and " << b.str() << " would have more than "
        << kMaxNdim << " axes";
    Dims out;
    for (int d : t.fa) out.push_back(a.shape[d]);
    for (int d : t.fb) out.push_back(b.shape[d]);
    return TensorType{a.dtype, out};
}

// Reference: for each (free a, free b) position, the sum over the contracted positions, with
// offsets unravelled independently of the kernel's permute-and-merge.
Array tensordot_reference(const Array& a, const Array& b, const Node& node) {
    const TensordotAxes t = tensordot_axes(node.attrs, a.ndim(), b.ndim());
    Dims out_shape, csh;
    for (int d : t.fa) out_shape.push_back(a.shape()[d]);
    for (int d : t.fb) out_shape.push_back(b.shape()[d]);
    for (std::size_t i = 0; i < t.ca.size(); ++i) {
        TJ_CHECK(a.shape()[t.ca[i]] == b.shape()[t.cb[i]], ShapeError)
            << "tensordot: shapes " << shape_str(a.shape()) << " and " << shape_str(b.shape())
            << " not aligned: " << a.shape()[t.ca[i]] << " (dim " << t.ca[i]
            << ") != " << b.shape()[t.cb[i]] << " (dim " << t.cb[i] << ") (contracting axes "
            << axes_text(t.ca) << " of the first with " << axes_text(t.cb) << " of the second)";
        csh.push_back(a.shape()[t.ca[i]]);
    }
    Array out = Array::zeros(node.type.dtype, out_shape);
    const Array ac = a.copy(), bc = b.copy();
    const Dims ast = c_strides(a.shape()), bst = c_strides(b.shape());
    // Unravels a C-order position of `shape` into offsets along the given axes of an operand.
    auto offset = [](std::int64_t pos, const Dims& shape, const std::vector<int>& axes,
                     const Dims& st) {
        std::int64_t off = 0;
        for (int d = shape.size() - 1; d >= 0; --d) {
            off += (pos % shape[d]) * st[axes[d]];
            pos /= shape[d];
        }
        return off;
    };
    Dims fash, fbsh;
    for (int d : t.fa) fash.push_back(a.shape()[d]);
    for (int d : t.fb) fbsh.push_back(b.shape()[d]);
    visit_dtype(node.type.dtype, [&](auto tv) {
        using T = decltype(tv);
        const T* pa = static_cast<const T*>(ac.raw_data());
        const T* pb = static_cast<const T*>(bc.raw_data());
        T* o = static_cast<T*>(out.raw_data());
        for (std::int64_t i = 0; i < fash.product(); ++i)
            for (std::int64_t j = 0; j < fbsh.product(); ++j) {
                Acc<T> acc{};
                for (std::int64_t c = 0; c < csh.product(); ++c) {
                    const T x = pa[offset(i, fash, t.fa, ast) + offset(c, csh, t.ca, ast)];
                    const T y = pb[offset(j, fbsh, t.fb, bst) + offset(c, csh, t.cb, bst)];
                    acc =
                        static_cast<Acc<T>>(acc + static_cast<Acc<T>>(x) * static_cast<Acc<T>>(y));
                }
                o[i * fbsh.product() + j] = static_cast<T>(acc);
            }
    });
    return out;
}

// Kernel: a permuted to (free..., contracted...) and b to (contracted..., free...) as views,
// each described as one matrix (merged axes, or a contiguous copy when they do not merge), then
// one tj_gemm whose C-contiguous (M, N) result is the (free a..., free b...) array.
void emit_tensordot(EmitContext& e, const Node& node) {
    auto& os = e.out();
    const Node* a = node.inputs[0].get();
    const Node* b = node.inputs[1].get();
    const int ra = a->type.ndim(), rb = b->type.ndim(), rout = node.type.ndim();
    const TensordotAxes t = tensordot_axes(node.attrs, ra, rb);
    const int nfa = static_cast<int>(t.fa.size()), nc = static_cast<int>(t.ca.size());
    const std::string ty = EmitContext::ctype(node.type.dtype);
    e.require_template("reduce.hpp");
    e.require_template("blas.hpp");
    os << "  { /* " << describe(node) << " */\n";
    os << "    const tj_arr* a = " << e.arr(a) << ";\n    const tj_arr* b = " << e.arr(b) << ";\n";
    for (int i = 0; i < nc; ++i)
        os << "    if (a->shape[" << t.ca[i] << "] != b->shape[" << t.cb[i]
           << "]) return tj_rt_extent_error(f, " << e.id(&node) << ", TJ_EXTENT_CONTRACTED, " << ra
           << ", a->shape, " << t.ca[i] << ", " << rb << ", b->shape, " << t.cb[i] << ");\n";
    // Permuted views: a = (free..., contracted...), b = (contracted..., free...).
    std::vector<int> pa = t.fa, pb = t.cb;
    pa.insert(pa.end(), t.ca.begin(), t.ca.end());
    pb.insert(pb.end(), t.fb.begin(), t.fb.end());
    os << "    tj_arr pa, pb;\n    pa.data = a->data;\n    pb.data = b->data;\n";
    for (int d = 0; d < ra; ++d)
        os << "    pa.shape[" << d << "] = a->shape[" << pa[d] << "];\n    pa.strides[" << d
           << "] = a->strides[" << pa[d] << "];\n";
    for (int d = 0; d < rb; ++d)
        os << "    pb.shape[" << d << "] = b->shape[" << pb[d] << "];\n    pb.strides[" << d
           << "] = b->strides[" << pb[d] << "];\n";
    os << "    long long osh[" << std::max(1, rout) << "];\n";
    for (int d = 0; d < nfa; ++d) os << "    osh[" << d << "] = pa.shape[" << d << "];\n";
    for (int d = nfa; d < rout; ++d)
        os << "    osh[" << d << "] = pb.shape[" << d - nfa + nc << "];\n";
    os << "    " << ty << "* o = (" << ty << "*)tj_rt_alloc(f, " << e.slot(&node) << ", " << rout
       << ", osh);\n";
    os << "    if (!o) return 1;\n";
    os << "    const long long M = tj_prod(" << nfa << ", pa.shape), K = tj_prod(" << nc
       << ", pa.shape + " << nfa << "), N = tj_prod(" << rb - nc << ", pb.shape + " << nc << ");\n";
    os << "    if (M > 0 && N > 0) {\n";
    os << "      if (K == 0) {\n        tj_fill(o, M * N, (" << ty << ")0);\n      } else {\n";
    os << "        tj_mat<" << ty << "> A, B;\n";
    os << "        if (!tj_as_blas_matrix_nd<" << ty << ">(f, &pa, " << ra << ", " << nfa
       << ", 0, &A) || "
       << "!tj_as_blas_matrix_nd<" << ty << ">(f, &pb, " << rb << ", " << nc
       << ", 1, &B)) return 1;\n";
    os << "        tj_gemm(M, N, K, A, B, o);\n      }\n    }\n  }\n";
}

Var tensordot_node(const Var& a, const Var& b, const std::vector<int>& ca,
                   const std::vector<int>& cb) {
    Attrs at;
    at.ints.push_back(static_cast<std::int64_t>(ca.size()));
    for (int d : ca) at.ints.push_back(d);
    for (int d : cb) at.ints.push_back(d);
    return Var(make_node(OpKind::Tensordot, {a.node(), b.node()}, at));
}

// The transpose that sends axis p[q] of x to position q... inverted: result axis j = x axis q
// where p[q] == j.
Var transpose_back(const Var& x, const std::vector<int>& p) {
    std::vector<int> inv(p.size());
    for (std::size_t q = 0; q < p.size(); ++q)
        inv[static_cast<std::size_t>(p[q])] = static_cast<int>(q);
    return transpose(x, inv);
}

// d tensordot(a, b): ga = tensordot(g, b) over b's free axes, gb = tensordot(a, g) over a's free
// axes, each transposed back to its operand's axis order.
std::vector<Var> tensordot_pullback(const Node& node, const Var& g) {
    Var a(node.inputs[0]), b(node.inputs[1]);
    if (!is_float(a.dtype())) return {Var(), Var()};
    const TensordotAxes t = tensordot_axes(node.attrs, a.ndim(), b.ndim());
    const int nfa = static_cast<int>(t.fa.size()), nfb = static_cast<int>(t.fb.size());
    // g's axes: a's free axes, then b's.
    std::vector<int> g_fb(nfb), g_fa(nfa);
    std::iota(g_fb.begin(), g_fb.end(), nfa);
    std::iota(g_fa.begin(), g_fa.end(), 0);
    // ga's axes: a's free axes, then b's contracted axes in increasing order, i.e. the a axes
    // paired with them.
    Var ga = tensordot_node(g, b, g_fb, t.fb);
    std::vector<int> pa = t.fa;
    {
        std::vector<int> cb_sorted = t.cb;
        std::sort(cb_sorted.begin(), cb_sorted.end());
        for (int db : cb_sorted)
            pa.push_back(t.ca[std::find(t.cb.begin(), t.cb.end(), db) - t.cb.begin()]);
    }
    // gb's axes: a's contracted axes in increasing order (the b axes paired with them), then
    // b's free axes.
    Var gb = tensordot_node(a, g, t.fa, g_fa);
    std::vector<int> pb;
    {
        std::vector<int> ca_sorted = t.ca;
        std::sort(ca_sorted.begin(), ca_sorted.end());
        for (int da : ca_sorted)
            pb.push_back(t.cb[std::find(t.ca.begin(), t.ca.end(), da) - t.ca.begin()]);
        pb.insert(pb.end(), t.fb.begin(), t.fb.end());
    }
    return {transpose_back(ga, pa), transpose_back(gb, pb)};
}

} // namespace

// ---- records ----------------------------------------------------------------------------------

// matmul(a, b): NumPy's matmul, with static broadcasting of the batch axes (as element-wise
// ops: only extent-1 axes broadcast).
TJ_REGISTER_OP(OpDef{
    .kind = OpKind::Matmul,
    .arity = 2,
    .prepare = promote_inputs,
    .type_rule = matmul_type,
    .reference = [](std::span<const Array> in,
                    const Node& n) { return matmul_reference(in[0], in[1], n); },
    .emit = emit_matmul,
    .pullback = [](const Node& n, const Var&, const Var& g) { return matmul_pullback(n, g); },
});

// outer(a, b)[i, j] = a[i] b[j]. d outer = (g . b, g^T . a)
TJ_REGISTER_OP(OpDef{
    .kind = OpKind::Outer,
    .arity = 2,
    .prepare = promote_inputs,
    .type_rule =
        [](std::span<const NodePtr> in, const Attrs&) {
            for (int i = 0; i < 2; ++i)
                TJ_CHECK(in[i]->type.ndim() == 1, TypeError)
                    << "outer: input " << i + 1 << "/2 has type " << in[i]->type.str()
                    << ", expected a vector";
            return TensorType{in[0]->type.dtype, Dims{in[0]->type.shape[0], in[1]->type.shape[0]}};
        },
    .reference =
        [](std::span<const Array> in, const Node& n) {
            Array out = Array::zeros(n.type.dtype, Dims{in[0].shape()[0], in[1].shape()[0]});
            visit_dtype(n.type.dtype, [&](auto tv) {
                using T = decltype(tv);
                T* o = static_cast<T*>(out.raw_data());
                for (std::int64_t i = 0; i < in[0].shape()[0]; ++i)
                    for (std::int64_t j = 0; j < in[1].shape()[0]; ++j)
                        o[i * in[1].shape()[0] + j] = static_cast<T>(static_cast<T>(in[0].at({i})) *
                                                                     static_cast<T>(in[1].at({j})));
            });
            return out;
        },
    .emit = emit_outer,
    .pullback = [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
        Var a(n.inputs[0]), b(n.inputs[1]);
        if (!is_float(a.dtype())) return {Var(), Var()};
        return {dot(g, b), dot(a, g)};
    },
});

// tensordot(a, b, axes): sum over paired axes of the products; a's free axes then b's.
TJ_REGISTER_OP(OpDef{
    .kind = OpKind::Tensordot,
    .arity = 2,
    .prepare = promote_inputs,
    .type_rule = tensordot_type,
    .reference = [](std::span<const Array> in,
                    const Node& n) { return tensordot_reference(in[0], in[1], n); },
    .emit = emit_tensordot,
    .pullback = [](const Node& n, const Var&, const Var& g) { return tensordot_pullback(n, g); },
});

// ---- public functions -------------------------------------------------------------------------

namespace {

std::vector<int> normalized_axes(const std::vector<int>& axes, const Var& x, int which) {
    const int nd = x.ndim();
    std::vector<int> out;
    for (int ax : axes) {
        TJ_CHECK(ax >= -nd && ax < nd, ValueError)
            << "tensordot: axis " << ax << " of input " << which << "/2 is out of bounds for "
            << x.type().str();
        const int p = ax < 0 ? ax + nd : ax;
        TJ_CHECK(std::find(out.begin(), out.end(), p) == out.end(), ValueError)
            << "tensordot: axis " << ax << " of input " << which << "/2 is repeated";
        out.push_back(p);
    }
    return out;
}

} // namespace

Var matmul(const Var& a, const Var& b) {
    TJ_CHECK(a.defined() && b.defined(), ValueError) << "matmul: undefined variable";
    return Var(make_node(OpKind::Matmul, {a.node(), b.node()}));
}

Var outer(const Var& a, const Var& b) {
    TJ_CHECK(a.defined() && b.defined(), ValueError) << "outer: undefined variable";
    // NumPy (and PyTensor) flatten operands of other ranks.
    const Var av = a.ndim() == 1 ? a : flatten(a);
    const Var bv = b.ndim() == 1 ? b : flatten(b);
    return Var(make_node(OpKind::Outer, {av.node(), bv.node()}));
}

Var tensordot(const Var& a, const Var& b, const std::vector<int>& axes_a,
              const std::vector<int>& axes_b) {
    TJ_CHECK(a.defined() && b.defined(), ValueError) << "tensordot: undefined variable";
    TJ_CHECK(axes_a.size() == axes_b.size(), ValueError)
        << "tensordot: " << axes_a.size() << " axes given for input 1/2 and " << axes_b.size()
        << " for input 2/2";
    return tensordot_node(a, b, normalized_axes(axes_a, a, 1), normalized_axes(axes_b, b, 2));
}

Var tensordot(const Var& a, const Var& b, int axes) {
    TJ_CHECK(a.defined() && b.defined(), ValueError) << "tensordot: undefined variable";
    TJ_CHECK(axes >= 0 && axes <= a.ndim() && axes <= b.ndim(), ValueError)
        << "tensordot: cannot contract " << axes << " axes of " << a.type().str() << " and "
        << b.type().str();
    std::vector<int> ca(static_cast<std::size_t>(axes)), cb(static_cast<std::size_t>(axes));
    std::iota(ca.begin(), ca.end(), a.ndim() - axes);
    std::iota(cb.begin(), cb.end(), 0);
    return tensordot_node(a, b, ca, cb);
}

} // namespace tensorjit
