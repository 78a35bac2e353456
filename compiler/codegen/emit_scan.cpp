/// emit_scan: lowers a scan to a loop inside the kernel. The body is scheduled as a graph of its
/// own (rewrites, fusion, in place, storage plan: compiler/codegen/pipeline.hpp) and written
/// inline in the loop; its slots and node ids are appended to the kernel's plan (temporaries,
/// so its buffers are allocated at the first step and reused by every later step and call).
///
/// Per step the loop points the body's placeholders at the rows it reads (sequence rows, the
/// states' earlier rows or their initial values), runs the body, and copies each state's new
/// value into its row: the stacked result itself (rows 0..n-1), or when only the last value is
/// used, a ring of depth + 1 rows; an until loop grows its stacked rows geometrically and copies
/// them into the result once it knows the number of steps. Nothing is allocated per step.
#include "compiler/codegen/passes.hpp"
#include "compiler/codegen/pipeline.hpp"

#include "compiler/graph/scan_body.hpp"

#include <algorithm>
#include <unordered_set>

namespace tensorjit::codegen {

namespace {

std::string str(long long v) { return std::to_string(v); }

// Text for a /* */ comment of the kernel: user-given names (the scan's, its placeholders') end
// neither the comment nor the line.
std::string comment_safe(std::string text) {
    for (char& c : text)
        if (c == '\n' || c == '\r' || static_cast<unsigned char>(c) < 0x20) c = ' ';
    for (std::size_t i = text.find("*/"); i != std::string::npos; i = text.find("*/", i))
        text.replace(i, 2, "* /");
    return text;
}

// How a state keeps its rows.
enum class Rows {
    Direct, // in the stacked result (allocated once the row shape is known)
    Grow,   // in two temporaries used in turn, doubling (an until loop's stacked result)
    Ring,   // in a temporary of depth + 1 rows (only the last value is used)
};

} // namespace

void emit_scan(KernelEmitter& e, Schedule& s, const Node& n) {
    const std::vector<const Node*> group = scan_group(s, &n);
    if (group.front() != &n) return; // written at the first of the group's steps
    TJ_INTERNAL_CHECK(e.root_plan) << "scan: the emitter has no plan to add the body to";
    const ScanBody& b = *n.attrs.body;
    BindingPlan& plan = *e.root_plan;
    const std::string P = "sc" + str(e.id(&n)) + "_";
    const int S = b.n_states();

    // ---- the body, scheduled as a function graph over its placeholders
    std::unordered_map<const Node*, std::string> leaf_label;
    for (const auto& p : b.inputs) leaf_label[p.get()] = comment_safe(p->name);
    const std::function<std::string(const Node&)> name_leaf = [&](const Node& l) {
        auto it = leaf_label.find(&l);
        return it != leaf_label.end() ? it->second : std::string("?");
    };
    LeafNamingScope naming(&name_leaf);
    // Outer values by position: n_steps, sequences, initial values of fed-back states,
    // non-sequences.
    std::size_t pos = 1;
    std::vector<const Node*> seq, init(static_cast<std::size_t>(S), nullptr), nonseq;
    for (int i = 0; i < b.n_seqs(); ++i) seq.push_back(n.inputs[pos++].get());
    for (int k = 0; k < S; ++k)
        if (!b.state_taps[static_cast<std::size_t>(k)].empty())
            init[static_cast<std::size_t>(k)] = n.inputs[pos++].get();
    for (; pos < n.inputs.size(); ++pos) nonseq.push_back(n.inputs[pos].get());

    FunctionGraph g;
    g.inputs = b.inputs;
    g.outputs = b.outputs;
    g.rewrites = s.graph.rewrites;
    g.name = b.name;
    // A placeholder is strided unless what it points at is C-contiguous: rows of a contiguous
    // sequence or initial value, the state's own rows, contiguous non-sequences.
    auto strided = [&](std::size_t leaf, bool contiguous) {
        if (!contiguous) g.strided_leaves |= std::uint64_t{1} << std::min<std::size_t>(leaf, 63);
    };
    std::size_t leaf = 0;
    for (int i = 0; i < b.n_seqs(); ++i)
        for (std::size_t t = 0; t < b.seq_taps[static_cast<std::size_t>(i)].size(); ++t)
            strided(leaf++, e.contiguous(seq[static_cast<std::size_t>(i)]));
    for (int k = 0; k < S; ++k)
        for (std::size_t t = 0; t < b.state_taps[static_cast<std::size_t>(k)].size(); ++t)
            strided(leaf++, e.contiguous(init[static_cast<std::size_t>(k)]));
    for (const Node* v : nonseq) strided(leaf++, e.contiguous(v));

    Schedule body = schedule_graph(g);
    const int slot_base = static_cast<int>(plan.slots.size());
    const int id_base = static_cast<int>(plan.node_names.size());
    for (SlotPlan sp : body.plan.slots) {
        sp.kind = SlotPlan::Kind::Temp;
        sp.index = 0;
        plan.slots.push_back(sp);
    }
    for (const auto& name : body.plan.node_names) plan.node_names.push_back(b.name + ": " + name);
    const int slot_end = static_cast<int>(plan.slots.size());
    KernelEmitter be(body, slot_base, id_base, P);
    be.root_plan = &plan;
    std::string parts;
    emit_steps(be, body, {.outline = false, .profile = false, .parts = &parts});
    e.add_statics(be.statics());
    for (const auto& t : be.templates()) e.require_template(t.c_str());
    e.require_template("reduce.hpp");
    const std::vector<NodePtr>& outs = body.graph.outputs; // rewritten, in order

    // ---- the states' rows
    auto add_temp = [&](DType dtype, int ndim) {
        plan.slots.push_back({SlotPlan::Kind::Temp, 0, dtype, ndim});
        return static_cast<int>(plan.slots.size()) - 1;
    };
    std::vector<int> stacked(static_cast<std::size_t>(S), -1);
    std::vector<int> last(static_cast<std::size_t>(S), -1);
    // Equal nodes (without the merge rewrite) get a copy of the first one's value.
    std::vector<std::pair<const Node*, int>> copies; // (node, slot of the equal one)
    for (const Node* m : group) {
        const int k = static_cast<int>(m->attrs.ints[kScanResult]);
        int& slot = (m->attrs.ints[kScanKeepLast] ? last : stacked)[static_cast<std::size_t>(k)];
        if (slot >= 0 && slot != e.slot(m))
            copies.push_back({m, slot});
        else
            slot = e.slot(m);
    }
    std::vector<Rows> rows(static_cast<std::size_t>(S));
    std::vector<int> temp_a(static_cast<std::size_t>(S), -1),
        temp_b(static_cast<std::size_t>(S), -1);
    std::vector<int> ndim(static_cast<std::size_t>(S)), ring(static_cast<std::size_t>(S));
    std::vector<std::string> ct(static_cast<std::size_t>(S));
    std::vector<TensorType> type(static_cast<std::size_t>(S));
    for (int k = 0; k < S; ++k) {
        const auto ku = static_cast<std::size_t>(k);
        type[ku] = b.state_taps[ku].empty()
                       ? b.outputs[ku]->type
                       : b.inputs[static_cast<std::size_t>(b.state_input(k))]->type;
        ndim[ku] = type[ku].ndim();
        ct[ku] = EmitContext::ctype(type[ku].dtype);
        ring[ku] = b.depth(k) + 1;
        if (stacked[ku] >= 0) {
            rows[ku] = b.has_until ? Rows::Grow : Rows::Direct;
        } else {
            rows[ku] = Rows::Ring;
        }
        if (rows[ku] != Rows::Direct) temp_a[ku] = add_temp(type[ku].dtype, ndim[ku] + 1);
        if (rows[ku] == Rows::Grow) temp_b[ku] = add_temp(type[ku].dtype, ndim[ku] + 1);
    }

    auto& os = e.out();
    const int id = e.id(&n);
    os << "  { /* " << comment_safe(b.name) << ": " << comment_safe(describe(n)) << " */\n";
    // ---- the number of steps
    const Node* n_steps = n.inputs[0].get();
    const bool given = !(n_steps->op == OpKind::Constant && n_steps->value->item_double() < 0);
    os << "    long long " << P << "n = 0x7fffffffffffffffLL;\n";
    if (given) {
        os << "    " << P << "n = *(const long long*)" << e.arr(n_steps) << "->data;\n";
        os << "    if (" << P << "n < 0) return tj_rt_value_error(f, " << id
           << ", TJ_E_SCAN_N_STEPS, " << P << "n);\n";
    }
    for (int i = 0; i < b.n_seqs(); ++i) {
        const auto& taps = b.seq_taps[static_cast<std::size_t>(i)];
        const auto [lo, hi] = std::minmax_element(taps.begin(), taps.end());
        const std::string q = P + "q" + str(i);
        os << "    const tj_arr* " << q << " = " << e.arr(seq[static_cast<std::size_t>(i)])
           << ";\n";
        os << "    long long " << q << "_avail = " << q << "->shape[0] - " << str(*hi - *lo)
           << ";\n";
        os << "    if (" << q << "_avail < 0) " << q << "_avail = 0;\n";
        if (given)
            os << "    if (" << P << "n > " << q << "_avail) return tj_rt_value_error(f, " << id
               << ", TJ_E_SCAN_SEQ_SHORT, " << q << "_avail);\n";
        else
            os << "    if (" << q << "_avail < " << P << "n) " << P << "n = " << q << "_avail;\n";
    }
    for (int k = 0; k < S; ++k) {
        const auto ku = static_cast<std::size_t>(k);
        if (!init[ku]) continue;
        os << "    const tj_arr* " << P << "i" << k << " = " << e.arr(init[ku]) << ";\n";
        if (b.state_taps[ku] != std::vector<int>{-1})
            os << "    if (" << P << "i" << k << "->shape[0] < " << b.depth(k)
               << ") return tj_rt_value_error(f, " << id << ", TJ_E_SCAN_INIT_ROWS, " << P << "i"
               << k << "->shape[0]);\n";
    }
    // ---- loop-invariant placeholders
    const std::size_t first_nonseq = static_cast<std::size_t>(b.nonseq_input());
    for (std::size_t j = 0; j < nonseq.size(); ++j) {
        const Node* p = b.inputs[first_nonseq + j].get();
        if (!body.slot.count(p)) continue; // unused by the rewritten body
        os << "    f->slots[" << be.slot(p) << "] = *" << e.arr(nonseq[j]) << ";\n";
    }
    // ---- the states' row shapes and storage
    for (int k = 0; k < S; ++k) {
        const auto ku = static_cast<std::size_t>(k);
        const std::string K = P + "s" + str(k);
        os << "    " << ct[ku] << "* " << K << " = 0;\n";
        os << "    long long " << K << "_cap = 0, " << K << "_row = 1, " << K
           << "_rs[TJ_MAX_NDIM + 1], " << K << "_cs[TJ_MAX_NDIM + 1];\n";
        os << "    int " << K << "_which = 0;\n";
        os << "    (void)" << K << "_which; (void)" << K << "_cap;\n";
        // Row shape: from the initial value, else the static shape (replaced by the first
        // step's once it ran).
        for (int d = 0; d < ndim[ku]; ++d) {
            std::string extent;
            if (init[ku])
                extent = P + "i" + str(k) + "->shape[" +
                         str(b.state_taps[ku] == std::vector<int>{-1} ? d : d + 1) + "]";
            else
                extent = str(type[ku].shape[d] == dyn ? 0 : type[ku].shape[d]);
            os << "    " << K << "_rs[" << d << "] = " << extent << ";\n";
        }
    }
    // Allocates every state's rows once the row shapes are known (after the first step, or
    // after the loop when it ran none).
    os << "    int " << P << "ready = 0;\n";
    os << "    auto " << P << "alloc = [&]() -> int {\n";
    for (int k = 0; k < S; ++k) {
        const auto ku = static_cast<std::size_t>(k);
        const std::string K = P + "s" + str(k);
        os << "      " << K << "_row = 1;\n";
        os << "      for (int d = " << ndim[ku] - 1 << "; d >= 0; --d) { " << K << "_cs[d] = " << K
           << "_row; " << K << "_row *= " << K << "_rs[d]; }\n";
        os << "      { long long sh[TJ_MAX_NDIM + 1];\n";
        os << "        for (int d = 0; d < " << ndim[ku] << "; ++d) sh[d + 1] = " << K
           << "_rs[d];\n";
        switch (rows[ku]) {
        case Rows::Direct:
            os << "        sh[0] = " << P << "n;\n";
            os << "        " << K << " = (" << ct[ku] << "*)tj_rt_alloc(f, " << stacked[ku] << ", "
               << ndim[ku] + 1 << ", sh);\n";
            break;
        case Rows::Grow:
            os << "        " << K << "_cap = " << P << "n < 16 ? (" << P << "n < 1 ? 1 : " << P
               << "n) : 16;\n";
            os << "        sh[0] = " << K << "_cap;\n";
            os << "        " << K << " = (" << ct[ku] << "*)tj_rt_alloc(f, " << temp_a[ku] << ", "
               << ndim[ku] + 1 << ", sh);\n";
            break;
        case Rows::Ring:
            os << "        sh[0] = " << ring[ku] << ";\n";
            os << "        " << K << " = (" << ct[ku] << "*)tj_rt_alloc(f, " << temp_a[ku] << ", "
               << ndim[ku] + 1 << ", sh);\n";
            break;
        }
        os << "        if (!" << K << ") return 1; }\n";
    }
    os << "      " << P << "ready = 1;\n      return 0;\n    };\n";

    // Row i (>= 0) of state k.
    auto row = [&](int k, const std::string& i) {
        const std::string K = P + "s" + str(k);
        if (rows[static_cast<std::size_t>(k)] == Rows::Ring)
            return "(" + K + " + ((" + i + ") % " + str(ring[static_cast<std::size_t>(k)]) +
                   ") * " + K + "_row)";
        return "(" + K + " + (" + i + ") * " + K + "_row)";
    };

    // ---- the loop
    os << "    void* " << P << "own[" << std::max(slot_end - slot_base, 1) << "] = {};\n";
    os << "    long long " << P << "t = 0;\n";
    os << "    for (; " << P << "t < " << P << "n; ++" << P << "t) {\n";
    os << "      const long long t = " << P << "t;\n";
    // Sequence taps.
    std::size_t in = 0;
    for (int i = 0; i < b.n_seqs(); ++i) {
        const auto& taps = b.seq_taps[static_cast<std::size_t>(i)];
        const int lo = *std::min_element(taps.begin(), taps.end());
        const std::string q = P + "q" + str(i);
        const std::string T = EmitContext::ctype(seq[static_cast<std::size_t>(i)]->type.dtype);
        const int r = seq[static_cast<std::size_t>(i)]->type.ndim() - 1;
        for (int tap : taps) {
            const Node* p = b.inputs[in++].get();
            if (!body.slot.count(p)) continue;
            const std::string at = "t + " + str(tap - lo);
            const std::string idx =
                b.go_backwards ? "(" + q + "->shape[0] - 1 - (" + at + "))" : "(" + at + ")";
            const std::string sl = "f->slots[" + str(be.slot(p)) + "]";
            os << "      " << sl << ".data = (void*)((" << T << "*)" << q << "->data + " << idx
               << " * " << q << "->strides[0]);\n";
            if (r > 0)
                os << "      for (int d = 0; d < " << r << "; ++d) { " << sl << ".shape[d] = " << q
                   << "->shape[d + 1]; " << sl << ".strides[d] = " << q << "->strides[d + 1]; }\n";
        }
    }
    // State taps: an earlier row, or a row of the initial value.
    for (int k = 0; k < S; ++k) {
        const auto ku = static_cast<std::size_t>(k);
        const std::string K = P + "s" + str(k);
        const bool single = b.state_taps[ku] == std::vector<int>{-1};
        for (int tap : b.state_taps[ku]) {
            const Node* p = b.inputs[in++].get();
            if (!body.slot.count(p)) continue;
            const std::string sl = "f->slots[" + str(be.slot(p)) + "]";
            const std::string I = P + "i" + str(k);
            os << "      if (t + (" << tap << ") >= 0) {\n";
            os << "        " << sl << ".data = (void*)" << row(k, "t + (" + str(tap) + ")")
               << ";\n";
            os << "        for (int d = 0; d < " << ndim[ku] << "; ++d) { " << sl
               << ".shape[d] = " << K << "_rs[d]; " << sl << ".strides[d] = " << K << "_cs[d]; }\n";
            os << "      } else {\n";
            if (single) {
                os << "        " << sl << " = *" << I << ";\n";
            } else {
                os << "        " << sl << ".data = (void*)((const " << ct[ku] << "*)" << I
                   << "->data + (" << b.depth(k) << " + t + (" << tap << ")) * " << I
                   << "->strides[0]);\n";
                os << "        for (int d = 0; d < " << ndim[ku] << "; ++d) { " << sl
                   << ".shape[d] = " << I << "->shape[d + 1]; " << sl << ".strides[d] = " << I
                   << "->strides[d + 1]; }\n";
            }
            os << "      }\n";
        }
    }
    // Once the rows exist, a state's new value is computed straight into its row: its slot
    // points there, and the body's allocation of that shape returns it (no copy after the step).
    // Not in a growing until loop (its rows move), nor for a value the body does not compute
    // (a placeholder or a constant) or computes for two states.
    std::vector<bool> in_row(static_cast<std::size_t>(S), false);
    {
        std::unordered_set<const Node*> seen;
        for (int k = 0; k < S; ++k) {
            const auto ku = static_cast<std::size_t>(k);
            const Node* o = outs[ku].get();
            if (rows[ku] == Rows::Grow || o->is_leaf() || !body.slot.count(o) ||
                body.plan.slots[static_cast<std::size_t>(body.slot.at(o))].kind !=
                    SlotPlan::Kind::Output ||
                !seen.insert(o).second)
                continue;
            in_row[ku] = true;
        }
        for (int k = 0; k < S; ++k)
            if (in_row[static_cast<std::size_t>(k)] &&
                std::count(outs.begin(), outs.end(), outs[static_cast<std::size_t>(k)]) > 1)
                in_row[static_cast<std::size_t>(k)] = false;
    }
    os << "      if (" << P << "ready) {\n";
    for (int k = 0; k < S; ++k) {
        const auto ku = static_cast<std::size_t>(k);
        if (!in_row[ku]) continue;
        const std::string K = P + "s" + str(k);
        const int sl = be.slot(outs[ku].get());
        const std::string slot = "f->slots[" + str(sl) + "]";
        os << "        " << slot << ".data = (void*)" << row(k, "t") << ";\n";
        os << "        for (int d = 0; d < " << ndim[ku] << "; ++d) { " << slot
           << ".shape[d] = " << K << "_rs[d]; " << slot << ".strides[d] = " << K << "_cs[d]; }\n";
        os << "        " << P << "own[" << sl - slot_base << "] = " << slot << ".data;\n";
    }
    os << "      }\n";
    // The body. Its temporaries keep their buffers from step to step: after the first step, an
    // allocation with the shape the slot's buffer already has returns that buffer without a call
    // to the host (two such calls per step were a tenth of a 32-unit tanh RNN's time). Only a
    // buffer the host gave this call counts: a slot may meanwhile hold a view of other memory
    // (a sequence's row, say), which must never be written. The lambda shadows tj_rt_alloc in
    // the body's code only.
    os << "      {\n      auto tj_rt_alloc = [&" << P << "own](tj_frame* f, int slot, int nd, "
       << "const long long* sh) -> void* {\n";
    os << "        if (slot < " << slot_base << " || slot >= " << slot_end
       << ") return ::tj_rt_alloc(f, slot, nd, sh);\n";
    os << "        void*& own = " << P << "own[slot - " << slot_base << "];\n";
    os << "        const tj_arr& s = f->slots[slot];\n";
    os << "        int d = 0;\n";
    os << "        if (own && s.data == own) while (d < nd && s.shape[d] == sh[d]) ++d;\n";
    os << "        if (own && s.data == own && d == nd) return own;\n";
    os << "        return own = ::tj_rt_alloc(f, slot, nd, sh);\n";
    os << "      };\n";
    os << be.out().str();
    os << "      }\n";
    // The first step gives the row shapes of the results that are not fed back.
    os << "      if (!" << P << "ready) {\n";
    for (int k = 0; k < S; ++k) {
        const auto ku = static_cast<std::size_t>(k);
        if (init[ku]) continue;
        const std::string src = be.arr(outs[ku].get());
        for (int d = 0; d < ndim[ku]; ++d)
            os << "        " << P << "s" << k << "_rs[" << d << "] = " << src << "->shape[" << d
               << "];\n";
    }
    os << "        if (" << P << "alloc()) return 1;\n      }\n";
    // Each state's new value into its row.
    for (int k = 0; k < S; ++k) {
        const auto ku = static_cast<std::size_t>(k);
        const std::string K = P + "s" + str(k);
        const std::string src = be.arr(outs[ku].get());
        os << "      {\n        const tj_arr* src = " << src << ";\n";
        for (int d = 0; d < ndim[ku]; ++d)
            os << "        if (src->shape[" << d << "] != " << K << "_rs[" << d
               << "]) return tj_rt_value_error(f, " << id << ", TJ_E_SCAN_STEP_SHAPE, t);\n";
        if (rows[ku] == Rows::Grow) {
            // Full: the other buffer, twice as large, takes the rows so far.
            os << "        if (t == " << K << "_cap) {\n";
            os << "          long long sh[TJ_MAX_NDIM + 1];\n";
            os << "          sh[0] = " << K << "_cap * 2;\n";
            os << "          for (int d = 0; d < " << ndim[ku] << "; ++d) sh[d + 1] = " << K
               << "_rs[d];\n";
            os << "          " << ct[ku] << "* grown = (" << ct[ku] << "*)tj_rt_alloc(f, " << K
               << "_which ? " << temp_a[ku] << " : " << temp_b[ku] << ", " << ndim[ku] + 1
               << ", sh);\n";
            os << "          if (!grown) return 1;\n";
            os << "          for (long long q = 0; q < t * " << K << "_row; ++q) grown[q] = " << K
               << "[q];\n";
            os << "          " << K << " = grown;\n          " << K << "_cap *= 2;\n          " << K
               << "_which ^= 1;\n        }\n";
        }
        if (in_row[ku]) os << "        if (src->data != (const void*)" << row(k, "t") << ")\n";
        if (ndim[ku] == 0)
            os << "        *" << row(k, "t") << " = *(const " << ct[ku] << "*)src->data;\n";
        else
            os << "        tj_copy_to_contiguous(src, " << ndim[ku] << ", " << row(k, "t")
               << ");\n";
        os << "      }\n";
    }
    if (b.has_until)
        os << "      if (*(const " << EmitContext::ctype(outs.back()->type.dtype) << "*)"
           << be.arr(outs.back().get()) << "->data) { ++" << P << "t; break; }\n";
    os << "    }\n";
    // ---- after the loop: the results
    os << "    " << P << "n = " << P << "t;\n";
    os << "    if (!" << P << "ready && " << P << "alloc()) return 1;\n";
    for (int k = 0; k < S; ++k) {
        const auto ku = static_cast<std::size_t>(k);
        const std::string K = P + "s" + str(k);
        if (rows[ku] == Rows::Grow) {
            os << "    {\n      long long sh[TJ_MAX_NDIM + 1];\n      sh[0] = " << P << "n;\n";
            os << "      for (int d = 0; d < " << ndim[ku] << "; ++d) sh[d + 1] = " << K
               << "_rs[d];\n";
            os << "      " << ct[ku] << "* o = (" << ct[ku] << "*)tj_rt_alloc(f, " << stacked[ku]
               << ", " << ndim[ku] + 1 << ", sh);\n";
            os << "      if (!o) return 1;\n";
            os << "      for (long long q = 0; q < " << P << "n * " << K
               << "_row; ++q) o[q] = " << K << "[q];\n    }\n";
        }
        if (last[ku] < 0) continue;
        os << "    {\n      " << ct[ku] << "* o = (" << ct[ku] << "*)tj_rt_alloc(f, " << last[ku]
           << ", " << ndim[ku] << ", " << K << "_rs);\n";
        os << "      if (!o) return 1;\n";
        os << "      if (" << P << "n > 0) {\n";
        os << "        const " << ct[ku] << "* r = " << row(k, P + "n - 1") << ";\n";
        os << "        for (long long q = 0; q < " << K << "_row; ++q) o[q] = r[q];\n";
        os << "      } else {\n";
        if (k >= b.n_visible && init[ku]) // a carried shared variable keeps its value
            os << (ndim[ku] == 0
                       ? "        *o = *(const " + ct[ku] + "*)" + P + "i" + str(k) + "->data;\n"
                       : "        tj_copy_to_contiguous(" + P + "i" + str(k) + ", " +
                             str(ndim[ku]) + ", o);\n");
        else
            os << "        return tj_rt_value_error(f, " << id << ", TJ_E_SCAN_EMPTY_LAST, 0);\n";
        os << "      }\n    }\n";
    }
    for (const auto& [m, from] : copies) {
        const std::string T = EmitContext::ctype(m->type.dtype);
        const int nd = m->type.ndim();
        os << "    {\n      const tj_arr* src = &f->slots[" << from << "];\n";
        os << "      " << T << "* o = (" << T << "*)tj_rt_alloc(f, " << e.slot(m) << ", " << nd
           << ", src->shape);\n      if (!o) return 1;\n";
        os << "      long long count = 1;\n      for (int d = 0; d < " << nd
           << "; ++d) count *= src->shape[d];\n";
        os << "      for (long long q = 0; q < count; ++q) o[q] = ((const " << T
           << "*)src->data)[q];\n    }\n";
    }
    os << "  }\n";
}

} // namespace tensorjit::codegen
