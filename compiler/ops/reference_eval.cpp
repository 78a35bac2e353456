// tj::eval: evaluates a graph with the ops' reference implementations (no compilation).
#include "compiler/graph/node.hpp"
#include "compiler/ops/op_def.hpp"

#include <shared_mutex>
#include <unordered_map>

namespace tensorjit {

std::vector<Array> eval(const std::vector<Var>& outputs,
                        const std::vector<std::pair<Var, Array>>& inputs) {
    std::unordered_map<const Node*, Array> values;
    for (const auto& [var, value] : inputs) {
        TJ_CHECK(var.defined(), ValueError) << "eval: undefined input variable";
        const TensorType& t = var.type();
        TJ_CHECK(t.accepts_shape(value.shape()), ShapeError)
            << "eval: input " << (var.name().empty() ? t.str() : "\"" + var.name() + "\"") << " ("
            << t.str() << ") got an array of shape " << shape_str(value.shape());
        values[var.node().get()] = value.astype(t.dtype);
    }
    std::vector<NodePtr> roots;
    for (const auto& o : outputs) {
        TJ_CHECK(o.defined(), ValueError) << "eval: undefined output variable";
        roots.push_back(o.node());
    }
    for (const Node* n : topo_order(roots)) {
        if (values.count(n)) continue;
        switch (n->op) {
        case OpKind::Input:
            TJ_THROW(ArgumentError) << "eval: no value given for input "
                                    << (n->name.empty() ? n->type.str() : "\"" + n->name + "\"");
        case OpKind::Constant:
            values[n] = *n->value;
            continue;
        case OpKind::Shared: {
            // A copy: a concurrent call may update the variable in place.
            std::shared_lock lock(n->storage->mutex);
            values[n] = n->storage->value.copy();
            continue;
        }
        default:
            break;
        }
        std::vector<Array> in;
        for (const auto& i : n->inputs) in.push_back(values.at(i.get()));
        const OpDef& d = op_def(n->op);
        TJ_INTERNAL_CHECK(d.reference)
            << "eval: op " << op_name(n->op) << " has no reference implementation";
        Array v = d.reference(in, *n);
        TJ_INTERNAL_CHECK(v.dtype() == n->type.dtype && n->type.accepts_shape(v.shape()))
            << "eval: reference of " << describe(*n) << " returned " << dtype_name(v.dtype())
            << shape_str(v.shape()) << " for type " << n->type.str();
        values[n] = std::move(v);
    }
    std::vector<Array> out;
    for (const auto& r : roots) out.push_back(values.at(r.get()));
    return out;
}

Array eval(const Var& output, const std::vector<std::pair<Var, Array>>& inputs) {
    return eval(std::vector<Var>{output}, inputs)[0];
}

} // namespace tensorjit
