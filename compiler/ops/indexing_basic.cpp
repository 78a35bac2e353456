// Basic indexing: subtensors by integers and slices (a view in the kernel), set_subtensor and
// inc_subtensor of them. The attribute layout is described in indexing_util.hpp.
#include "compiler/ops/elemwise.hpp"
#include "compiler/ops/emit_context.hpp"
#include "compiler/ops/indexing_util.hpp"
#include "compiler/ops/op_def.hpp"

namespace tensorjit {

using namespace index_detail;

namespace {

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

// The gradient of the value of set/inc: g's region summed back to v's shape.
Var value_grad(const Node& n, const Var& g) {
    std::vector<NodePtr> in{g.node()};
    auto sc = scalars_of(n, 2);
    in.insert(in.end(), sc.begin(), sc.end());
    Var region(make_node(OpKind::Subtensor, in, n.attrs));
    return sum_to(region, Var(n.inputs[1]));
}

std::vector<Var> undefined(std::size_t k) { return std::vector<Var>(k); }

} // namespace

TJ_REGISTER_OP(OpDef{
    .kind = OpKind::Subtensor,
    .view = true,
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

} // namespace tensorjit
