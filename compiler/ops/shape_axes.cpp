// Shape ops on axes: expand_dims, squeeze, transpose (views) and dimshuffle built from them.
#include "compiler/ops/emit_context.hpp"
#include "compiler/ops/op_def.hpp"
#include "compiler/ops/shape_util.hpp"

#include <algorithm>
#include <numeric>

namespace tensorjit {

using namespace shape_detail;

// expand_dims(x, axes): extent-1 axes inserted at the given (sorted) output positions.
TJ_REGISTER_OP(OpDef{
    .kind = OpKind::ExpandDims,
    .view = true,
    .arity = 1,
    .type_rule =
        [](std::span<const NodePtr> in, const Attrs& a) {
            const int out_nd = in[0]->type.ndim() + static_cast<int>(a.ints.size());
            Dims s;
            for (int d = 0, j = 0; d < out_nd; ++d) {
                bool inserted = false;
                for (auto ax : a.ints) inserted |= ax == d;
                s.push_back(inserted ? 1 : in[0]->type.shape[j++]);
            }
            return TensorType{in[0]->type.dtype, s};
        },
    .reference =
        [](std::span<const Array> in, const Node& n) {
            Dims s;
            for (int d = 0, j = 0; d < n.type.ndim(); ++d) {
                bool inserted = false;
                for (auto ax : n.attrs.ints) inserted |= ax == d;
                s.push_back(inserted ? 1 : in[0].shape()[j++]);
            }
            return in[0].reshape(s).copy();
        },
    .emit =
        [](EmitContext& e, const Node& n) {
            std::string view = "    tj_arr v;\n    v.data = src->data;\n";
            for (int d = 0, j = 0; d < n.type.ndim(); ++d) {
                bool inserted = false;
                for (auto ax : n.attrs.ints) inserted |= ax == d;
                std::string sd = std::to_string(d);
                if (inserted) {
                    view += "    v.shape[" + sd + "] = 1;\n    v.strides[" + sd + "] = 0;\n";
                } else {
                    view += "    v.shape[" + sd + "] = src->shape[" + std::to_string(j) +
                            "];\n    v.strides[" + sd + "] = src->strides[" + std::to_string(j) +
                            "];\n";
                    ++j;
                }
            }
            e.emit_view(n, view);
        },
    // d expand_dims(x) = g summed over the inserted (extent-1) axes
    .pullback = [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
        std::vector<int> axes(n.attrs.ints.begin(), n.attrs.ints.end());
        return {sum(g, axes)};
    },
});

// squeeze(x, axes): a view without the given axes (sorted), each of extent 1.
TJ_REGISTER_OP(OpDef{
    .kind = OpKind::Squeeze,
    .view = true,
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

// transpose(x, perm): a view for temporaries, a copy for results.
TJ_REGISTER_OP(OpDef{
    .kind = OpKind::Transpose,
    .view = true,
    .arity = 1,
    .type_rule =
        [](std::span<const NodePtr> in, const Attrs& a) {
            Dims s;
            for (auto p : a.ints) s.push_back(in[0]->type.shape[static_cast<int>(p)]);
            return TensorType{in[0]->type.dtype, s};
        },
    .reference =
        [](std::span<const Array> in, const Node& n) {
            std::vector<int> perm(n.attrs.ints.begin(), n.attrs.ints.end());
            return in[0].transpose(perm).copy();
        },
    .emit =
        [](EmitContext& e, const Node& n) {
            std::string view = "    tj_arr v;\n    v.data = src->data;\n";
            for (std::size_t d = 0; d < n.attrs.ints.size(); ++d)
                view += "    v.shape[" + std::to_string(d) + "] = src->shape[" +
                        std::to_string(n.attrs.ints[d]) + "];\n    v.strides[" + std::to_string(d) +
                        "] = src->strides[" + std::to_string(n.attrs.ints[d]) + "];\n";
            e.emit_view(n, view);
        },
    // d transpose(x, p) = transpose(g, p^-1)
    .pullback = [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
        std::vector<int> inv(n.attrs.ints.size());
        for (std::size_t i = 0; i < inv.size(); ++i)
            inv[static_cast<std::size_t>(n.attrs.ints[i])] = static_cast<int>(i);
        return {transpose(g, inv)};
    },
});

// ---- public functions ------------------------------------------------------------------------

DimEntry::DimEntry(char c) : axis_(kNew) {
    TJ_CHECK(c == 'x', ValueError)
        << "dimshuffle: pattern entry '" << c << "' is neither an axis nor 'x'";
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

Var transpose(const Var& x, const std::vector<int>& axes) {
    TJ_CHECK(x.defined(), ValueError) << "transpose: undefined variable";
    const int nd = x.ndim();
    TJ_CHECK(static_cast<int>(axes.size()) == nd, ValueError)
        << "transpose: " << axes.size() << " axes given for " << x.type().str();
    Attrs a;
    std::vector<bool> seen(nd, false);
    for (int ax : axes) {
        int p = ax < 0 ? ax + nd : ax;
        TJ_CHECK(p >= 0 && p < nd && !seen[p], ValueError)
            << "transpose: axes are not a permutation of 0.." << nd - 1;
        seen[p] = true;
        a.ints.push_back(p);
    }
    bool identity = true;
    for (int d = 0; d < nd; ++d) identity &= a.ints[d] == d;
    if (identity) return x;
    return Var(make_node(OpKind::Transpose, {x.node()}, a));
}

Var transpose(const Var& x) {
    std::vector<int> axes(x.ndim());
    std::iota(axes.rbegin(), axes.rend(), 0);
    return transpose(x, axes);
}

Var Var::T() const { return transpose(*this); }

} // namespace tensorjit
