/// emit: renders the schedule as ONE C++ translation unit: the templates of codegen_templates/,
/// the constants, and an `extern "C"` entry point that runs the steps in order (fused loops,
/// then each op's own kernel template). Deferred loops (inplace) run last, all their checks
/// before any of them writes. Needs storage_plan before it; decides nothing.
#include "compiler/codegen/passes.hpp"

#include "compiler/codegen/templates.hpp"
#include "compiler/ops/op_def.hpp"

namespace tensorjit::codegen {

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

// ---- profiling (FunctionGraph::profile) -----------------------------------------------------

// The bytes of n's array as an expression of the kernel (its extents are known once the step
// ran), or "" when n has no array: constants by their value, other values by their slot.
std::string array_bytes(const KernelEmitter& e, const Node* n) {
    const auto item = static_cast<long long>(dtype_size(n->type.dtype));
    if (n->op == OpKind::Constant) return std::to_string(n->value->size() * item);
    if (!e.schedule().slot.count(n)) return "";
    return "tj_prof_bytes(" + std::to_string(n->type.ndim()) + ", f->slots[" +
           std::to_string(e.slot(n)) + "].shape, " + std::to_string(item) + ")";
}

// The sum of the bytes of these arrays, each counted once.
std::string bytes_sum(const KernelEmitter& e, const std::vector<const Node*>& arrays) {
    std::string sum;
    std::unordered_set<const Node*> seen;
    for (const Node* n : arrays) {
        if (!seen.insert(n).second) continue;
        const std::string b = array_bytes(e, n);
        if (!b.empty()) sum += (sum.empty() ? "" : " + ") + b;
    }
    return sum.empty() ? "0" : sum;
}

// What a fused loop reads (its array operands; scalar constants are literals in its code) and
// writes (its stored values and folded reductions).
std::vector<const Node*> loop_arrays(const FusedLoop& loop) {
    std::vector<const Node*> arrays;
    for (const Node* op : loop.operands)
        if (op->op != OpKind::Constant || op->type.ndim() > 0) arrays.push_back(op);
    arrays.insert(arrays.end(), loop.outputs.begin(), loop.outputs.end());
    arrays.insert(arrays.end(), loop.reductions.begin(), loop.reductions.end());
    return arrays;
}

// "loop 3: sub, exp, add, sum": the ops a fused loop computes, the first dozen of them.
std::string loop_description(const Schedule& s, const FusedLoop& loop) {
    constexpr std::size_t kMaxOps = 12;
    std::string d = "loop " + std::to_string(&loop - s.loops.data()) + ":";
    std::vector<const Node*> ops = loop.members;
    ops.insert(ops.end(), loop.reductions.begin(), loop.reductions.end());
    for (std::size_t i = 0; i < ops.size() && i < kMaxOps; ++i)
        d += std::string(i ? ", " : " ") + op_name(ops[i]->op);
    if (ops.size() > kMaxOps) d += ", ... (" + std::to_string(ops.size()) + " ops)";
    return d;
}

// A step with an op's own kernel: the BLAS routine it calls ("gemv: dot({i0}, {s0})"), or the
// node's text.
std::string op_description(const Node& n, const std::string& name) {
    switch (n.op) {
    case OpKind::Dot: {
        const int ra = n.inputs[0]->type.ndim(), rb = n.inputs[1]->type.ndim();
        return (ra == 1 && rb == 1 ? "dot: " : ra == 2 && rb == 2 ? "gemm: " : "gemv: ") + name;
    }
    case OpKind::Matmul:
    case OpKind::Tensordot:
        return "gemm: " + name;
    case OpKind::Outer:
        return "ger: " + name;
    default:
        return name;
    }
}

// Writes the code `write` emits for profile step `step` between tj_rt_prof_begin and
// tj_rt_prof_end, with the bytes `bytes` computes (an expression valid after the step). A step
// that is one block stays one block, with the calls inside, so that a large kernel may still
// outline it.
void emit_profiled(KernelEmitter& e, int step, const std::function<void()>& write,
                   const std::function<std::string()>& bytes) {
    std::ostringstream part;
    std::swap(part, e.out());
    write();
    std::swap(part, e.out());
    const std::string code = part.str();
    const std::string begin = "tj_rt_prof_begin(f, " + std::to_string(step) + ");\n";
    const std::string end = "tj_rt_prof_end(f, " + std::to_string(step) + ", " + bytes() + ");\n";
    if (is_one_block(code))
        e.out() << "  {\n    " << begin << code << "    " << end << "  }\n";
    else
        e.out() << "  " << begin << code << "  " << end;
}

// ---- lazy ifelse (Schedule::guard) ----------------------------------------------------------

// The C condition of a guard: each condition is a 0-d value, true when non-zero.
std::string guard_condition(KernelEmitter& e, const Guard& g) {
    std::string c;
    for (const auto& [cond, polarity] : g) {
        const std::string t = EmitContext::ctype(cond->type.dtype);
        c += std::string(c.empty() ? "" : " && ") + (polarity ? "" : "!") + "(*(const " + t + "*)" +
             e.arr(cond) + "->data != 0)";
    }
    return c;
}

// Puts the code written during its life inside `if (guard) { ... }` (nothing for an empty
// guard): a skipped step writes nothing, and is not timed when profiled.
class GuardedStep {
  public:
    GuardedStep(KernelEmitter& e, const Guard& g) : e_(e), on_(!g.empty()) {
        if (on_) e_.out() << "  if (" << guard_condition(e_, g) << ") {\n";
    }
    ~GuardedStep() {
        if (on_) e_.out() << "  }\n";
    }
    GuardedStep(const GuardedStep&) = delete;
    GuardedStep& operator=(const GuardedStep&) = delete;

  private:
    KernelEmitter& e_;
    bool on_;
};
} // namespace

void emit_steps(KernelEmitter& e, Schedule& s, const StepOptions& options) {
    const bool outline = options.outline;
    std::string& parts = *options.parts;
    auto place = [&](int id, bool may_outline, const std::function<void()>& write) {
        if (!outline || !may_outline) {
            write();
            return;
        }
        std::ostringstream part;
        std::swap(part, e.out());
        write();
        std::swap(part, e.out());
        const std::string code = part.str();
        if (!is_one_block(code)) {
            e.out() << code;
            return;
        }
        const std::string name = "tj_part" + std::to_string(id);
        parts += "static __attribute__((noinline)) int " + name + "(tj_frame* f) {\n" + code +
                 "  return 0;\n}\n";
        e.out() << "  if (int r = " << name << "(f)) return r;\n";
    };
    // Profiled (FunctionGraph::profile), each step is timed: profile step k is the k-th step
    // written (the deferred loops are one), described in plan.profile_steps.
    const bool profile = options.profile;
    auto step_code = [&](std::string description, const std::function<std::string()>& bytes,
                         const std::function<void()>& write) {
        if (!profile) return write();
        const int step = static_cast<int>(s.plan.profile_steps.size());
        s.plan.profile_steps.push_back(std::move(description));
        emit_profiled(e, step, write, bytes);
    };
    std::vector<const FusedLoop*> deferred;
    for (const Step& st : s.steps) {
        // Lazy ifelse: the step runs only when its guard holds (deferred loops have none).
        const GuardedStep guarded(e, s.guard_of(st));
        if (st.loop >= 0) {
            const FusedLoop& loop = s.loops[static_cast<std::size_t>(st.loop)];
            if (loop.deferred) {
                deferred.push_back(&loop);
                continue;
            }
            place(e.id(loop.members.front()), true, [&] {
                step_code(
                    loop_description(s, loop), [&] { return bytes_sum(e, loop_arrays(loop)); },
                    [&] {
                        // Named after what it stores last (a folded reduction when it stores
                        // nothing).
                        const Node* named =
                            loop.outputs.empty() ? loop.reductions.back() : loop.outputs.back();
                        e.out() << "  { /* " << describe(*named) << " */\n";
                        emit_loop_checks(e, loop);
                        emit_loop_body(e, loop);
                        e.out() << "  }\n";
                    });
            });
            continue;
        }
        const Node* n = st.node;
        if (n->op == OpKind::Scan) {
            // The whole loop, at the first step of its scan (emit_scan.cpp); never outlined.
            step_code(
                "scan: " + s.plan.node_names[static_cast<std::size_t>(s.index.at(n))],
                [] { return std::string("0"); }, [&] { emit_scan(e, s, *n); });
            continue;
        }
        const OpDef& d = op_def(n->op);
        TJ_INTERNAL_CHECK(d.emit) << "codegen: op " << op_name(n->op) << " has no kernel template";
        // Random draws share state words declared in the entry point: never outlined.
        const bool random = n->op == OpKind::RandomDraw || n->op == OpKind::RandomNextState;
        place(e.id(n), !random, [&] {
            step_code(
                op_description(*n, s.plan.node_names[static_cast<std::size_t>(s.index.at(n))]),
                [&] {
                    // A view reads and writes nothing; other ops read their inputs and write
                    // their value.
                    if (e.is_view(n)) return std::string("0");
                    std::vector<const Node*> arrays;
                    for (const auto& in : n->inputs) arrays.push_back(in.get());
                    arrays.push_back(n);
                    return bytes_sum(e, arrays);
                },
                [&] { d.emit(e, *n); });
        });
    }
    if (!deferred.empty()) {
        std::string description = "in place:";
        for (const FusedLoop* l : deferred)
            description += (l == deferred.front() ? " " : "; ") + loop_description(s, *l);
        step_code(
            std::move(description),
            [&] {
                std::vector<const Node*> arrays;
                for (const FusedLoop* l : deferred) {
                    const auto a = loop_arrays(*l);
                    arrays.insert(arrays.end(), a.begin(), a.end());
                }
                return bytes_sum(e, arrays);
            },
            [&] {
                e.out() << "  { /* in place: ";
                for (const FusedLoop* l : deferred) e.out() << describe(*l->outputs.back()) << " ";
                e.out() << "*/\n";
                for (const FusedLoop* l : deferred) emit_loop_checks(e, *l);
                for (const FusedLoop* l : deferred) emit_loop_body(e, *l);
                e.out() << "  }\n";
            });
    }
}

KernelSource emit(Schedule& s, const std::string& symbol) {
    KernelEmitter e(s);
    e.root_plan = &s.plan;
    s.plan.symbol = symbol;
    // Leaves are named by position, so the plan serves any function with this graph.
    std::unordered_map<const Node*, std::string> leaf_ref;
    for (std::size_t i = 0; i < s.graph.inputs.size(); ++i)
        leaf_ref[s.graph.inputs[i].get()] = "{i" + std::to_string(i) + "}";
    std::unordered_map<const SharedStorage*, std::string> shared_ref;
    for (std::size_t i = 0; i < s.graph.shared.size(); ++i)
        shared_ref[s.graph.shared[i]->storage.get()] = "{s" + std::to_string(i) + "}";
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
    for (std::size_t i = 0; i < s.order.size(); ++i)
        s.plan.node_names[i] = describe(*s.order[i], 2);

    // In a large graph each step is a function of its own (not inlined): LLVM's optimizer and
    // code generator take time that grows faster than linearly with the size of a function (a
    // 5000-op chain in one function: 5.3 s to optimize, 3.1 s to emit). Small kernels keep
    // everything in the entry point.
    constexpr std::size_t kOutlineAboveNodes = 256;
    std::string parts;
    const bool profile = s.graph.profile;
    if (profile) e.require_template("profile.h");
    emit_steps(
        e, s,
        {.outline = s.order.size() > kOutlineAboveNodes, .profile = profile, .parts = &parts});

    std::string text;
    text += "// tensorjit kernel " + symbol + " (generated; the templates follow)\n";
    text += template_text("kernel_abi.h");
    text += template_text("scalar_ops.hpp");
    text += template_text("loops.hpp");
    for (const auto& t : e.templates()) text += template_text(t);
    text += "\n// ---- constants\n" + e.statics();
    if (!parts.empty()) text += "\n// ---- fused loops\n" + parts;
    text += "\nextern \"C\" int " + symbol + "(tj_frame* f) {\n";
    if (profile) text += "  tj_rt_prof_begin(f, TJ_PROFILE_KERNEL);\n";
    text += e.out().str();
    if (profile) text += "  tj_rt_prof_end(f, TJ_PROFILE_KERNEL, 0);\n";
    text += "  return 0;\n}\n";
    return {std::move(text), s.plan};
}

} // namespace tensorjit::codegen
