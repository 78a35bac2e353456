// The kernel emitter: schedule, fusion of element-wise chains, slots, and the C++ text.
#include "compiler/codegen/kernel_emitter.hpp"

#include "compiler/codegen/templates.hpp"
#include "compiler/ops/op_def.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <unordered_set>

namespace tensorjit::codegen {

// ---- KernelEmitter helpers --------------------------------------------------------------------

std::string KernelEmitter::fresh(const char* prefix) { return prefix + std::to_string(fresh_++); }

int KernelEmitter::slot(const Node* n) const {
    auto it = slot_.find(n);
    TJ_INTERNAL_CHECK(it != slot_.end()) << "codegen: node " << describe(*n) << " has no slot";
    return it->second;
}

int KernelEmitter::id(const Node* n) const {
    auto it = id_.find(n);
    TJ_INTERNAL_CHECK(it != id_.end()) << "codegen: node " << describe(*n) << " is not scheduled";
    return it->second;
}

void KernelEmitter::require_template(const char* name) {
    if (std::find(templates_.begin(), templates_.end(), name) == templates_.end())
        templates_.push_back(name);
}

bool KernelEmitter::is_temp(const Node* n) const { return slot_kind(n) == SlotPlan::Kind::Temp; }

SlotPlan::Kind KernelEmitter::slot_kind(const Node* n) const {
    return (*slots_)[static_cast<std::size_t>(slot(n))].kind;
}

void KernelEmitter::emit_view(const Node& n, const std::string& build) {
    auto& os = out();
    const int s = slot(&n);
    os << "  { /* " << describe(n) << " */\n";
    os << "    const tj_arr* src = " << arr(n.inputs[0].get()) << ";\n" << build;
    if (is_temp(&n)) {
        os << "    f->slots[" << s << "] = v;\n  }\n";
        return;
    }
    const std::string t = ctype(n.type.dtype);
    os << "    " << t << "* o = (" << t << "*)tj_rt_alloc(f, " << s << ", " << n.type.ndim()
       << ", v.shape);\n";
    os << "    if (!o) return 1;\n    tj_copy_to_contiguous(&v, " << n.type.ndim()
       << ", o);\n  }\n";
    require_template("reduce.hpp");
}

std::string KernelEmitter::arr(const Node* n) {
    if (n->op != OpKind::Constant) return "(&f->slots[" + std::to_string(slot(n)) + "])";
    auto it = const_arr_.find(n);
    if (it != const_arr_.end()) return "(&" + it->second + ")";
    // A constant: static data and a descriptor declared at the top of the entry point.
    std::string name = fresh("c");
    const Array& v = *n->value;
    std::string t = ctype(v.dtype());
    statics_ << "static " << t << " " << name << "_data[] = {";
    std::int64_t count = std::max<std::int64_t>(v.size(), 1);
    for (std::int64_t i = 0; i < count; ++i) {
        if (i) statics_ << ", ";
        statics_ << (v.size() ? c_literal(v.dtype(),
                                          static_cast<const char*>(v.raw_data()) + i * v.itemsize())
                              : "0");
    }
    statics_ << "};\n";
    statics_ << "static tj_arr " << name << " = {(void*)" << name << "_data, {";
    for (int d = 0; d < v.ndim(); ++d) statics_ << (d ? ", " : "") << v.shape()[d];
    statics_ << "}, {";
    Dims st = c_strides(v.shape());
    for (int d = 0; d < v.ndim(); ++d) statics_ << (d ? ", " : "") << st[d];
    statics_ << "}};\n";
    const_arr_[n] = name;
    return "(&" + name + ")";
}

// ---- fusion -----------------------------------------------------------------------------------

namespace {

// A member joins its consumer's loop when it has the consumer group's rank and no axis where it is
// statically 1 and the root is not (that would recompute a broadcast value per element).
bool fusable(const Node* n, const Node* root) {
    if (n->type.ndim() != root->type.ndim()) return false;
    for (int d = 0; d < n->type.ndim(); ++d)
        if (n->type.shape[d] == 1 && root->type.shape[d] != 1) return false;
    return true;
}

struct Group {
    const Node* root;
    std::vector<const Node*> members; // topological order, root last
    std::unordered_set<const Node*> member_set;
    bool in_place = false; // the root writes straight into the shared variable it updates
};

void emit_group(KernelEmitter& e, const Group& g) {
    auto& os = e.out();
    const Node* root = g.root;
    const int R = root->type.ndim();
    // Operands: values read by the loop that it does not compute.
    std::vector<const Node*> operands;
    for (const Node* m : g.members)
        for (const auto& in : m->inputs)
            if (!g.member_set.count(in.get()) &&
                std::find(operands.begin(), operands.end(), in.get()) == operands.end())
                operands.push_back(in.get());
    auto is_scalar_const = [](const Node* n) {
        return n->op == OpKind::Constant && n->type.ndim() == 0;
    };

    os << "  { /* " << describe(*root) << " */\n";
    // The loop's extents, with one broadcast check per operand and axis. Broadcasting is static
    // (as PyTensor): an axis broadcasts only where its static extent is 1 (or it is missing).
    // Every member has the root's rank and static 1s (fusable), so along an axis where the root
    // is not statically 1 every operand that is not statically 1 there has the loop's extent.
    const std::string root_sh = "sh" + std::to_string(e.id(root));
    os << "    long long " << root_sh << "[" << std::max(1, R) << "];\n";
    auto consumer = [&](const Node* op) {
        for (const Node* m : g.members)
            for (const auto& in : m->inputs)
                if (in.get() == op) return m;
        return root;
    };
    for (int d = 0; d < R; ++d) {
        const Node* first = nullptr;
        for (const Node* op : operands) {
            const int k = d - (R - op->type.ndim());
            if (k < 0 || op->type.shape[k] == 1) continue;
            const std::string ext = e.arr(op) + "->shape[" + std::to_string(k) + "]";
            if (!first) {
                first = op;
                os << "    " << root_sh << "[" << d << "] = " << ext << ";\n";
                continue;
            }
            os << "    if (" << ext << " != " << root_sh << "[" << d
               << "]) return tj_rt_shape_error(f, " << e.id(consumer(op)) << ", "
               << first->type.ndim() << ", " << e.arr(first) << "->shape, " << op->type.ndim()
               << ", " << e.arr(op) << "->shape);\n";
        }
        TJ_INTERNAL_CHECK(first || root->type.shape[d] == 1)
            << "codegen: no operand gives axis " << d << " of " << describe(*root);
        if (!first) os << "    " << root_sh << "[" << d << "] = 1;\n";
    }
    const std::string ot = EmitContext::ctype(root->type.dtype);
    const int out_slot = e.slot(root);
    if (g.in_place) {
        // The new value overwrites the variable, whose shape it has (checked anyway).
        for (int d = 0; d < R; ++d)
            os << "    if (" << root_sh << "[" << d << "] != f->slots[" << out_slot << "].shape["
               << d << "]) return tj_rt_shape_error(f, " << e.id(root) << ", " << R << ", "
               << root_sh << ", " << R << ", f->slots[" << out_slot << "].shape);\n";
        os << "    " << ot << "* o = (" << ot << "*)f->slots[" << out_slot << "].data;\n";
    } else {
        os << "    " << ot << "* o = (" << ot << "*)tj_rt_alloc(f, " << out_slot << ", " << R
           << ", " << root_sh << ");\n    if (!o) return 1;\n";
    }

    // Loop operands: 0 is the output; then every operand of rank > 0. Rank-0 operands are read
    // once before the loop; scalar constants are literals.
    std::vector<const Node*> loop_ops;
    std::unordered_map<const Node*, std::string> scalar_name;
    for (const Node* op : operands) {
        if (is_scalar_const(op)) {
            scalar_name[op] = c_literal(op->type.dtype, op->value->raw_data());
        } else if (op->type.ndim() == 0) {
            std::string s = e.fresh("s");
            os << "    const " << EmitContext::ctype(op->type.dtype) << " " << s << " = *(const "
               << EmitContext::ctype(op->type.dtype) << "*)" << e.arr(op) << "->data;\n";
            scalar_name[op] = s;
        } else {
            loop_ops.push_back(op);
        }
    }
    const int K = static_cast<int>(loop_ops.size()) + 1;
    if (R == 0) {
        // A scalar result: no loop at all.
        std::unordered_map<const Node*, std::string> names = scalar_name;
        for (const Node* m : g.members) {
            const OpDef& d = op_def(m->op);
            std::string call = d.functor;
            if (m->op == OpKind::Cast) call += "<" + EmitContext::ctype(m->type.dtype) + ">";
            call += "(";
            for (std::size_t i = 0; i < m->inputs.size(); ++i)
                call += (i ? ", " : "") + names.at(m->inputs[i].get());
            call += ")";
            std::string v = "v" + std::to_string(e.id(m));
            // Declared, then assigned: see the loop body below.
            os << "    " << EmitContext::ctype(m->type.dtype) << " " << v << "; " << v << " = "
               << call << ";\n";
            names[m] = v;
        }
        os << "    *o = v" << e.id(root) << ";\n  }\n";
        return;
    }
    os << "    long long shp[TJ_MAX_NDIM] = {0}, st[" << K << "][TJ_MAX_NDIM];\n";
    os << "    for (int d = 0; d < " << R << "; ++d) shp[d] = " << root_sh << "[d];\n";
    os << "    tj_bcast_strides(" << R << ", shp, " << R << ", &f->slots[" << out_slot
       << "], st[0]);\n";
    for (int k = 1; k < K; ++k)
        os << "    tj_bcast_strides(" << R << ", shp, " << loop_ops[k - 1]->type.ndim() << ", "
           << e.arr(loop_ops[k - 1]) << ", st[" << k << "]);\n";
    os << "    if (tj_prod(" << R << ", shp) > 0) {\n";
    os << "      const int m = tj_collapse(" << R << ", shp, " << K << ", st);\n";
    os << "      const long long n_in = shp[m - 1], n_out = tj_prod(m - 1, shp);\n";
    os << "      long long idx[TJ_MAX_NDIM] = {0}, off[" << K << "] = {0};\n";
    os << "      for (long long it = 0; it < n_out; ++it) {\n";
    // In place, the output and the variable's operand are the same memory: no __restrict.
    const char* restrict_kw = g.in_place ? "" : "__restrict ";
    os << "        " << ot << "* " << restrict_kw << "p0 = o + off[0];\n";
    for (int k = 1; k < K; ++k) {
        std::string t = EmitContext::ctype(loop_ops[k - 1]->type.dtype);
        os << "        const " << t << "* " << restrict_kw << "p" << k << " = (const " << t << "*)"
           << e.arr(loop_ops[k - 1]) << "->data + off[" << k << "];\n";
    }
    // The loop body, once with unit strides (vectorizable) and once with general strides.
    auto body = [&](bool unit) {
        std::string b;
        auto index = [&](int k) {
            return unit ? std::string("[i]") : "[i * t" + std::to_string(k) + "]";
        };
        auto value_of = [&](const Node* n) -> std::string {
            if (g.member_set.count(n)) return "v" + std::to_string(e.id(n));
            auto it = scalar_name.find(n);
            if (it != scalar_name.end()) return it->second;
            int k = static_cast<int>(std::find(loop_ops.begin(), loop_ops.end(), n) -
                                     loop_ops.begin()) +
                    1;
            return "p" + std::to_string(k) + index(k);
        };
        for (const Node* m : g.members) {
            const OpDef& d = op_def(m->op);
            std::string call = d.functor;
            if (m->op == OpKind::Cast) call += "<" + EmitContext::ctype(m->type.dtype) + ">";
            call += "(";
            for (std::size_t i = 0; i < m->inputs.size(); ++i)
                call += (i ? ", " : "") + value_of(m->inputs[i].get());
            call += ")";
            // A plain local, declared and then assigned. `const T vN = f(vN-1);` made Clang's
            // constant evaluator follow the whole chain of initializers recursively (it may read
            // const locals while folding), which overflowed its stack on chains of ~800 ops.
            // Assignments are never followed, and each statement's expression stays one call deep.
            const std::string v = "v" + std::to_string(e.id(m));
            b += "          " + EmitContext::ctype(m->type.dtype) + " " + v + "; " + v + " = " +
                 call + ";\n";
        }
        b += "          p0" + index(0) + " = v" + std::to_string(e.id(root)) + ";\n";
        return b;
    };
    // Arrays this kernel allocated for other loops (group roots not written in place) are
    // contiguous; with the root's rank and broadcast pattern they have the output's strides, so
    // the collapsed loop is one unit-stride run and the strided body is never needed.
    bool all_contiguous = !g.in_place;
    for (const Node* op : loop_ops)
        all_contiguous = all_contiguous && !op->is_leaf() && op_def(op->op).is_elementwise() &&
                         e.slot_kind(op) != SlotPlan::Kind::Shared && op->type.ndim() == R &&
                         fusable(op, root);
    if (all_contiguous) {
        os << "        for (long long i = 0; i < n_in; ++i) {\n" << body(true) << "        }\n";
    } else {
        os << "        if (st[0][m - 1] == 1";
        for (int k = 1; k < K; ++k) os << " && st[" << k << "][m - 1] == 1";
        os << ") {\n          for (long long i = 0; i < n_in; ++i) {\n"
           << body(true) << "          }\n";
        os << "        } else {\n";
        for (int k = 0; k < K; ++k)
            os << "          const long long t" << k << " = st[" << k << "][m - 1];\n";
        // The strided fallback is not worth vectorizing code (and compile time) for.
        os << "#pragma clang loop vectorize(disable) interleave(disable) unroll(disable)\n";
        os << "          for (long long i = 0; i < n_in; ++i) {\n"
           << body(false) << "          }\n        }\n";
    }
    // Odometer over the outer dimensions.
    os << "        for (int d = m - 2; d >= 0; --d) {\n";
    os << "          if (++idx[d] < shp[d]) {";
    for (int k = 0; k < K; ++k) os << " off[" << k << "] += st[" << k << "][d];";
    os << " break; }\n";
    for (int k = 0; k < K; ++k)
        os << "          off[" << k << "] -= st[" << k << "][d] * (shp[d] - 1);\n";
    os << "          idx[d] = 0;\n        }\n";
    os << "      }\n    }\n  }\n";
}

} // namespace

namespace {
// True when `code` is one compound statement `{ ... }` (braces in comments, string and character
// literals skipped): it then declares nothing that later code could use, and may be moved into a
// function of its own.
bool is_one_block(const std::string& code) {
    std::size_t i = code.find_first_not_of(" \n");
    if (i == std::string::npos || code[i] != '{') return false;
    int depth = 0;
    for (; i < code.size(); ++i) {
        const char c = code[i];
        if (c == '/' && i + 1 < code.size() && code[i + 1] == '*') {
            const std::size_t close = code.find("*/", i + 2);
            if (close == std::string::npos) return false;
            i = close + 1;
        } else if (c == '/' && i + 1 < code.size() && code[i + 1] == '/') {
            i = code.find('\n', i);
            if (i == std::string::npos) return false;
        } else if (c == '"' || c == '\'') {
            for (++i; i < code.size() && code[i] != c; ++i)
                if (code[i] == '\\') ++i;
        } else if (c == '{') {
            ++depth;
        } else if (c == '}') {
            if (--depth == 0) return code.find_first_not_of(" \n", i + 1) == std::string::npos;
        } else if (depth == 0 && c != ' ' && c != '\n') {
            return false;
        }
    }
    return false;
}

std::function<void(std::string&)>& source_hook() {
    static std::function<void(std::string&)> hook;
    return hook;
}
} // namespace

void set_source_hook(std::function<void(std::string&)> hook) { source_hook() = std::move(hook); }
void apply_source_hook(std::string& source) {
    if (source_hook()) source_hook()(source);
}

// ---- the kernel -------------------------------------------------------------------------------

KernelSource emit_kernel(const FunctionGraph& fg, const std::string& symbol) {
    KernelEmitter e;
    BindingPlan plan;
    plan.symbol = symbol;
    e.slots_ = &plan.slots;
    std::vector<NodePtr> roots = fg.roots();
    std::vector<const Node*> order = topo_order(roots);
    // Leaves are named by position, so the plan serves any function with this graph.
    std::unordered_map<const Node*, std::string> leaf_ref;
    for (std::size_t i = 0; i < fg.inputs.size(); ++i)
        leaf_ref[fg.inputs[i].get()] = "{i" + std::to_string(i) + "}";
    std::unordered_map<const SharedStorage*, std::string> shared_ref;
    for (std::size_t i = 0; i < fg.shared.size(); ++i)
        shared_ref[fg.shared[i]->storage.get()] = "{s" + std::to_string(i) + "}";
    const std::function<std::string(const Node&)> leaf_name = [&](const Node& n) -> std::string {
        if (n.op == OpKind::Shared) {
            auto it = shared_ref.find(n.storage.get());
            if (it != shared_ref.end()) return it->second;
        }
        auto it = leaf_ref.find(&n);
        return it != leaf_ref.end() ? it->second : std::string("?");
    };
    // Comments in the kernel name leaves the same way: its text depends on the graph only.
    LeafNamingScope naming(&leaf_name);
    for (std::size_t i = 0; i < order.size(); ++i) {
        e.id_[order[i]] = static_cast<int>(i);
        plan.node_names.push_back(describe(*order[i], 2));
    }
    std::unordered_map<const Node*, std::vector<const Node*>> users;
    for (const Node* n : order)
        for (const auto& in : n->inputs) users[in.get()].push_back(n);
    std::unordered_set<const Node*> is_root;
    for (const auto& r : roots) is_root.insert(r.get());

    auto add_slot = [&](const Node* n, SlotPlan::Kind kind, int index) {
        int s = static_cast<int>(plan.slots.size());
        plan.slots.push_back({kind, index, n->type.dtype, n->type.ndim()});
        e.slot_[n] = s;
        return s;
    };
    for (std::size_t i = 0; i < fg.inputs.size(); ++i)
        add_slot(fg.inputs[i].get(), SlotPlan::Kind::Input, static_cast<int>(i));
    for (std::size_t i = 0; i < fg.shared.size(); ++i)
        add_slot(fg.shared[i].get(), SlotPlan::Kind::Shared, static_cast<int>(i));

    // Fusion groups, deciding from the outputs backwards. A group has at most kMaxFusedOps
    // members: LLVM's code generation time grows faster than linearly with the size of a loop
    // body (1000 fused ops took 0.8 s to emit, 5000 took 30 s), and the loop's operand tables
    // live on the kernel's stack. A longer chain is cut into loops that pass an array on.
    // Likewise for the arrays a loop reads: optimizing a loop over 128 operands took 1.5 s.
    constexpr int kMaxFusedOps = 128;
    constexpr int kMaxLoopOperands = 32;
    std::unordered_map<const Node*, const Node*> group;
    std::unordered_map<const Node*, int> group_size, group_leaves;
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
        const Node* n = *it;
        if (n->is_leaf()) continue;
        bool own = is_root.count(n) || !op_def(n->op).is_elementwise();
        const Node* g0 = nullptr;
        for (const Node* u : users[n]) {
            if (own) break;
            if (!op_def(u->op).is_elementwise())
                own = true;
            else if (!g0)
                g0 = group.at(u);
            else if (g0 != group.at(u))
                own = true;
        }
        if (!own && !fusable(n, g0)) own = true;
        // Leaf operands (arrays the loop reads; scalar constants are literals) a member brings.
        int leaves = 0;
        for (const auto& in : n->inputs)
            leaves += in->is_leaf() && !(in->op == OpKind::Constant && in->type.ndim() == 0);
        if (!own &&
            (group_size[g0] >= kMaxFusedOps || group_leaves[g0] + leaves > kMaxLoopOperands))
            own = true;
        group[n] = own ? n : g0;
        ++group_size[group[n]];
        group_leaves[group[n]] += leaves;
    }

    for (std::size_t i = 0; i < fg.outputs.size(); ++i) {
        const Node* o = fg.outputs[i].get();
        auto it = e.slot_.find(o);
        plan.output_slots.push_back(it != e.slot_.end()
                                        ? it->second
                                        : add_slot(o, SlotPlan::Kind::Output, static_cast<int>(i)));
    }
    // Updates in place: an element-wise update whose group alone reads its variable, with the
    // variable's rank and no broadcast of it, writes straight into the variable's buffer. Its
    // loop runs after everything else, once its own shape checks passed, so a call that fails
    // has written nothing. Other updates go to a buffer swapped in after the kernel.
    std::unordered_set<const Node*> in_place;
    for (const auto& [sh, value] : fg.updates) {
        const Node* v = value.get();
        const Node* var = fg.shared[static_cast<std::size_t>(sh)].get();
        bool ok = !v->is_leaf() && op_def(v->op).is_elementwise() && !e.slot_.count(v) &&
                  users[v].empty() && !users[var].empty() && v->type.ndim() == var->type.ndim() &&
                  v->type.dtype == var->type.dtype;
        for (const Node* u : users[var]) ok = ok && group.count(u) && group.at(u) == v;
        for (int d = 0; ok && d < var->type.ndim(); ++d)
            ok = var->type.shape[d] != 1 || v->type.shape[d] == 1;
        for (const auto& [sh2, v2] : fg.updates) ok = ok && (v2.get() != v || sh2 == sh);
        if (ok) {
            in_place.insert(v);
            e.slot_[v] = e.slot(var);
            plan.updates.push_back({sh, e.slot(var)});
            continue;
        }
        auto it = e.slot_.find(v);
        plan.updates.push_back(
            {sh, it != e.slot_.end() ? it->second : add_slot(v, SlotPlan::Kind::Update, sh)});
    }
    for (const Node* n : order)
        if (!n->is_leaf() && group.at(n) == n && !e.slot_.count(n))
            add_slot(n, SlotPlan::Kind::Temp, 0);

    // In a large graph each fused loop is a function of its own (not inlined): LLVM's optimizer
    // and code generator take time that grows faster than linearly with the size of a function
    // (a 5000-op chain in one function: 5.3 s to optimize, 3.1 s to emit). Small kernels keep
    // everything in the entry point.
    constexpr std::size_t kOutlineAboveNodes = 256;
    const bool outline = order.size() > kOutlineAboveNodes;
    std::string parts;
    // Writes one node's code: in the entry point, or (outlining) as a function of its own that
    // the entry point calls, when the code is one self-contained block.
    auto place = [&](const Node* n, bool may_outline, const std::function<void()>& write) {
        if (!outline || !may_outline) {
            write();
            return;
        }
        std::ostringstream part;
        std::swap(part, e.body_);
        write();
        std::swap(part, e.body_);
        const std::string code = part.str();
        if (!is_one_block(code)) {
            e.body_ << code;
            return;
        }
        const std::string name = "tj_part" + std::to_string(e.id(n));
        parts += "static __attribute__((noinline)) int " + name + "(tj_frame* f) {\n" + code +
                 "  return 0;\n}\n";
        e.body_ << "  if (int r = " << name << "(f)) return r;\n";
    };
    auto emit_node = [&](const Node* n) {
        const OpDef& d = op_def(n->op);
        if (!d.is_elementwise()) {
            TJ_INTERNAL_CHECK(d.emit)
                << "codegen: op " << op_name(n->op) << " has no kernel template";
            // Random draws share state words declared in the entry point: never outlined.
            const bool random = n->op == OpKind::RandomDraw || n->op == OpKind::RandomNextState;
            place(n, !random, [&] { d.emit(e, *n); });
            return;
        }
        Group g{n, {}, {}, in_place.count(n) > 0};
        for (const Node* m : order)
            if (!m->is_leaf() && group.at(m) == n) {
                g.members.push_back(m);
                g.member_set.insert(m);
            }
        place(n, true, [&] { emit_group(e, g); });
    };
    for (const Node* n : order)
        if (!n->is_leaf() && group.at(n) == n && !in_place.count(n)) emit_node(n);
    // In-place updates last: nothing reads them, and nothing after them can fail.
    for (const Node* n : order)
        if (in_place.count(n)) emit_node(n);

    std::string text;
    text += "// tensorjit kernel " + symbol + " (generated; the templates follow)\n";
    text += template_text("kernel_abi.h");
    text += template_text("scalar_ops.hpp");
    text += template_text("loops.hpp");
    for (const auto& t : e.templates_) text += template_text(t);
    text += "\n// ---- constants\n" + e.statics_.str();
    if (!parts.empty()) text += "\n// ---- fused loops\n" + parts;
    text += "\nextern \"C\" int " + symbol + "(tj_frame* f) {\n";
    text += e.body_.str();
    text += "  return 0;\n}\n";
    return {std::move(text), std::move(plan)};
}

} // namespace tensorjit::codegen
