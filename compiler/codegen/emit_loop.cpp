// Renders one fused loop: extents with one broadcast check per operand and axis, the stored
// outputs, and either one flat loop (every array C-contiguous with the loop's shape) or the row
// body that tj_loop, the loop skeleton of codegen_templates/loops.hpp, runs per row.
#include "compiler/codegen/kernel_emitter.hpp"

#include "compiler/ops/op_def.hpp"

#include <algorithm>

namespace tensorjit::codegen {

namespace {

bool is_scalar_const(const Node* n) { return n->op == OpKind::Constant && n->type.ndim() == 0; }

bool same_loop_shape(const Node* a, const Node* b) {
    if (a->type.ndim() != b->type.ndim()) return false;
    for (int d = 0; d < a->type.ndim(); ++d)
        if ((a->type.shape[d] == 1) != (b->type.shape[d] == 1)) return false;
    return true;
}

// Names shared by a loop's checks and body.
std::string tag(KernelEmitter& e, const FusedLoop& loop) {
    return std::to_string(e.id(loop.members.front()));
}

// Several loops written in place (inplace.cpp) run their bodies one after another once all their
// checks passed. Each then allocates what it stores with its checks, so that an allocation that
// fails (no memory, or a call_into output array of another shape) fails before the first of them
// writes a variable; a loop written in place alone allocates in its body, before it writes.
bool allocates_with_checks(const Schedule& s, const FusedLoop& loop) {
    if (!loop.deferred) return false;
    int n = 0;
    for (const FusedLoop& l : s.loops) n += l.deferred ? 1 : 0;
    return n > 1;
}

// Declares `name`, the one-element array of folded reduction r, and allocates it.
void emit_reduction_alloc(std::ostream& os, KernelEmitter& e, const Node* r,
                          const std::string& name) {
    const std::string rt = EmitContext::ctype(r->type.dtype);
    const int rr = r->type.ndim();
    os << "    " << rt << "* " << name << ";\n    {\n      const long long ones[" << std::max(1, rr)
       << "] = {1};\n";
    if (rr > 1)
        os << "      long long rsh[" << rr << "];\n      for (int d = 0; d < " << rr
           << "; ++d) rsh[d] = 1;\n";
    os << "      " << name << " = (" << rt << "*)tj_rt_alloc(f, " << e.slot(r) << ", " << rr << ", "
       << (rr > 1 ? "rsh" : "ones") << ");\n      if (!" << name << ") return 1;\n    }\n";
}

// The scalar expression of one member: functor(args...), or for the arithmetic of non-bool
// operands (which have the member's dtype) the operator itself, as the functor computes it (the
// kernels are compiled -fwrapv, so integer results wrap as NumPy's): Clang then has no template
// to instantiate and no call to inline per op.
std::string scalar_call(const Node* m, const std::function<std::string(const Node*)>& value_of) {
    if (m->type.dtype != DType::Bool) {
        const char* infix = m->op == OpKind::Add   ? " + "
                            : m->op == OpKind::Sub ? " - "
                            : m->op == OpKind::Mul ? " * "
                                                   : nullptr;
        const std::string t = EmitContext::ctype(m->type.dtype);
        if (infix)
            return "(" + t + ")(" + value_of(m->inputs[0].get()) + infix +
                   value_of(m->inputs[1].get()) + ")";
        if (m->op == OpKind::Neg) return "(" + t + ")-" + value_of(m->inputs[0].get());
    }
    std::string call = op_def(m->op).functor;
    if (m->op == OpKind::Cast) call += "<" + EmitContext::ctype(m->type.dtype) + ">";
    call += "(";
    for (std::size_t i = 0; i < m->inputs.size(); ++i)
        call += (i ? ", " : "") + value_of(m->inputs[i].get());
    return call + ")";
}

} // namespace

void emit_loop_checks(KernelEmitter& e, const FusedLoop& loop) {
    auto& os = e.out();
    const Schedule& s = e.schedule();
    const Node* shape_node = loop.members.back();
    const int R = shape_node->type.ndim();
    const std::string sh = "sh" + tag(e, loop);
    os << "    long long " << sh << "[" << std::max(1, R) << "];\n";
    // The first member reading an operand names it in a broadcast error.
    auto consumer = [&](const Node* op) {
        for (const Node* m : loop.members)
            for (const auto& in : m->inputs)
                if (in.get() == op) return m;
        return shape_node;
    };
    // Broadcasting is static (as PyTensor): an axis broadcasts only where its static extent is 1
    // (or it is missing). Every member has the loop's rank and static 1s, so along an axis where
    // the loop is not statically 1 every operand that is not statically 1 there has its extent.
    for (int d = 0; d < R; ++d) {
        const Node* first = nullptr;
        for (const Node* op : loop.operands) {
            const int k = d - (R - op->type.ndim());
            if (k < 0 || op->type.shape[k] == 1) continue;
            const std::string ext = e.arr(op) + "->shape[" + std::to_string(k) + "]";
            if (!first) {
                first = op;
                os << "    " << sh << "[" << d << "] = " << ext << ";\n";
                continue;
            }
            os << "    if (" << ext << " != " << sh << "[" << d << "]) return tj_rt_shape_error(f, "
               << e.id(consumer(op)) << ", " << first->type.ndim() << ", " << e.arr(first)
               << "->shape, " << op->type.ndim() << ", " << e.arr(op) << "->shape);\n";
        }
        TJ_INTERNAL_CHECK(first || shape_node->type.shape[d] == 1)
            << "codegen: no operand gives axis " << d << " of " << describe(*shape_node);
        if (!first) os << "    " << sh << "[" << d << "] = 1;\n";
    }
    // A value written in place has the variable's shape (checked: nothing is written before
    // every deferred loop's checks passed).
    for (const Node* o : loop.outputs) {
        if (!s.in_place.count(o)) continue;
        const int slot = e.slot(o);
        for (int d = 0; d < R; ++d)
            os << "    if (" << sh << "[" << d << "] != f->slots[" << slot << "].shape[" << d
               << "]) return tj_rt_shape_error(f, " << e.id(o) << ", " << R << ", " << sh << ", "
               << R << ", f->slots[" << slot << "].shape);\n";
    }
    if (!allocates_with_checks(s, loop)) return;
    const std::string h = "h" + tag(e, loop) + "_";
    for (std::size_t k = 0; k < loop.outputs.size(); ++k) {
        const Node* o = loop.outputs[k];
        if (s.in_place.count(o)) continue;
        const std::string ot = EmitContext::ctype(o->type.dtype);
        os << "    " << ot << "* " << h << "o" << k << " = (" << ot << "*)tj_rt_alloc(f, "
           << e.slot(o) << ", " << R << ", " << sh << ");\n    if (!" << h << "o" << k
           << ") return 1;\n";
    }
    for (std::size_t j = 0; j < loop.reductions.size(); ++j)
        emit_reduction_alloc(os, e, loop.reductions[j], h + "r" + std::to_string(j));
}

void emit_loop_body(KernelEmitter& e, const FusedLoop& loop) {
    auto& os = e.out();
    const Schedule& s = e.schedule();
    const Node* shape_node = loop.members.back();
    const int R = shape_node->type.ndim();
    const std::string t = tag(e, loop);
    const std::string sh = "sh" + t;
    // Allocated with the checks (allocates_with_checks): h<tag>_o<k>, h<tag>_r<j>.
    const bool allocated = allocates_with_checks(s, loop);
    const std::string h = "h" + t + "_";
    os << "    {\n";
    // The stored values: fresh arrays, or (in place) the variable's buffer.
    for (std::size_t k = 0; k < loop.outputs.size(); ++k) {
        const Node* o = loop.outputs[k];
        const std::string ot = EmitContext::ctype(o->type.dtype);
        const int slot = e.slot(o);
        os << "    " << ot << "* o" << k << " = (" << ot << "*)";
        if (s.in_place.count(o))
            os << "f->slots[" << slot << "].data;\n";
        else if (allocated)
            os << h << "o" << k << ";\n";
        else
            os << "tj_rt_alloc(f, " << slot << ", " << R << ", " << sh << ");\n    if (!o" << k
               << ") return 1;\n";
    }
    // Folded reductions: their (one-element) arrays are allocated before the loop writes
    // anything, their accumulators start at 0.
    for (std::size_t j = 0; j < loop.reductions.size(); ++j) {
        const std::string rt = EmitContext::ctype(loop.reductions[j]->type.dtype);
        if (allocated)
            os << "    " << rt << "* r" << j << " = " << h << "r" << j << ";\n";
        else
            emit_reduction_alloc(os, e, loop.reductions[j], "r" + std::to_string(j));
        os << "    " << rt << " acc" << j << " = 0;\n";
    }
    // Array operands of rank > 0 are loop arrays; rank-0 ones are read once before the loop and
    // scalar constants are literals.
    std::vector<const Node*> loop_ops;
    std::unordered_map<const Node*, std::string> scalar_name;
    for (const Node* op : loop.operands) {
        if (is_scalar_const(op)) {
            scalar_name[op] = c_literal(op->type.dtype, op->value->raw_data());
        } else if (op->type.ndim() == 0) {
            const std::string ct = EmitContext::ctype(op->type.dtype);
            const std::string name = e.fresh("s");
            os << "    const " << ct << " " << name << " = *(const " << ct << "*)" << e.arr(op)
               << "->data;\n";
            scalar_name[op] = name;
        } else {
            loop_ops.push_back(op);
        }
    }
    const int n_out = static_cast<int>(loop.outputs.size());
    const int K = n_out + static_cast<int>(loop_ops.size());
    // The members, one statement each: a plain local declared and then assigned. `const T vN =
    // f(vN-1);` made Clang's constant evaluator follow the whole chain of initializers
    // recursively (it may read const locals while folding), which overflowed its stack on chains
    // of ~800 ops. Assignments are never followed, and each statement stays one call deep.
    // `acc` names the accumulators of the folded reductions in this body ("acc" + j, or row
    // copies); each addition alone may be reassociated, so that the sum vectorizes.
    auto members = [&](const std::string& indent, const std::function<std::string(int)>& index,
                       const std::string& acc = "acc") {
        std::string b;
        auto value_of = [&](const Node* n) -> std::string {
            if (loop.member_set.count(n)) return "v" + std::to_string(e.id(n));
            auto it = scalar_name.find(n);
            if (it != scalar_name.end()) return it->second;
            const int k = n_out + static_cast<int>(std::find(loop_ops.begin(), loop_ops.end(), n) -
                                                   loop_ops.begin());
            return "p" + std::to_string(k) + index(k);
        };
        for (const Node* m : loop.members) {
            const std::string v = "v" + std::to_string(e.id(m));
            b += indent + EmitContext::ctype(m->type.dtype) + " " + v + "; " + v + " = " +
                 scalar_call(m, value_of) + ";\n";
        }
        for (int k = 0; k < n_out; ++k)
            b += indent + "p" + std::to_string(k) + index(k) + " = v" +
                 std::to_string(e.id(loop.outputs[static_cast<std::size_t>(k)])) + ";\n";
        for (std::size_t j = 0; j < loop.reductions.size(); ++j) {
            const std::string a = acc + std::to_string(j);
            b += indent + "{\n#pragma clang fp reassociate(on)\n" + indent + "  " + a + " = " + a +
                 " + v" + std::to_string(e.id(loop.reductions[j]->inputs[0].get())) + ";\n" +
                 indent + "}\n";
        }
        return b;
    };
    // After the loop: the reductions' values (a mean divides by the element count).
    auto store_reductions = [&] {
        for (std::size_t j = 0; j < loop.reductions.size(); ++j) {
            const Node* r = loop.reductions[j];
            os << "    *r" << j << " = acc" << j;
            if (r->op == OpKind::Mean)
                os << " / (" << EmitContext::ctype(r->type.dtype) << ")tj_prod(" << R << ", " << sh
                   << ")";
            os << ";\n";
        }
    };
    if (R == 0) {
        for (int k = 0; k < n_out; ++k)
            os << "    " << EmitContext::ctype(loop.outputs[k]->type.dtype) << "* p" << k << " = o"
               << k << ";\n";
        os << members("    ", [](int) { return std::string("[0]"); }) << "    }\n";
        return;
    }
    // In place, an output and the variable's operand are the same memory: no __restrict.
    const bool in_place = loop.deferred;
    const char* restrict_kw = in_place ? "" : "__restrict ";
    auto unit = [](int) { return std::string("[i]"); };
    // Every array C-contiguous with the loop's shape (what the signature promises of the
    // leaves, and every array the kernel allocated): one flat loop, no stride arithmetic.
    bool flat = true;
    for (const Node* o : loop.outputs)
        flat = flat && (!s.in_place.count(o) || s.contiguous_leaf(s.in_place.at(o)));
    for (const Node* op : loop_ops)
        flat = flat && e.contiguous(op) && same_loop_shape(op, shape_node);
    if (flat) {
        os << "    const long long n = tj_prod(" << R << ", " << sh << ");\n";
        for (int k = 0; k < n_out; ++k) {
            const std::string ot = EmitContext::ctype(loop.outputs[k]->type.dtype);
            os << "    " << ot << "* " << restrict_kw << "p" << k << " = o" << k << ";\n";
        }
        for (int k = n_out; k < K; ++k) {
            const std::string ct = EmitContext::ctype(loop_ops[k - n_out]->type.dtype);
            os << "    const " << ct << "* " << restrict_kw << "p" << k << " = (const " << ct
               << "*)" << e.arr(loop_ops[k - n_out]) << "->data;\n";
        }
        os << "    for (long long i = 0; i < n; ++i) {\n" << members("      ", unit) << "    }\n";
        store_reductions();
        os << "    }\n";
        return;
    }
    // Strided: the loop skeleton (tj_loop in codegen_templates/loops.hpp) walks the rows, the
    // row body is written here.
    os << "    long long shp[TJ_MAX_NDIM] = {0}, st[" << K << "][TJ_MAX_NDIM];\n";
    os << "    for (int d = 0; d < " << R << "; ++d) shp[d] = " << sh << "[d];\n";
    for (int k = 0; k < n_out; ++k)
        os << "    tj_bcast_strides(" << R << ", shp, " << R << ", &f->slots["
           << e.slot(loop.outputs[static_cast<std::size_t>(k)]) << "], st[" << k << "]);\n";
    for (int k = n_out; k < K; ++k)
        os << "    tj_bcast_strides(" << R << ", shp, " << loop_ops[k - n_out]->type.ndim() << ", "
           << e.arr(loop_ops[k - n_out]) << ", st[" << k << "]);\n";
    os << "    tj_loop<" << K << ">(" << R
       << ", shp, st, [&](long long n, const long long* off, const long long* t) {\n";
    for (int k = 0; k < n_out; ++k) {
        const std::string ot = EmitContext::ctype(loop.outputs[k]->type.dtype);
        os << "      " << ot << "* " << restrict_kw << "p" << k << " = o" << k << " + off[" << k
           << "];\n";
    }
    for (int k = n_out; k < K; ++k) {
        const std::string ct = EmitContext::ctype(loop_ops[k - n_out]->type.dtype);
        os << "      const " << ct << "* " << restrict_kw << "p" << k << " = (const " << ct << "*)"
           << e.arr(loop_ops[k - n_out]) << "->data + off[" << k << "];\n";
    }
    // Row copies of the accumulators: locals the vectorizer sees whole.
    for (std::size_t j = 0; j < loop.reductions.size(); ++j)
        os << "      " << EmitContext::ctype(loop.reductions[j]->type.dtype) << " racc" << j
           << " = acc" << j << ";\n";
    auto strided = [](int k) { return "[i * t" + std::to_string(k) + "]"; };
    os << "      if (tj_unit<" << K << ">(t)) {\n        for (long long i = 0; i < n; ++i) {\n"
       << members("          ", unit, "racc") << "        }\n      } else {\n";
    for (int k = 0; k < K; ++k) os << "        const long long t" << k << " = t[" << k << "];\n";
    // The strided fallback is not worth vectorizing code (and compile time) for.
    os << "#pragma clang loop vectorize(disable) interleave(disable) unroll(disable)\n";
    os << "        for (long long i = 0; i < n; ++i) {\n"
       << members("          ", strided, "racc") << "        }\n      }\n";
    for (std::size_t j = 0; j < loop.reductions.size(); ++j)
        os << "      acc" << j << " = racc" << j << ";\n";
    os << "      return 0;\n    });\n";
    store_reductions();
    os << "    }\n";
}

} // namespace tensorjit::codegen
