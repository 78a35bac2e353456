// Indexing's public functions: Var::index (basic subtensor and advanced indexing nodes),
// set_subtensor and inc_subtensor (which update the target's subtensor, basic or advanced).
#include "compiler/ops/indexing_util.hpp"
#include "compiler/ops/op_def.hpp"

#include <tensorjit/indexing.hpp>

#include <algorithm>

namespace tensorjit {

using namespace index_detail;

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
