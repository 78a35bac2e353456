// Indexing: basic subtensors (integers and slices, a view in the kernel), advanced indexing by
// one integer tensor (NumPy's take), and set_subtensor / inc_subtensor of both kinds.
//
// Basic index attributes: for every indexed input axis, 7 ints {kind, tag, v, tag, v, tag, v}:
// kind 0 = an integer (first bound), 1 = a slice (start, stop, step); tag 0 = none, 1 = the
// constant v, 2 = the v-th symbolic int64 scalar input (counted from the first one, input 1 of a
// subtensor and input 2 of set/inc). A trailing group {kSplitCheck, axis, extent} (split's pieces
// along an axis of unknown extent) checks at run time that x's axis has that extent: split's
// sizes must sum to it (value error 25). Advanced index attributes: {axis}; inputs (x[, v], idx).
#include "compiler/ops/elemwise.hpp"
#include "compiler/ops/emit_context.hpp"
#include "compiler/ops/op_def.hpp"

#include <tensorjit/indexing.hpp>

#include <algorithm>
#include <cstring>

namespace tensorjit {

namespace {

constexpr int kEntry = 7;
constexpr std::int64_t kSplitCheck = 2;

struct Bound {
    std::int64_t tag = 0, v = 0;
};
struct Entry {
    bool is_int = false;
    Bound b[3]; // start (or the integer), stop, step
};

std::vector<Entry> entries_of(const Attrs& a) {
    std::vector<Entry> r;
    for (std::size_t i = 0; i + kEntry <= a.ints.size() && a.ints[i] != kSplitCheck; i += kEntry) {
        Entry e;
        e.is_int = a.ints[i] == 0;
        for (int k = 0; k < 3; ++k) e.b[k] = {a.ints[i + 1 + 2 * k], a.ints[i + 2 + 2 * k]};
        r.push_back(e);
    }
    return r;
}

std::string s(std::int64_t v) { return std::to_string(v); }

// split's check {axis, extent}, or axis -1 when the attributes have none.
std::pair<int, std::int64_t> split_check_of(const Attrs& a) {
    const std::size_t i = a.ints.size() / kEntry * kEntry;
    if (a.ints.size() - i == 3 && a.ints[i] == kSplitCheck)
        return {static_cast<int>(a.ints[i + 1]), a.ints[i + 2]};
    return {-1, 0};
}

// Python's slice.indices(): the first position and the length.
void slice_indices(std::int64_t n, const Bound& b0, std::int64_t start, const Bound& b1,
                   std::int64_t stop, std::int64_t step, std::int64_t* first, std::int64_t* len) {
    std::int64_t b, e;
    if (step > 0) {
        b = b0.tag ? (start < 0 ? start + n : start) : 0;
        e = b1.tag ? (stop < 0 ? stop + n : stop) : n;
        b = std::clamp<std::int64_t>(b, 0, n);
        e = std::clamp<std::int64_t>(e, 0, n);
        *len = e > b ? (e - b - 1) / step + 1 : 0; // no overflow for any step
    } else {
        b = b0.tag ? (start < 0 ? start + n : start) : n - 1;
        e = b1.tag ? (stop < 0 ? stop + n : stop) : -1;
        b = std::clamp<std::int64_t>(b, -1, n - 1);
        if (b1.tag) e = std::clamp<std::int64_t>(e, -1, n - 1);
        *len = b > e ? static_cast<std::int64_t>(static_cast<std::uint64_t>(b - e - 1) /
                                                 (0 - static_cast<std::uint64_t>(step))) +
                           1
                     : 0;
    }
    *first = *len > 0 ? b : 0;
}

std::string index_error_text(std::int64_t i, int axis, std::int64_t n) {
    return "index " + s(i) + " is out of bounds for axis " + s(axis) + " with size " + s(n);
}

// The static shape of a basic subtensor of xt.
Dims basic_shape(const TensorType& xt, const Attrs& a, const char* op) {
    const auto es = entries_of(a);
    Dims out;
    for (int d = 0; d < xt.ndim(); ++d) {
        const std::int64_t n = xt.shape[d];
        if (d >= static_cast<int>(es.size())) {
            out.push_back(n);
            continue;
        }
        const Entry& e = es[static_cast<std::size_t>(d)];
        if (e.is_int) {
            if (e.b[0].tag == 1 && n != dyn) {
                const std::int64_t i = e.b[0].v;
                TJ_CHECK(i >= -n && i < n, ValueError)
                    << op << ": " << index_error_text(i, d, n) << " (" << xt.str() << ")";
            }
            continue;
        }
        if (n == dyn || e.b[0].tag == 2 || e.b[1].tag == 2) {
            out.push_back(dyn);
            continue;
        }
        std::int64_t first, len;
        slice_indices(n, e.b[0], e.b[0].v, e.b[1], e.b[1].v, e.b[2].v, &first, &len);
        out.push_back(len);
    }
    return out;
}

// The basic subtensor of x as a view of x's memory (reference side); scalars[k] are the symbolic
// bounds' values.
Array basic_view(const Array& x, const Attrs& a, std::span<const Array> scalars, const char* op) {
    const auto es = entries_of(a);
    const auto [split_axis, split_total] = split_check_of(a);
    TJ_CHECK(split_axis < 0 || x.shape()[split_axis] == split_total, ValueError)
        << "split: the sizes sum to " << split_total << ", but axis " << split_axis
        << " has extent " << x.shape()[split_axis];
    auto value = [&](const Bound& b) {
        return b.tag == 2
                   ? static_cast<std::int64_t>(scalars[static_cast<std::size_t>(b.v)].item_double())
                   : b.v;
    };
    Dims shape, strides;
    std::int64_t off = 0;
    for (int d = 0; d < x.ndim(); ++d) {
        const std::int64_t n = x.shape()[d], st = x.strides()[d];
        if (d >= static_cast<int>(es.size())) {
            shape.push_back(n);
            strides.push_back(st);
            continue;
        }
        const Entry& e = es[static_cast<std::size_t>(d)];
        if (e.is_int) {
            const std::int64_t i = value(e.b[0]);
            const std::int64_t p = i < 0 ? i + n : i;
            TJ_CHECK(p >= 0 && p < n, ValueError) << op << ": " << index_error_text(i, d, n);
            off += p * st;
            continue;
        }
        std::int64_t first, len;
        slice_indices(n, e.b[0], value(e.b[0]), e.b[1], value(e.b[1]), e.b[2].v, &first, &len);
        off += first * st;
        shape.push_back(len);
        // With one element or none the stride is never used (and the product may not fit).
        strides.push_back(len > 1 ? st * e.b[2].v : st);
    }
    char* p = static_cast<char*>(x.raw_data()) +
              (shape.product() > 0 ? off * static_cast<std::int64_t>(x.itemsize()) : 0);
    return x.view(p, x.dtype(), shape, strides);
}

// Code filling `tj_arr v` with the basic subtensor of `const tj_arr* src` (x's rank), returning
// an index error for an integer out of bounds. Symbolic bounds start at input `base`.
std::string basic_view_code(EmitContext& e, const Node& n, int base) {
    const auto es = entries_of(n.attrs);
    const int nx = n.inputs[0]->type.ndim();
    const std::string t = EmitContext::ctype(n.inputs[0]->type.dtype);
    auto expr = [&](const Bound& b) -> std::string {
        if (b.tag == 2)
            return "(*(const long long*)" +
                   e.arr(n.inputs[static_cast<std::size_t>(base + b.v)].get()) + "->data)";
        return "(" + s(b.v) + "LL)";
    };
    std::string c = "    tj_arr v;\n    long long off = 0;\n";
    const auto [split_axis, split_total] = split_check_of(n.attrs);
    if (split_axis >= 0)
        c += "    if (src->shape[" + s(split_axis) + "] != " + s(split_total) +
             "LL) return tj_rt_value_error(f, " + s(e.id(&n)) + ", TJ_E_SPLIT_SIZES, src->shape[" +
             s(split_axis) + "]);\n";
    int j = 0;
    for (int d = 0; d < nx; ++d) {
        const std::string sd = s(d), sj = s(j);
        if (d >= static_cast<int>(es.size())) {
            c += "    v.shape[" + sj + "] = src->shape[" + sd + "];\n    v.strides[" + sj +
                 "] = src->strides[" + sd + "];\n";
            ++j;
            continue;
        }
        const Entry& en = es[static_cast<std::size_t>(d)];
        if (en.is_int) {
            c += "    {\n      const long long i = " + expr(en.b[0]) + ";\n";
            c += "      const long long p = i < 0 ? i + src->shape[" + sd + "] : i;\n";
            c += "      if (p < 0 || p >= src->shape[" + sd + "]) return tj_index_error(f, " +
                 s(e.id(&n)) + ", " + sd + ", i, src->shape[" + sd + "]);\n";
            c += "      off += p * src->strides[" + sd + "];\n    }\n";
            continue;
        }
        c += "    {\n      long long b, len;\n      tj_slice_norm(src->shape[" + sd + "], " +
             s(en.b[0].tag != 0) + ", " + expr(en.b[0]) + ", " + s(en.b[1].tag != 0) + ", " +
             expr(en.b[1]) + ", " + s(en.b[2].v) + "LL, &b, &len);\n";
        c += "      v.shape[" + sj + "] = len;\n      v.strides[" + sj +
             "] = len > 1 ? src->strides[" + sd + "] * " + s(en.b[2].v) + "LL : src->strides[" +
             sd + "];\n      off += b * src->strides[" + sd + "];\n    }\n";
        ++j;
    }
    c += "    v.data = (void*)((" + t + "*)src->data + off);\n";
    return c;
}

// Static broadcasting of a value of type vt into a region of static shape rs: ShapeError naming op.
void check_value_fits(const TensorType& vt, const Dims& rs, const char* op, const TensorType& xt) {
    TJ_CHECK(vt.ndim() <= rs.size(), ShapeError)
        << op << ": the value " << vt.str() << " has a higher rank than the indexed region "
        << TensorType{xt.dtype, rs}.str() << " of " << xt.str();
    for (int k = 0; k < vt.ndim(); ++k) {
        const std::int64_t ve = vt.shape[k], re = rs[k + rs.size() - vt.ndim()];
        TJ_CHECK(ve == 1 || ve == dyn || re == dyn || ve == re, ShapeError)
            << op << ": the value " << vt.str() << " cannot broadcast to the indexed region "
            << TensorType{xt.dtype, rs}.str() << " of " << xt.str();
    }
}

// Code for `long long vst[...]`: the strides of the value `val` (static type vt) broadcast over a
// region of rank nr whose extents are `rshape`, with a shape error when an extent differs.
std::string value_strides_code(const Node& n, int id, const TensorType& vt, int nr,
                               const std::string& rshape) {
    std::string c = "    long long vst[" + s(std::max(1, nr)) + "];\n";
    for (int d = 0; d < nr; ++d) {
        const int k = d - (nr - vt.ndim());
        if (k < 0 || vt.shape[k] == 1) {
            c += "    vst[" + s(d) + "] = 0;\n";
            continue;
        }
        c += "    if (val->shape[" + s(k) + "] != " + rshape + "[" + s(d) +
             "]) return tj_rt_shape_error(f, " + s(id) + ", " + s(vt.ndim()) + ", val->shape, " +
             s(nr) + ", " + rshape + ");\n";
        c += "    vst[" + s(d) + "] = val->strides[" + s(k) + "];\n";
    }
    (void)n;
    return c;
}

// Writes value v (static type vt) into the region view of r, assigning or adding (reference).
void write_region(const Array& region, const Array& v, const TensorType& vt, bool inc,
                  const char* op) {
    const int nr = region.ndim();
    Dims vst;
    for (int d = 0; d < nr; ++d) {
        const int k = d - (nr - v.ndim());
        if (k < 0 || vt.shape[k] == 1) {
            vst.push_back(0);
            continue;
        }
        TJ_CHECK(v.shape()[k] == region.shape()[d], ShapeError)
            << op << ": shapes " << shape_str(v.shape()) << " and " << shape_str(region.shape())
            << " cannot broadcast";
        vst.push_back(v.strides()[k]);
    }
    visit_dtype(region.dtype(), [&](auto tv) {
        using T = decltype(tv);
        T* r = static_cast<T*>(region.raw_data());
        const T* vp = static_cast<const T*>(v.raw_data());
        const std::int64_t cnt = region.size();
        for (std::int64_t i = 0; i < cnt; ++i) {
            std::int64_t rem = i, ro = 0, vo = 0;
            for (int d = nr - 1; d >= 0; --d) {
                const std::int64_t q = rem % region.shape()[d];
                rem /= region.shape()[d];
                ro += q * region.strides()[d];
                vo += q * vst[d];
            }
            if (inc)
                r[ro] = static_cast<T>(r[ro] + vp[vo]);
            else
                r[ro] = vp[vo];
        }
    });
}

// ---- basic -------------------------------------------------------------------------------------

Array set_inc_reference(std::span<const Array> in, const Node& n, bool inc) {
    Array r = in[0].copy();
    Array region = basic_view(r, n.attrs, in.subspan(2), inc ? "inc_subtensor" : "set_subtensor");
    write_region(region, in[1], n.inputs[1]->type, inc, inc ? "inc_subtensor" : "set_subtensor");
    return r;
}

void emit_set_inc(EmitContext& e, const Node& n, bool inc) {
    auto& os = e.out();
    const int nx = n.type.ndim(), slot = e.slot(&n);
    const std::string t = EmitContext::ctype(n.type.dtype);
    const Dims rs = basic_shape(n.inputs[0]->type, n.attrs, "set_subtensor");
    const int nr = rs.size();
    e.require_template("reduce.hpp");
    e.require_template("shape_ops.hpp");
    os << "  { /* " << describe(n) << " */\n";
    os << "    const tj_arr* xs = " << e.arr(n.inputs[0].get()) << ";\n";
    os << "    const tj_arr* val = " << e.arr(n.inputs[1].get()) << ";\n";
    os << "    " << t << "* o = (" << t << "*)tj_rt_alloc(f, " << slot << ", " << nx
       << ", xs->shape);\n";
    os << "    if (!o) return 1;\n    tj_copy_to_contiguous(xs, " << nx << ", o);\n";
    os << "    const tj_arr* src = &f->slots[" << slot << "];\n";
    os << basic_view_code(e, n, 2);
    os << value_strides_code(n, e.id(&n), n.inputs[1]->type, nr, "v.shape");
    os << "    tj_apply_strided(" << nr << ", v.shape, (" << t << "*)v.data, v.strides, (const "
       << t << "*)val->data, vst, " << (inc ? "tj_add_op<" : "tj_assign_op<") << t
       << ">());\n  }\n";
}

// The scalar inputs of a basic index node, from input `base` on.
std::vector<NodePtr> scalars_of(const Node& n, int base) {
    return {n.inputs.begin() + base, n.inputs.end()};
}

Var make_set_inc(OpKind k, const Var& x, const Var& v, const Attrs& a,
                 const std::vector<NodePtr>& scalars) {
    std::vector<NodePtr> in{x.node(), v.node()};
    in.insert(in.end(), scalars.begin(), scalars.end());
    return Var(make_node(k, in, a));
}

// The gradient of the value of set/inc: g's region summed back to v's shape.
Var value_grad(const Node& n, const Var& g) {
    std::vector<NodePtr> in{g.node()};
    auto sc = scalars_of(n, 2);
    in.insert(in.end(), sc.begin(), sc.end());
    Var region(make_node(OpKind::Subtensor, in, n.attrs));
    return sum_to(region, Var(n.inputs[1]));
}

std::vector<Var> undefined(std::size_t k) { return std::vector<Var>(k); }

// ---- advanced ----------------------------------------------------------------------------------

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

TJ_REGISTER_OP(OpDef{
    .kind = OpKind::Subtensor,
    .arity = -1,
    .type_rule =
        [](std::span<const NodePtr> in, const Attrs& a) {
            return TensorType{in[0]->type.dtype, basic_shape(in[0]->type, a, "subtensor")};
        },
    .reference =
        [](std::span<const Array> in, const Node& n) {
            return basic_view(in[0], n.attrs, in.subspan(1), "subtensor").copy();
        },
    .emit =
        [](EmitContext& e, const Node& n) {
            e.require_template("shape_ops.hpp");
            e.emit_view(n, basic_view_code(e, n, 1));
        },
    // d x[idx] = inc_subtensor(zeros_like(x)[idx], g); the bounds are disconnected
    .pullback = [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
        Var x(n.inputs[0]);
        std::vector<Var> r = undefined(n.inputs.size());
        r[0] = make_set_inc(OpKind::IncSubtensor, zeros_like(x), g, n.attrs, scalars_of(n, 1));
        return r;
    },
});

TJ_REGISTER_OP(OpDef{
    .kind = OpKind::SetSubtensor,
    .arity = -1,
    .prepare = [](std::vector<NodePtr>& in, Attrs&) { in[1] = cast_to(in[1], in[0]->type.dtype); },
    .type_rule =
        [](std::span<const NodePtr> in, const Attrs& a) {
            check_value_fits(in[1]->type, basic_shape(in[0]->type, a, "set_subtensor"),
                             "set_subtensor", in[0]->type);
            return in[0]->type;
        },
    .reference = [](std::span<const Array> in,
                    const Node& n) { return set_inc_reference(in, n, false); },
    .emit = [](EmitContext& e, const Node& n) { emit_set_inc(e, n, false); },
    // d set_subtensor(x, v)/dx = g with the region zeroed; d/dv = g's region (summed to v's shape)
    .pullback = [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
        std::vector<Var> r = undefined(n.inputs.size());
        r[0] = make_set_inc(OpKind::SetSubtensor, g, constant(Array::full(g.dtype(), Dims{}, 0)),
                            n.attrs, scalars_of(n, 2));
        r[1] = value_grad(n, g);
        return r;
    },
});

TJ_REGISTER_OP(OpDef{
    .kind = OpKind::IncSubtensor,
    .arity = -1,
    .prepare = [](std::vector<NodePtr>& in, Attrs&) { in[1] = cast_to(in[1], in[0]->type.dtype); },
    .type_rule =
        [](std::span<const NodePtr> in, const Attrs& a) {
            check_value_fits(in[1]->type, basic_shape(in[0]->type, a, "inc_subtensor"),
                             "inc_subtensor", in[0]->type);
            return in[0]->type;
        },
    .reference = [](std::span<const Array> in,
                    const Node& n) { return set_inc_reference(in, n, true); },
    .emit = [](EmitContext& e, const Node& n) { emit_set_inc(e, n, true); },
    // d inc_subtensor(x, v)/dx = g; d/dv = g's region (summed to v's shape)
    .pullback = [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
        std::vector<Var> r = undefined(n.inputs.size());
        r[0] = g;
        r[1] = value_grad(n, g);
        return r;
    },
});

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

// ---- public functions
// -----------------------------------------------------------------------------

namespace {

// A symbolic integer scalar as an int64 node; TypeError naming the op otherwise.
NodePtr int_scalar(const Var& v, const char* what) {
    TJ_CHECK(v.defined(), ValueError) << "subtensor: undefined " << what;
    TJ_CHECK(v.ndim() == 0 && is_integer(v.dtype()), TypeError)
        << "subtensor: " << what << " must be an integer scalar, got " << v.type().str();
    return cast_to(v.node(), DType::Int64);
}

} // namespace

Var Var::index(const std::vector<Index>& indices) const {
    TJ_CHECK(defined(), ValueError) << "subtensor: undefined variable";
    const TensorType& xt = type();
    TJ_CHECK(static_cast<int>(indices.size()) <= xt.ndim(), ShapeError)
        << "subtensor: too many indices (" << indices.size() << ") for " << xt.str();
    Attrs a;
    std::vector<NodePtr> in{node()}, scalars;
    int adv = -1; // the input axis of the integer tensor
    bool basic = false;
    for (std::size_t d = 0; d < indices.size(); ++d) {
        const Index& ix = indices[d];
        auto bound = [&](std::vector<std::int64_t>& ints, const SliceBound& b, const char* what) {
            if (b.is_none()) {
                ints.insert(ints.end(), {0, 0});
            } else if (b.var().defined()) {
                const Var& v = b.var();
                if (v.node()->op == OpKind::Constant && v.ndim() == 0 && is_integer(v.dtype())) {
                    ints.insert(ints.end(),
                                {1, static_cast<std::int64_t>(v.node()->value->item_double())});
                    return;
                }
                scalars.push_back(int_scalar(v, what));
                ints.insert(ints.end(), {2, static_cast<std::int64_t>(scalars.size() - 1)});
            } else {
                ints.insert(ints.end(), {1, b.value()});
            }
        };
        std::vector<std::int64_t> e;
        switch (ix.kind()) {
        case Index::Kind::Int:
            e = {0, 1, ix.int_value(), 0, 0, 1, 1};
            basic = true;
            break;
        case Index::Kind::Slice: {
            const Slice& sl = ix.slice_value();
            TJ_CHECK(sl.step != 0, ValueError) << "subtensor: slice step cannot be zero";
            e = {1};
            bound(e, sl.start, "slice start");
            bound(e, sl.stop, "slice stop");
            e.insert(e.end(), {1, sl.step});
            basic |= !(sl.start.is_none() && sl.stop.is_none() && sl.step == 1);
            break;
        }
        case Index::Kind::Tensor: {
            const Var& v = ix.var();
            TJ_CHECK(v.defined(), ValueError) << "subtensor: undefined index";
            if (v.ndim() == 0) {
                e = {0};
                bound(e, v, "index");
                e.insert(e.end(), {0, 0, 1, 1});
                basic = true;
                break;
            }
            TJ_CHECK(is_integer(v.dtype()), TypeError)
                << "subtensor: an index tensor must have an integer dtype, got " << v.type().str()
                << " (boolean masks are not supported)";
            TJ_CHECK(adv < 0, ValueError)
                << "subtensor: only one integer-tensor index is supported";
            adv = static_cast<int>(d);
            e = {1, 0, 0, 0, 0, 1, 1};
            break;
        }
        }
        a.ints.insert(a.ints.end(), e.begin(), e.end());
    }
    Var y = *this;
    if (basic) {
        in.insert(in.end(), scalars.begin(), scalars.end());
        y = Var(make_node(OpKind::Subtensor, in, a));
    }
    if (adv < 0) return y;
    // NumPy places the taken axes where the index tensor was when the integer indices and the
    // tensor are adjacent: then indexing in two steps gives the same result.
    int first = adv, last = adv, removed = 0;
    for (int d = 0; d < static_cast<int>(indices.size()); ++d) {
        if (a.ints[static_cast<std::size_t>(d * kEntry)] != 0) continue;
        first = std::min(first, d);
        last = std::max(last, d);
        removed += d < adv;
    }
    for (int d = first; d <= last; ++d)
        TJ_CHECK(d == adv || a.ints[static_cast<std::size_t>(d * kEntry)] == 0, ValueError)
            << "subtensor: integer indices separated from the index tensor by a slice are not "
               "supported";
    Attrs aa;
    aa.ints = {adv - removed};
    return Var(make_node(
        OpKind::AdvancedSubtensor,
        {y.node(), cast_to(indices[static_cast<std::size_t>(adv)].var().node(), DType::Int64)},
        aa));
}

namespace {

Var set_or_inc(const Var& target, const Var& value, bool inc) {
    const char* op = inc ? "inc_subtensor" : "set_subtensor";
    TJ_CHECK(target.defined() && value.defined(), ValueError) << op << ": undefined variable";
    const Node& t = *target.node();
    if (t.op == OpKind::Subtensor) {
        Var x(t.inputs[0]);
        return make_set_inc(inc ? OpKind::IncSubtensor : OpKind::SetSubtensor, x, value, t.attrs,
                            scalars_of(t, 1));
    }
    TJ_CHECK(t.op == OpKind::AdvancedSubtensor, TypeError)
        << op << ": the target must be a subtensor x(...) of the tensor to update, got "
        << describe(t);
    Var y(t.inputs[0]);
    Var r(make_node(inc ? OpKind::AdvancedIncSubtensor : OpKind::AdvancedSetSubtensor,
                    {y.node(), value.node(), t.inputs[1]}, t.attrs));
    // x(slice, idx) was indexed in two steps: write the updated part back into x.
    if (y.node()->op == OpKind::Subtensor) return set_or_inc(y, r, false);
    return r;
}

} // namespace

Var set_subtensor(const Var& target, const Var& value) { return set_or_inc(target, value, false); }
Var inc_subtensor(const Var& target, const Var& value) { return set_or_inc(target, value, true); }

} // namespace tensorjit
