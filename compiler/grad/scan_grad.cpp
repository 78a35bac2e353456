// Backpropagation through time: the gradient of a scan result is another scan, running
// backwards over the steps (PyTensor's approach). At step t it evaluates the vector-Jacobian
// product of the forward step (tj::grad of the body, over its placeholders, computed once) at
// the forward values of step t (the sequences' rows and the states' stacked rows, indexed by t)
// and the cotangents of the step's outputs. A state fed back with taps {-1, ..., -d} carries a
// window of d pending cotangents (for its values at t, t - 1, ..., t - d + 1); non-sequences
// accumulate their gradient in a carry; sequence rows are results of the backward scan, added
// into the sequences' gradients at the taps' offsets. Until loops are not differentiable (as in
// PyTensor).
#include "compiler/grad/scan_grad.hpp"

#include "compiler/graph/scan_body.hpp"
#include "compiler/ops/op_def.hpp"

#include <tensorjit/control.hpp>
#include <tensorjit/grad.hpp>
#include <tensorjit/indexing.hpp>

#include <algorithm>
#include <unordered_map>

namespace tensorjit {

namespace {

// The node of the same scan for result k (keep: only the last step's value).
Var scan_result(const Node& n, int k, int keep) {
    const ScanBody& b = *n.attrs.body;
    const NodePtr& o = b.outputs[static_cast<std::size_t>(k)];
    return Var(make_node(OpKind::Scan, n.inputs, Attrs{{k, keep}, o->type.dtype, n.attrs.body}));
}

// The last step's value of a stacked result of a scan.
Var last_of(const Var& stacked) {
    const Node& n = *stacked.node();
    return scan_result(n, static_cast<int>(n.attrs.ints[kScanResult]), 1);
}

} // namespace

std::vector<Var> scan_pullback(const Node& node, const Var& gout, const std::vector<bool>& needed) {
    const ScanBody& b = *node.attrs.body;
    TJ_CHECK(!b.has_until, TypeError)
        << "grad: " << b.name
        << " is a loop with an until condition; gradients through until loops are not supported "
           "(as in PyTensor)";
    const int S = b.n_states();
    const int k_res = static_cast<int>(node.attrs.ints[kScanResult]);
    const bool keep_last = node.attrs.ints[kScanKeepLast] != 0;

    // The outer inputs.
    std::size_t pos = 1;
    std::vector<Var> seq, init(static_cast<std::size_t>(S)), nonseq;
    for (int i = 0; i < b.n_seqs(); ++i) seq.push_back(Var(node.inputs[pos++]));
    for (int k = 0; k < S; ++k)
        if (!b.state_taps[static_cast<std::size_t>(k)].empty())
            init[static_cast<std::size_t>(k)] = Var(node.inputs[pos++]);
    for (; pos < node.inputs.size(); ++pos) nonseq.push_back(Var(node.inputs[pos]));

    // The forward values: every fed-back float state stacked, behind its initial rows.
    auto differentiable = [](const NodePtr& p) { return is_float(p->type.dtype); };
    const Var n = shape(scan_result(node, k_res, 0))(0);
    std::vector<Var> padded(static_cast<std::size_t>(S));
    for (int k = 0; k < S; ++k) {
        const auto ku = static_cast<std::size_t>(k);
        if (!init[ku].defined()) continue;
        const bool single = b.state_taps[ku] == std::vector<int>{-1};
        Var rows =
            single ? expand_dims(init[ku], std::vector<int>{0}) : init[ku](slice(0, b.depth(k)));
        padded[ku] = concatenate({rows, scan_result(node, k, 0)}, 0);
    }

    // The placeholders whose gradient is wanted: fed-back states always (their cotangents flow
    // back through the steps), sequences and non-sequences when grad needs their gradient.
    std::vector<bool> wanted(b.inputs.size(), false);
    pos = 1;
    for (int i = 0; i < b.n_seqs(); ++i, ++pos)
        for (std::size_t t = 0; t < b.seq_taps[static_cast<std::size_t>(i)].size(); ++t)
            wanted[static_cast<std::size_t>(b.seq_input(i)) + t] = needed[pos];
    for (int k = 0; k < S; ++k) {
        const auto ku = static_cast<std::size_t>(k);
        if (init[ku].defined()) ++pos;
        for (std::size_t t = 0; t < b.state_taps[ku].size(); ++t)
            wanted[static_cast<std::size_t>(b.state_input(k)) + t] = true;
    }
    for (std::size_t j = 0; j < nonseq.size(); ++j, ++pos)
        wanted[static_cast<std::size_t>(b.nonseq_input()) + j] = needed[pos];

    // The vector-Jacobian product of one step, over the body's placeholders and a cotangent
    // placeholder per float output (known gradients: no rewrites, so the VJP refers to the
    // body's own output nodes, which the backward step replaces by the stored forward values
    // instead of computing them again).
    std::vector<NodePtr> cot(static_cast<std::size_t>(S));
    std::vector<std::pair<Var, Var>> known;
    for (int k = 0; k < S; ++k) {
        const auto ku = static_cast<std::size_t>(k);
        const NodePtr& o = b.outputs[ku];
        if (!differentiable(o)) continue;
        const bool fed_back = init[ku].defined();
        if (!fed_back && k != k_res) continue; // a map result nobody differentiates
        cot[ku] = make_input("cotangent" + std::to_string(k), o->type);
        known.push_back({Var(o), Var(cot[ku])});
    }
    std::vector<Var> vjp(b.inputs.size());
    if (!known.empty()) {
        std::vector<Var> fl;
        std::vector<std::size_t> where_of;
        for (std::size_t i = 0; i < b.inputs.size(); ++i)
            if (wanted[i] && differentiable(b.inputs[i])) {
                fl.push_back(Var(b.inputs[i]));
                where_of.push_back(i);
            }
        const Var zero(make_constant(Array::zeros(known.front().first.dtype(), Dims{})));
        const std::vector<Var> g =
            grad(zero, fl, {.allow_disconnected = true, .known_grads = known});
        for (std::size_t i = 0; i < g.size(); ++i) vjp[where_of[i]] = g[i];
    }

    // The backward scan's carries: per fed-back float state its window, per float non-sequence
    // its accumulated gradient; its maps: per float sequence tap the row's gradient.
    std::vector<ScanOutputInfo> info;
    std::vector<int> window_of(static_cast<std::size_t>(S), -1);
    for (int k = 0; k < S; ++k) {
        const auto ku = static_cast<std::size_t>(k);
        if (!init[ku].defined() || !differentiable(b.outputs[ku])) continue;
        const int d = b.depth(k);
        const bool single = b.state_taps[ku] == std::vector<int>{-1};
        Var zero = single ? zeros_like(init[ku]) : zeros_like(init[ku](slice(0, d)));
        window_of[ku] = static_cast<int>(info.size());
        info.push_back(ScanOutputInfo(d == 1 && !single ? zeros_like(init[ku](0)) : zero));
    }
    const std::size_t first_nonseq = static_cast<std::size_t>(b.nonseq_input());
    std::vector<int> acc_of(nonseq.size(), -1);
    for (std::size_t j = 0; j < nonseq.size(); ++j) {
        if (!differentiable(b.inputs[first_nonseq + j]) || !vjp[first_nonseq + j].defined())
            continue;
        acc_of[j] = static_cast<int>(info.size());
        info.push_back(ScanOutputInfo(zeros_like(nonseq[j])));
    }
    std::vector<std::pair<int, int>> seq_rows; // (sequence, tap index) per map result
    for (int i = 0; i < b.n_seqs(); ++i)
        for (std::size_t t = 0; t < b.seq_taps[static_cast<std::size_t>(i)].size(); ++t) {
            const std::size_t p = static_cast<std::size_t>(b.seq_input(i)) + t;
            if (!differentiable(b.inputs[p]) || !vjp[p].defined()) continue;
            seq_rows.push_back({i, static_cast<int>(t)});
            info.push_back(none);
        }
    if (info.empty()) return std::vector<Var>(node.inputs.size());

    const Var last_t = n - 1;
    auto step = [&](const std::vector<Var>& a) -> ScanStep {
        const Var t = a[0];
        // The forward step's placeholders at step t, and the cotangents of its outputs.
        std::unordered_map<const Node*, NodePtr> at;
        for (int i = 0; i < b.n_seqs(); ++i) {
            const auto& taps = b.seq_taps[static_cast<std::size_t>(i)];
            const int lo = *std::min_element(taps.begin(), taps.end());
            for (std::size_t j = 0; j < taps.size(); ++j) {
                Var r = t + (taps[j] - lo);
                if (b.go_backwards) r = shape(seq[static_cast<std::size_t>(i)])(0) - 1 - r;
                at[b.inputs[static_cast<std::size_t>(b.seq_input(i)) + j].get()] =
                    seq[static_cast<std::size_t>(i)](r).node();
            }
        }
        for (int k = 0; k < S; ++k) {
            const auto ku = static_cast<std::size_t>(k);
            for (std::size_t j = 0; j < b.state_taps[ku].size(); ++j) {
                const NodePtr& p = b.inputs[static_cast<std::size_t>(b.state_input(k)) + j];
                at[p.get()] = padded[ku](t + (b.state_taps[ku][j] + b.depth(k))).node();
            }
        }
        for (std::size_t j = 0; j < nonseq.size(); ++j)
            at[b.inputs[first_nonseq + j].get()] = nonseq[j].node();
        // The step's outputs: what the forward loop stored.
        for (int k = 0; k < S; ++k) {
            const auto ku = static_cast<std::size_t>(k);
            const NodePtr& o = b.outputs[ku];
            if (!cot[ku] || o->is_leaf() || at.count(o.get())) continue;
            at[o.get()] =
                (init[ku].defined() ? padded[ku](t + b.depth(k)) : scan_result(node, k, 0)(t))
                    .node();
        }
        for (int k = 0; k < S; ++k) {
            const auto ku = static_cast<std::size_t>(k);
            if (!cot[ku]) continue;
            Var c;
            if (k == k_res) c = keep_last ? where(eq(t, last_t), gout, zeros_like(gout)) : gout(t);
            if (window_of[ku] >= 0) {
                const Var& w = a[1 + static_cast<std::size_t>(window_of[ku])];
                const bool whole = b.depth(k) == 1;
                Var pending = whole ? w : w(0);
                c = c.defined() ? c + pending : pending;
            }
            if (!c.defined()) c = zeros_like(Var(b.outputs[ku]));
            at[cot[ku].get()] = cast(c, cot[ku]->type.dtype).node();
        }
        auto eval = [&](const Var& v) { return Var(replace_nodes(std::vector{v.node()}, at)[0]); };

        std::vector<Var> outs;
        for (int k = 0; k < S; ++k) {
            const auto ku = static_cast<std::size_t>(k);
            if (window_of[ku] < 0) continue;
            const Var& w = a[1 + static_cast<std::size_t>(window_of[ku])];
            const int d = b.depth(k);
            // The gradient step t gives the state's value at t + tap.
            auto from_tap = [&](int tap) -> Var {
                const auto& taps = b.state_taps[ku];
                auto it = std::find(taps.begin(), taps.end(), tap);
                if (it == taps.end()) return Var();
                const Var& g = vjp[static_cast<std::size_t>(b.state_input(k)) +
                                   static_cast<std::size_t>(it - taps.begin())];
                return g.defined() ? eval(g) : Var();
            };
            if (d == 1) {
                Var g = from_tap(-1);
                outs.push_back(g.defined() ? cast(g, w.dtype()) : zeros_like(w));
                continue;
            }
            // Window m holds the pending cotangent of the value at t - 1 - m (for step t - 1).
            std::vector<Var> rows;
            for (int m = 0; m < d; ++m) {
                Var r = m + 1 < d ? w(m + 1) : zeros_like(w(0));
                Var g = from_tap(-(m + 1));
                if (g.defined()) r = r + cast(g, r.dtype());
                rows.push_back(r);
            }
            outs.push_back(stack(rows, 0));
        }
        for (std::size_t j = 0; j < nonseq.size(); ++j) {
            if (acc_of[j] < 0) continue;
            const Var& acc = a[1 + static_cast<std::size_t>(acc_of[j])];
            outs.push_back(acc + cast(eval(vjp[first_nonseq + j]), acc.dtype()));
        }
        for (const auto& [i, t_index] : seq_rows)
            outs.push_back(eval(vjp[static_cast<std::size_t>(b.seq_input(i) + t_index)]));
        return ScanStep(outs);
    };
    ScanResult back = scan(ScanFn(step), {.sequences = {arange(n)},
                                          .outputs_info = info,
                                          .go_backwards = true,
                                          .name = b.name + " gradient"});

    std::vector<Var> gin(node.inputs.size());
    pos = 1;
    for (int i = 0; i < b.n_seqs(); ++i, ++pos) {
        Var g;
        const auto& taps = b.seq_taps[static_cast<std::size_t>(i)];
        const int lo = *std::min_element(taps.begin(), taps.end());
        for (std::size_t r = 0; r < seq_rows.size(); ++r) {
            if (seq_rows[r].first != i) continue;
            const int off = taps[static_cast<std::size_t>(seq_rows[r].second)] - lo;
            // Backward results run from the last step to the first.
            Var rows = back[info.size() - seq_rows.size() + r](slice(none, none, -1));
            if (!g.defined()) g = zeros_like(seq[static_cast<std::size_t>(i)]);
            g = inc_subtensor(g(slice(off, n + off)), rows);
        }
        if (g.defined() && b.go_backwards) g = g(slice(none, none, -1));
        gin[pos] = g;
    }
    for (int k = 0; k < S; ++k) {
        const auto ku = static_cast<std::size_t>(k);
        if (!init[ku].defined()) continue;
        const std::size_t p = pos++;
        if (window_of[ku] < 0) continue;
        Var w = last_of(back[static_cast<std::size_t>(window_of[ku])]);
        const int d = b.depth(k);
        if (b.state_taps[ku] == std::vector<int>{-1}) {
            gin[p] = w;
        } else if (d == 1) {
            gin[p] = inc_subtensor(zeros_like(init[ku])(0), w);
        } else {
            // Window m is the value at -1 - m: initial row d - 1 - m.
            gin[p] = inc_subtensor(zeros_like(init[ku])(slice(0, d)), w(slice(none, none, -1)));
        }
    }
    for (std::size_t j = 0; j < nonseq.size(); ++j, ++pos)
        if (acc_of[j] >= 0) gin[pos] = last_of(back[static_cast<std::size_t>(acc_of[j])]);
    return gin;
}

} // namespace tensorjit
