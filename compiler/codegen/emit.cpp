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
} // namespace

KernelSource emit(Schedule& s, const std::string& symbol) {
    KernelEmitter e(s);
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
    const bool outline = s.order.size() > kOutlineAboveNodes;
    std::string parts;
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
    std::vector<const FusedLoop*> deferred;
    for (const Step& st : s.steps) {
        if (st.loop >= 0) {
            const FusedLoop& loop = s.loops[static_cast<std::size_t>(st.loop)];
            if (loop.deferred) {
                deferred.push_back(&loop);
                continue;
            }
            place(e.id(loop.members.front()), true, [&] {
                // Named after what it stores last (a folded reduction when it stores nothing).
                const Node* named =
                    loop.outputs.empty() ? loop.reductions.back() : loop.outputs.back();
                e.out() << "  { /* " << describe(*named) << " */\n";
                emit_loop_checks(e, loop);
                emit_loop_body(e, loop);
                e.out() << "  }\n";
            });
            continue;
        }
        const Node* n = st.node;
        const OpDef& d = op_def(n->op);
        TJ_INTERNAL_CHECK(d.emit) << "codegen: op " << op_name(n->op) << " has no kernel template";
        // Random draws share state words declared in the entry point: never outlined.
        const bool random = n->op == OpKind::RandomDraw || n->op == OpKind::RandomNextState;
        place(e.id(n), !random, [&] { d.emit(e, *n); });
    }
    if (!deferred.empty()) {
        e.out() << "  { /* in place: ";
        for (const FusedLoop* l : deferred) e.out() << describe(*l->outputs.back()) << " ";
        e.out() << "*/\n";
        for (const FusedLoop* l : deferred) emit_loop_checks(e, *l);
        for (const FusedLoop* l : deferred) emit_loop_body(e, *l);
        e.out() << "  }\n";
    }

    std::string text;
    text += "// tensorjit kernel " + symbol + " (generated; the templates follow)\n";
    text += template_text("kernel_abi.h");
    text += template_text("scalar_ops.hpp");
    text += template_text("loops.hpp");
    for (const auto& t : e.templates()) text += template_text(t);
    text += "\n// ---- constants\n" + e.statics();
    if (!parts.empty()) text += "\n// ---- fused loops\n" + parts;
    text += "\nextern \"C\" int " + symbol + "(tj_frame* f) {\n";
    text += e.out().str();
    text += "  return 0;\n}\n";
    return {std::move(text), s.plan};
}

} // namespace tensorjit::codegen
