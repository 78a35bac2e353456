// scan: the builder (tj::scan: placeholders, the step function, captured outer values, hidden
// states for shared variables and random generators) and the Scan op record (its type rule).
// The loop is written by compiler/codegen/emit_scan.cpp and differentiated by
// compiler/grad/scan_grad.cpp.
#include <tensorjit/control.hpp>

#include "compiler/graph/scan_body.hpp"
#include "compiler/ops/control_scan.hpp"
#include "compiler/ops/op_def.hpp"

#include <algorithm>
#include <limits>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace tensorjit {

namespace {

// The static number of steps of a scan node, or dyn.
std::int64_t static_steps(std::span<const NodePtr> in, const ScanBody& b) {
    if (b.has_until) return dyn;
    const Node& n_steps = *in[0];
    if (n_steps.op == OpKind::Constant) {
        const std::int64_t n = static_cast<std::int64_t>(n_steps.value->item_double());
        if (n >= 0) return n;
    }
    if (b.n_seqs() == 0) return dyn;
    std::int64_t steps = dyn;
    for (int i = 0; i < b.n_seqs(); ++i) {
        const auto& taps = b.seq_taps[static_cast<std::size_t>(i)];
        const std::int64_t len = in[1 + static_cast<std::size_t>(i)]->type.shape[0];
        if (len == dyn) return dyn;
        const auto [lo, hi] = std::minmax_element(taps.begin(), taps.end());
        const std::int64_t s = std::max<std::int64_t>(len - (*hi - *lo), 0);
        steps = steps == dyn ? s : std::min(steps, s);
    }
    return steps;
}

TensorType scan_type(std::span<const NodePtr> in, const Attrs& a) {
    TJ_INTERNAL_CHECK(a.body && a.ints.size() == 2) << "scan: malformed attributes";
    const ScanBody& b = *a.body;
    const int k = static_cast<int>(a.ints[kScanResult]);
    TJ_INTERNAL_CHECK(k >= 0 && k < b.n_states()) << "scan: no result " << k;
    // A recurrent state has its initial value's type; a map result its step's.
    const TensorType& t = b.state_taps[static_cast<std::size_t>(k)].empty()
                              ? b.outputs[static_cast<std::size_t>(k)]->type
                              : b.inputs[static_cast<std::size_t>(b.state_input(k))]->type;
    if (a.ints[kScanKeepLast]) return t;
    Dims shape{static_steps(in, b)};
    for (auto e : t.shape) shape.push_back(e);
    return TensorType{t.dtype, shape};
}

// Row i of a (axis 0 dropped): a view.
Array row_of(const Array& a, std::int64_t i) {
    Dims shape;
    for (int d = 1; d < a.ndim(); ++d) shape.push_back(a.shape()[d]);
    return a.slice(0, i, i + 1).reshape(shape);
}

// The loop by the ops' reference implementations (tj::eval of the body per step): the oracle
// the kernel is tested against, with the kernel's errors.
Array scan_reference(std::span<const Array> in, const Node& node) {
    const ScanBody& b = *node.attrs.body;
    const int S = b.n_states();
    const int k_res = static_cast<int>(node.attrs.ints[kScanResult]);
    const bool keep_last = node.attrs.ints[kScanKeepLast] != 0;
    std::size_t pos = 1;
    std::vector<Array> seq, init(static_cast<std::size_t>(S));
    std::vector<bool> has_init(static_cast<std::size_t>(S), false);
    for (int i = 0; i < b.n_seqs(); ++i) seq.push_back(in[pos++]);
    for (int k = 0; k < S; ++k)
        if (!b.state_taps[static_cast<std::size_t>(k)].empty()) {
            init[static_cast<std::size_t>(k)] = in[pos++];
            has_init[static_cast<std::size_t>(k)] = true;
        }
    std::vector<Array> nonseq(in.begin() + static_cast<std::ptrdiff_t>(pos), in.end());

    std::int64_t n = static_cast<std::int64_t>(in[0].item_double());
    const bool given = !(node.inputs[0]->op == OpKind::Constant && n < 0);
    TJ_CHECK(!given || n >= 0, ValueError) << b.name << ": n_steps must be non-negative, got " << n;
    // Unspecified: the shortest sequence's steps, or (an until loop) no bound.
    if (!given) n = std::numeric_limits<std::int64_t>::max();
    for (int i = 0; i < b.n_seqs(); ++i) {
        const auto& taps = b.seq_taps[static_cast<std::size_t>(i)];
        const auto [lo, hi] = std::minmax_element(taps.begin(), taps.end());
        const std::int64_t avail =
            std::max<std::int64_t>(seq[static_cast<std::size_t>(i)].shape()[0] - (*hi - *lo), 0);
        TJ_CHECK(!given || n <= avail, ValueError)
            << b.name << ": a sequence is too short for n_steps: it has rows for " << avail
            << " steps";
        if (!given) n = std::min(n, avail);
    }
    for (int k = 0; k < S; ++k) {
        const auto ku = static_cast<std::size_t>(k);
        if (!has_init[ku] || b.state_taps[ku] == std::vector<int>{-1}) continue;
        TJ_CHECK(init[ku].shape()[0] >= b.depth(k), ValueError)
            << b.name << ": the taps of an output need more initial values (rows) than its "
            << "initial value has (" << init[ku].shape()[0] << ")";
    }

    std::vector<Var> outputs;
    for (const auto& o : b.outputs) outputs.push_back(Var(o));
    std::vector<std::vector<Array>> values(static_cast<std::size_t>(S));
    // State k's value at step i (< 0: its initial rows).
    auto value_at = [&](int k, std::int64_t i) -> Array {
        const auto ku = static_cast<std::size_t>(k);
        if (i >= 0) return values[ku][static_cast<std::size_t>(i)];
        if (b.state_taps[ku] == std::vector<int>{-1}) return init[ku];
        return row_of(init[ku], b.depth(k) + i);
    };
    for (std::int64_t t = 0; t < n; ++t) {
        std::vector<std::pair<Var, Array>> bind;
        std::size_t p = 0;
        for (int i = 0; i < b.n_seqs(); ++i) {
            const auto& taps = b.seq_taps[static_cast<std::size_t>(i)];
            const int lo = *std::min_element(taps.begin(), taps.end());
            const Array& sq = seq[static_cast<std::size_t>(i)];
            for (int tap : taps) {
                std::int64_t r = t + tap - lo;
                if (b.go_backwards) r = sq.shape()[0] - 1 - r;
                bind.push_back({Var(b.inputs[p++]), row_of(sq, r)});
            }
        }
        for (int k = 0; k < S; ++k)
            for (int tap : b.state_taps[static_cast<std::size_t>(k)])
                bind.push_back({Var(b.inputs[p++]), value_at(k, t + tap)});
        for (const auto& v : nonseq) bind.push_back({Var(b.inputs[p++]), v});
        std::vector<Array> out = eval(outputs, bind);
        for (int k = 0; k < S; ++k) {
            const auto ku = static_cast<std::size_t>(k);
            Array v = out[ku].astype(b.outputs[ku]->type.dtype);
            if (!values[ku].empty() || has_init[ku]) {
                const Dims want =
                    values[ku].empty() ? value_at(k, -1).shape() : values[ku][0].shape();
                TJ_CHECK(v.shape() == want, ValueError)
                    << b.name << ": the step returned a value whose shape differs from its "
                    << "state's (at step " << t << ")";
            }
            values[ku].push_back(v);
        }
        if (b.has_until && out.back().item_double() != 0) break;
    }
    const auto ku = static_cast<std::size_t>(k_res);
    const TensorType& t = node.type;
    if (keep_last) {
        if (!values[ku].empty()) return values[ku].back().astype(t.dtype);
        TJ_CHECK(k_res >= b.n_visible && has_init[ku], ValueError)
            << "index -1 is out of bounds for axis 0 with size 0 (the last step of a scan that ran "
               "no steps)";
        return init[ku].astype(t.dtype);
    }
    Dims shape{static_cast<std::int64_t>(values[ku].size())};
    if (!values[ku].empty())
        for (auto e : values[ku][0].shape()) shape.push_back(e);
    else if (!b.state_taps[ku].empty())
        for (auto e : value_at(k_res, -1).shape()) shape.push_back(e);
    else
        for (int d = 1; d < t.ndim(); ++d) shape.push_back(t.shape[d] == dyn ? 0 : t.shape[d]);
    Array r = Array::empty(t.dtype, shape);
    for (std::size_t i = 0; i < values[ku].size(); ++i)
        row_of(r, static_cast<std::int64_t>(i)).copy_from(values[ku][i]);
    return r;
}

TJ_REGISTER_OP(OpDef{
    .kind = OpKind::Scan,
    .type_rule = scan_type,
    .reference = scan_reference,
});

std::string taps_text(const std::vector<int>& taps) {
    std::string s = "{";
    for (std::size_t i = 0; i < taps.size(); ++i) s += (i ? ", " : "") + std::to_string(taps[i]);
    return s + "}";
}

std::string tap_name(const std::string& base, int tap) {
    if (tap == 0) return base + "[t]";
    return base + "[t" + (tap > 0 ? "+" : "") + std::to_string(tap) + "]";
}

// A row of type t (axis 0 dropped).
TensorType row_type(const TensorType& t) {
    Dims shape;
    for (int d = 1; d < t.ndim(); ++d) shape.push_back(t.shape[d]);
    return TensorType{t.dtype, shape};
}

} // namespace

const Var& ScanResult::output() const {
    TJ_CHECK(outputs.size() == 1, ValueError)
        << "scan: the result has " << outputs.size()
        << " outputs; index it (result[k] or result.outputs[k]) to pick one";
    return outputs[0];
}

ScanResult scan(const ScanFn& fn, const ScanOptions& options) {
    const std::string name = options.name.empty() ? "scan" : options.name;
    TJ_CHECK(fn != nullptr, ValueError) << name << ": the step function is empty";
    auto body = std::make_shared<ScanBody>();
    body->name = name;
    body->go_backwards = options.go_backwards;
    std::vector<Var> args;
    std::vector<NodePtr> outer; // outer inputs after n_steps, in order

    // Sequences: a placeholder per tap, of the row type.
    for (std::size_t i = 0; i < options.sequences.size(); ++i) {
        const ScanSequence& sq = options.sequences[i];
        TJ_CHECK(sq.input.defined(), ValueError)
            << name << ": sequence " << i + 1 << " is an undefined variable";
        TJ_CHECK(sq.input.ndim() >= 1, TypeError)
            << name << ": sequence " << i + 1
            << " must have at least one axis to iterate over, got " << sq.input.type().str();
        TJ_CHECK(!sq.taps.empty(), ValueError) << name << ": sequence " << i + 1 << " has no taps";
        TJ_CHECK(std::set<int>(sq.taps.begin(), sq.taps.end()).size() == sq.taps.size(), ValueError)
            << name << ": sequence " << i + 1 << " repeats a tap in " << taps_text(sq.taps);
        const std::string base =
            sq.input.name().empty() ? "seq" + std::to_string(i + 1) : sq.input.name();
        for (int tap : sq.taps) {
            NodePtr p = make_input(tap_name(base, tap), row_type(sq.input.type()));
            body->inputs.push_back(p);
            args.push_back(Var(p));
        }
        body->seq_taps.push_back(sq.taps);
        outer.push_back(sq.input.node());
    }

    // Recurrent states: a placeholder per tap, of the state's type.
    std::vector<TensorType> state_type;
    std::vector<NodePtr> initial;
    for (std::size_t k = 0; k < options.outputs_info.size(); ++k) {
        const ScanOutputInfo& info = options.outputs_info[k];
        if (!info.recurrent()) {
            TJ_CHECK(info.taps.empty(), ValueError)
                << name << ": outputs_info " << k + 1 << " has taps " << taps_text(info.taps)
                << " but no initial value";
            body->state_taps.push_back({});
            state_type.push_back({});
            initial.push_back(nullptr);
            continue;
        }
        TJ_CHECK(!info.taps.empty(), ValueError)
            << name << ": outputs_info " << k + 1 << " has an initial value but no taps";
        for (int tap : info.taps)
            TJ_CHECK(tap < 0, ValueError)
                << name << ": outputs_info " << k + 1 << ": taps of a recurrent output must be "
                << "negative (steps back), got " << taps_text(info.taps);
        TJ_CHECK(std::set<int>(info.taps.begin(), info.taps.end()).size() == info.taps.size(),
                 ValueError)
            << name << ": outputs_info " << k + 1 << " repeats a tap in " << taps_text(info.taps);
        const int depth = -*std::min_element(info.taps.begin(), info.taps.end());
        const bool single = info.taps == std::vector<int>{-1};
        TensorType t = info.initial.type();
        if (!single) {
            // One row per step back: init[0] is the oldest.
            TJ_CHECK(t.ndim() >= 1, ValueError)
                << name << ": outputs_info " << k + 1 << ": taps " << taps_text(info.taps)
                << " need an initial value with one row per step back (" << depth
                << " rows), got a scalar " << t.str();
            TJ_CHECK(t.shape[0] == dyn || t.shape[0] >= depth, ValueError)
                << name << ": outputs_info " << k + 1 << ": taps " << taps_text(info.taps)
                << " need " << depth << " initial values (rows), the initial value " << t.str()
                << " has " << t.shape[0];
            t = row_type(t);
        }
        const std::string base =
            info.initial.name().empty() ? "out" + std::to_string(k + 1) : info.initial.name();
        for (int tap : info.taps) {
            NodePtr p = make_input(tap_name(base, tap), t);
            body->inputs.push_back(p);
            args.push_back(Var(p));
        }
        body->state_taps.push_back(info.taps);
        state_type.push_back(t);
        initial.push_back(info.initial.node());
    }
    body->n_visible = static_cast<int>(options.outputs_info.size());

    // Non-sequences are passed as they are: like every outer value the step reads, they become
    // loop-invariant inputs below.
    for (std::size_t i = 0; i < options.non_sequences.size(); ++i) {
        TJ_CHECK(options.non_sequences[i].defined(), ValueError)
            << name << ": non-sequence " << i + 1 << " is an undefined variable";
        args.push_back(options.non_sequences[i]);
    }

    ScanStep step = fn(args);
    TJ_CHECK(step.outputs.size() == options.outputs_info.size(), TypeError)
        << name << ": the step function returned " << step.outputs.size() << " output"
        << (step.outputs.size() == 1 ? "" : "s") << ", but outputs_info has "
        << options.outputs_info.size() << " entr"
        << (options.outputs_info.size() == 1 ? "y" : "ies")
        << " (one per output: tj::none for an output that is not fed back)";
    for (std::size_t k = 0; k < step.outputs.size(); ++k) {
        Var& o = step.outputs[k];
        TJ_CHECK(o.defined(), TypeError)
            << name << ": output " << k + 1 << " of the step function is an undefined variable";
        if (!body->state_taps[k].empty()) {
            const TensorType& st = state_type[k];
            if (o.node()->weak && o.dtype() != st.dtype) o = Var(cast_to(o.node(), st.dtype));
            TJ_CHECK(o.dtype() == st.dtype && o.ndim() == st.ndim(), TypeError)
                << name << ": output " << k + 1 << " of the step function has type "
                << o.type().str() << " (" << describe(*o.node())
                << "), but its state (outputs_info " << k + 1 << ") has type " << st.str()
                << (o.dtype() != st.dtype ? ": cast one of them (tj::cast)" : "");
            for (int d = 0; d < st.ndim(); ++d)
                TJ_CHECK(o.type().shape[d] == dyn || st.shape[d] == dyn ||
                             o.type().shape[d] == st.shape[d],
                         TypeError)
                    << name << ": output " << k + 1 << " of the step function has type "
                    << o.type().str() << ", but its state (outputs_info " << k + 1 << ") has type "
                    << st.str();
        }
    }
    Var until = step.until;
    if (options.until) {
        TJ_CHECK(!until.defined(), ValueError)
            << name << ": the step function returned tj::until and ScanOptions::until is set too";
        until = options.until(step.outputs);
        TJ_CHECK(until.defined(), ValueError) << name << ": ScanOptions::until returned nothing";
    }
    if (until.defined()) {
        TJ_CHECK(until.ndim() == 0, TypeError)
            << name << ": the until condition must be a scalar, got " << until.type().str();
        if (until.dtype() != DType::Bool) until = Var(cast_to(until.node(), DType::Bool));
        body->has_until = true;
    }
    TJ_CHECK(options.n_steps.defined() || !options.sequences.empty() || body->has_until, ValueError)
        << name << ": n_steps is required when there are no sequences (and no until condition)";

    // Shared variables carried through the loop: the ones the step updates, then random
    // generators it draws from (their default update, once per step).
    std::vector<std::pair<NodePtr, NodePtr>> updated; // (Shared node, inner new value)
    std::unordered_set<const SharedStorage*> stateful;
    for (std::size_t i = 0; i < step.updates.size(); ++i) {
        const auto& [var, value] = step.updates[i];
        TJ_CHECK(var.defined() && var.node()->op == OpKind::Shared, ValueError)
            << name << ": update " << i + 1 << " of the step function is not a shared variable";
        TJ_CHECK(value.defined(), ValueError)
            << name << ": update " << i + 1 << " has an undefined value";
        TJ_CHECK(stateful.insert(var.node()->storage.get()).second, ValueError)
            << name << ": shared variable " << var.node()->storage->name << " is updated twice";
        const TensorType& vt = var.node()->storage->type;
        NodePtr v = value.node();
        if (v->weak && v->type.dtype != vt.dtype) v = cast_to(v, vt.dtype);
        TJ_CHECK(v->type.dtype == vt.dtype && v->type.ndim() == vt.ndim(), TypeError)
            << name << ": the update of shared variable " << var.node()->storage->name << " ("
            << vt.str() << ") has type " << v->type.str();
        updated.push_back({var.node(), v});
    }
    std::vector<NodePtr> roots;
    for (const auto& o : step.outputs) roots.push_back(o.node());
    if (until.defined()) roots.push_back(until.node());
    for (const auto& [var, v] : updated) roots.push_back(v);
    std::vector<const Node*> order = topo_order(roots);
    const auto owner = owners(roots);
    std::vector<NodePtr> generators;
    for (const Node* n : order)
        if (n->op == OpKind::Shared && n->storage->default_update &&
            stateful.insert(n->storage.get()).second)
            generators.push_back(owner.at(n));

    // Every Shared node of a carried variable reads the state's placeholder.
    std::unordered_map<const Node*, NodePtr> replace;
    std::vector<NodePtr> hidden_initial, hidden_placeholder;
    auto carry = [&](const NodePtr& shared_node) {
        NodePtr p = make_input(shared_node->storage->name + "[t-1]", shared_node->type);
        hidden_initial.push_back(shared_node);
        hidden_placeholder.push_back(p);
        for (const Node* n : order)
            if (n->op == OpKind::Shared && n->storage == shared_node->storage) replace[n] = p;
        return p;
    };
    for (const auto& [var, v] : updated) carry(var);
    for (const auto& g : generators) carry(g);

    // Outer values the step reads (anything that depends on no placeholder and is not a
    // constant) become loop-invariant inputs: computed once, before the loop.
    std::unordered_set<const Node*> placeholder(replace.size() + body->inputs.size());
    for (const auto& p : body->inputs) placeholder.insert(p.get());
    std::unordered_set<const Node*> dependent;
    for (const Node* n : order) {
        bool dep = placeholder.count(n) || replace.count(n);
        for (const auto& in : n->inputs) dep = dep || dependent.count(in.get());
        if (dep) dependent.insert(n);
    }
    std::vector<NodePtr> captured_outer, captured_placeholder;
    auto capture = [&](const Node* n) {
        if (dependent.count(n) || n->op == OpKind::Constant || replace.count(n)) return;
        const NodePtr& o = owner.at(n);
        NodePtr p = make_input(n->name.empty() ? "captured" + std::to_string(captured_outer.size())
                                               : n->name,
                               n->type);
        replace[n] = p;
        captured_outer.push_back(o);
        captured_placeholder.push_back(p);
    };
    for (const Node* n : order)
        if (dependent.count(n))
            for (const auto& in : n->inputs) capture(in.get());
    for (const auto& r : roots) capture(r.get());

    std::vector<NodePtr> inner = replace_nodes(roots, replace);
    std::size_t next = 0;
    for (std::size_t k = 0; k < step.outputs.size(); ++k) body->outputs.push_back(inner[next++]);
    NodePtr inner_until = until.defined() ? inner[next++] : nullptr;
    std::vector<NodePtr> hidden_values;
    for (std::size_t i = 0; i < updated.size(); ++i) hidden_values.push_back(inner[next++]);
    for (std::size_t i = 0; i < generators.size(); ++i) {
        // The generator's next state after this step's draw, over the placeholder (the merge
        // rewrite makes it the draw the step already made).
        const NodePtr& g = generators[i];
        // Drawn from inside a scan of the step (a nested loop): that loop's last state.
        NodePtr next_state = scan_carried_update(order, g->storage.get());
        if (!next_state) next_state = g->storage->default_update(g);
        hidden_values.push_back(replace_nodes(std::vector<NodePtr>{next_state}, replace)[0]);
    }
    // Hidden states: tap -1, after the visible ones.
    for (std::size_t h = 0; h < hidden_values.size(); ++h) {
        body->state_taps.push_back({-1});
        body->outputs.push_back(hidden_values[h]);
    }
    if (inner_until) body->outputs.push_back(inner_until);

    // Placeholders: sequences, visible states, hidden states, non-sequences (captured).
    std::vector<NodePtr> inputs = body->inputs;
    inputs.insert(inputs.end(), hidden_placeholder.begin(), hidden_placeholder.end());
    inputs.insert(inputs.end(), captured_placeholder.begin(), captured_placeholder.end());
    body->inputs = std::move(inputs);
    body->n_nonseq = static_cast<int>(captured_placeholder.size());
    body->seal();

    // The Scan nodes' inputs: n_steps, sequences, initial values, non-sequences.
    NodePtr n_steps;
    if (options.n_steps.defined()) {
        TJ_CHECK(options.n_steps.ndim() == 0 &&
                     (is_integer(options.n_steps.dtype()) || is_bool(options.n_steps.dtype())),
                 TypeError)
            << name << ": n_steps must be an integer scalar, got " << options.n_steps.type().str();
        n_steps = cast_to(options.n_steps.node(), DType::Int64);
        if (n_steps->op == OpKind::Constant)
            TJ_CHECK(n_steps->value->item_double() >= 0, ValueError)
                << name << ": n_steps must be non-negative, got "
                << static_cast<std::int64_t>(n_steps->value->item_double());
    } else {
        n_steps = make_constant(Array(std::int64_t{-1}));
    }
    std::vector<NodePtr> scan_inputs{n_steps};
    scan_inputs.insert(scan_inputs.end(), outer.begin(), outer.end());
    for (const auto& i : initial)
        if (i) scan_inputs.push_back(i);
    scan_inputs.insert(scan_inputs.end(), hidden_initial.begin(), hidden_initial.end());
    scan_inputs.insert(scan_inputs.end(), captured_outer.begin(), captured_outer.end());

    std::shared_ptr<const ScanBody> sealed = body;
    ScanResult result;
    for (int k = 0; k < body->n_visible; ++k) {
        const NodePtr& o = body->outputs[static_cast<std::size_t>(k)];
        result.outputs.push_back(
            Var(make_node(OpKind::Scan, scan_inputs, Attrs{{k, 0}, o->type.dtype, sealed})));
    }
    for (std::size_t h = 0; h < hidden_initial.size(); ++h) {
        const int k = body->n_visible + static_cast<int>(h);
        const NodePtr& o = body->outputs[static_cast<std::size_t>(k)];
        result.updates.push_back(
            {Var(hidden_initial[h]),
             Var(make_node(OpKind::Scan, scan_inputs, Attrs{{k, 1}, o->type.dtype, sealed}))});
    }
    return result;
}

} // namespace tensorjit

namespace tensorjit {

NodePtr scan_carried_update(std::span<const Node* const> nodes, const SharedStorage* storage) {
    for (const Node* n : nodes) {
        if (n->op != OpKind::Scan) continue;
        const ScanBody& b = *n->attrs.body;
        // The initial values of the fed-back states follow n_steps and the sequences.
        std::size_t pos = 1 + static_cast<std::size_t>(b.n_seqs());
        for (int k = 0; k < b.n_states(); ++k) {
            if (b.state_taps[static_cast<std::size_t>(k)].empty()) continue;
            const Node& init = *n->inputs[pos++];
            if (k < b.n_visible || init.op != OpKind::Shared || init.storage.get() != storage)
                continue;
            const NodePtr& o = b.outputs[static_cast<std::size_t>(k)];
            return make_node(OpKind::Scan, n->inputs, Attrs{{k, 1}, o->type.dtype, n->attrs.body});
        }
    }
    return nullptr;
}

} // namespace tensorjit
