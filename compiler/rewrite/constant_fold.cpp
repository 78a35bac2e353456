// Folding one node whose inputs are constants (specialize and the pattern rules use it).
#include "compiler/rewrite/constant_fold.hpp"

#include "compiler/ops/op_def.hpp"

#include <tensorjit/checked.hpp>

namespace tensorjit {

NodePtr fold_constant(const Node& n) {
    if (n.is_leaf()) return nullptr;
    // A scan is a loop: folding it would run the loop at compile time (an until loop may never
    // stop, n_steps may be huge). It runs in the kernel.
    if (n.op == OpKind::Scan) return nullptr;
    const OpDef& d = op_def(n.op);
    if (!d.reference) return nullptr;
    // Only small results are kept: do not compute a large one to drop it (a constant alloc of a
    // huge shape would allocate it here).
    std::int64_t static_size = 1;
    for (auto e : n.type.shape)
        if (e != dyn && !checked::mul(static_size, e, &static_size))
            static_size = kMaxFoldedElements + 1;
    if (static_size > kMaxFoldedElements) return nullptr;
    std::vector<Array> values;
    for (const auto& in : n.inputs) {
        if (in->op != OpKind::Constant) return nullptr;
        values.push_back(*in->value);
    }
    Array v;
    try {
        v = d.reference(values, n);
    } catch (const UserError&) {
        return nullptr;
    }
    if (v.size() > kMaxFoldedElements) return nullptr;
    return make_constant(v.astype(n.type.dtype));
}

} // namespace tensorjit
