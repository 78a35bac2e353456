// tj::function: inputs, outputs, updates and givens -> a checked function graph -> its kernel
// (kernel_cache.cpp) -> a callable bound to shared storages; and FunctionBase.
#include "compiler/function/function_impl.hpp"
#include "compiler/function/literals.hpp"
#include "compiler/function/profile_record.hpp"
#include "compiler/graph/function_graph.hpp"

#include "compiler/ops/control_scan.hpp"
#include "compiler/ops/op_def.hpp"
#include "compiler/ops/random_ops.hpp"
#include "runtime/log.hpp"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/topological_sort.hpp>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace tensorjit {

In::In(const Var& v, const Arg& default_value, std::string name)
    : variable(v), name(std::move(name)) {
    TJ_CHECK(default_value.keyword().empty(), ArgumentError)
        << "In: the default value of " << (v.defined() ? "\"" + v.name() + "\"" : "an input")
        << " is a keyword argument (\"" << default_value.keyword() << "\")";
    switch (default_value.kind()) {
    case Arg::Kind::Scalar:
        value = detail::literal_array(default_value);
        literal = true;
        break;
    case Arg::Kind::Array:
        value = default_value.array();
        literal = default_value.literal();
        break;
    case Arg::Kind::None:
        break; // no default
    }
}

// ---- function() -------------------------------------------------------------------------------

namespace {

// TJ_REWRITES=off (or 0) turns the graph rewrites off in every function that does not set
// FunctionOptions::rewrites, as PyTensor's optimizer=None flag: the test-suite runs once this
// way (scripts/test.sh).
bool rewrites_enabled() {
    static const bool on = [] {
        const char* v = std::getenv("TJ_REWRITES");
        return !v || (std::string_view(v) != "off" && std::string_view(v) != "0");
    }();
    return on;
}

std::string var_label(const Var& v) {
    return v.name().empty() ? describe(*v.node()) : "\"" + v.name() + "\"";
}

bool types_compatible(const TensorType& want, const TensorType& got) {
    if (want.dtype != got.dtype || want.ndim() != got.ndim()) return false;
    for (int d = 0; d < want.ndim(); ++d)
        if (want.shape[d] != dyn && got.shape[d] != dyn && want.shape[d] != got.shape[d])
            return false;
    return true;
}

// Givens: type checks and cycle detection (a replacement that depends, through other givens, on
// the variable it replaces).
std::unordered_map<const Node*, NodePtr> check_givens(const Pairs& givens,
                                                      const std::string& fname) {
    std::unordered_map<const Node*, NodePtr> map;
    const auto& items = givens.items();
    for (std::size_t i = 0; i < items.size(); ++i) {
        const auto& [from, to] = items[i];
        TJ_CHECK(from.defined() && to.defined(), ValueError)
            << fname << ": givens: pair " << i + 1 << " has an undefined variable";
        TJ_CHECK(types_compatible(from.type(), to.type()), TypeError)
            << fname << ": givens: cannot replace " << var_label(from) << " (" << from.type().str()
            << ") by " << var_label(to) << " (" << to.type().str() << "): the types differ";
        TJ_CHECK(map.emplace(from.node().get(), to.node()).second, ValueError)
            << fname << ": givens: " << var_label(from) << " is replaced twice";
    }
    using G = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
    G graph(items.size());
    std::unordered_map<const Node*, std::size_t> index;
    for (std::size_t i = 0; i < items.size(); ++i) index[items[i].first.node().get()] = i;
    for (std::size_t i = 0; i < items.size(); ++i) {
        NodePtr root = items[i].second.node();
        for (const Node* n : topo_order(std::span<const NodePtr>(&root, 1))) {
            auto it = index.find(n);
            if (it != index.end()) boost::add_edge(i, it->second, graph);
        }
    }
    std::vector<std::size_t> order;
    try {
        boost::topological_sort(graph, std::back_inserter(order));
    } catch (const boost::not_a_dag&) {
        std::string names;
        for (const auto& [from, to] : items) names += (names.empty() ? "" : ", ") + var_label(from);
        TJ_THROW(ValueError) << fname
                             << ": givens form a cycle (a replacement depends on the variable it "
                                "replaces, directly or through other givens): "
                             << names;
    }
    return map;
}

} // namespace

FunctionGraph detail::function_graph(const std::vector<In>& inputs, const std::vector<Var>& outputs,
                                     const FunctionOptions& options,
                                     std::vector<InputSpec>* specs_out,
                                     std::vector<std::shared_ptr<SharedStorage>>* storages_out) {
    const std::string fname = options.name.empty() ? "function" : options.name;
    // Inputs: symbolic variables, each once; defaults after non-defaults.
    std::vector<detail::InputSpec> specs;
    std::vector<NodePtr> input_nodes;
    bool seen_default = false;
    for (std::size_t k = 0; k < inputs.size(); ++k) {
        const In& in = inputs[k];
        TJ_CHECK(in.variable.defined(), ValueError)
            << fname << ": input " << k + 1 << " is an undefined variable";
        const Node& n = *in.variable.node();
        TJ_CHECK(n.op == OpKind::Input, TypeError)
            << fname << ": input " << k + 1 << " (" << describe(n)
            << ") is not a symbolic input variable"
            << (n.op == OpKind::Shared ? " (shared variables are implicit inputs)" : "");
        for (const auto& prev : input_nodes)
            TJ_CHECK(prev.get() != &n, ValueError)
                << fname << ": input " << var_label(in.variable) << " is listed twice";
        detail::InputSpec s{n.type, in.name, n.name, std::nullopt};
        if (in.value) {
            const Array& v = *in.value;
            const DType t = n.type.dtype;
            if (in.literal) {
                // A literal (C++ scalar or braced list): each value must survive the conversion.
                const std::int64_t bad = can_cast_safely(v.dtype(), t) ? -1 : first_misfit(v, t);
                if (bad >= 0) {
                    const Literal e = literal_at(v, bad);
                    TJ_THROW(TypeError)
                        << fname << ": the default value of input " << var_label(in.variable)
                        << (v.ndim() ? " has the element " + index_text(v.shape(), bad) + " = "
                                     : ", ")
                        << literal_text(e) << (v.ndim() ? ", which " : ", ") << misfit_reason(e, t)
                        << " (the input is " << n.type.str() << ")";
                }
            } else {
                TJ_CHECK(can_cast_safely(v.dtype(), t) ||
                             (v.ndim() == 0 && v.astype(t).astype(v.dtype()).equals(v)),
                         TypeError)
                    << fname << ": the default value of input " << var_label(in.variable)
                    << " has dtype " << dtype_name(v.dtype()) << ", which cannot be cast safely to "
                    << dtype_name(t)
                    << " (convert it with .astype(tj::DType::" << dtype_enumerator(t)
                    << "), or give a C++ scalar or braced list)";
            }
            TJ_CHECK(n.type.accepts_shape(in.value->shape()), ShapeError)
                << fname << ": the default value of input " << var_label(in.variable)
                << " has shape " << shape_str(in.value->shape()) << ", the input is "
                << n.type.str();
            s.default_value = in.value->astype(n.type.dtype);
            seen_default = true;
        } else {
            TJ_CHECK(!seen_default, ValueError)
                << fname << ": input " << var_label(in.variable)
                << " has no default value but follows an input with one";
        }
        for (const auto& prev : specs) {
            const std::string& nm = s.name.empty() ? s.var_name : s.name;
            TJ_CHECK(nm.empty() ||
                         (prev.name != nm && (prev.name.empty() ? prev.var_name != nm : true)),
                     ValueError)
                << fname << ": two inputs are named \"" << nm << "\"";
        }
        specs.push_back(std::move(s));
        input_nodes.push_back(in.variable.node());
    }
    for (std::size_t i = 0; i < outputs.size(); ++i)
        TJ_CHECK(outputs[i].defined(), ValueError)
            << fname << ": output " << i + 1 << " is an undefined variable";

    // Roots: outputs, explicit updates, then default updates of the shared variables they read.
    std::vector<NodePtr> roots;
    for (const auto& o : outputs) roots.push_back(o.node());
    std::vector<std::pair<std::shared_ptr<SharedStorage>, NodePtr>> updates;
    std::unordered_set<const SharedStorage*> updated;
    for (std::size_t i = 0; i < options.updates.items().size(); ++i) {
        const auto& [var, value] = options.updates.items()[i];
        TJ_CHECK(var.defined() && value.defined(), ValueError)
            << fname << ": update " << i + 1 << " has an undefined variable";
        TJ_CHECK(var.node()->op == OpKind::Shared, TypeError)
            << fname << ": update " << i + 1 << ": " << var_label(var)
            << " is not a shared variable";
        const auto& storage = var.node()->storage;
        TJ_CHECK(updated.insert(storage.get()).second, ValueError)
            << fname << ": shared variable " << var_label(var) << " is updated twice";
        TJ_CHECK(value.dtype() == storage->type.dtype && value.ndim() == storage->type.ndim() &&
                     types_compatible(storage->type, value.type()),
                 TypeError)
            << fname << ": the update of shared variable " << var_label(var) << " ("
            << storage->type.str() << ") has type " << value.type().str() << " ("
            << describe(*value.node()) << ")"
            << (value.dtype() != storage->type.dtype ? "; cast it with tj::cast" : "");
        updates.push_back({storage, value.node()});
    }
    if (!options.no_default_updates) {
        // Default updates may read further shared variables with default updates: iterate.
        for (std::size_t scanned = 0;;) {
            std::vector<NodePtr> all = roots;
            for (const auto& u : updates) all.push_back(u.second);
            auto order = topo_order(all);
            const auto owner = owners(all);
            bool added = false;
            for (; scanned < order.size(); ++scanned) {
                const Node* n = order[scanned];
                if (n->op == OpKind::Shared && n->storage->default_update &&
                    !updated.count(n->storage.get())) {
                    updated.insert(n->storage.get());
                    // A generator a scan draws from advances by the whole loop's draws.
                    NodePtr carried = scan_carried_update(order, n->storage.get());
                    updates.push_back(
                        {n->storage, carried ? carried : n->storage->default_update(owner.at(n))});
                    added = true;
                }
            }
            if (!added) break;
            scanned = 0;
        }
    }

    // Givens, applied to outputs and update values.
    auto given = check_givens(options.givens, fname);
    std::vector<NodePtr> all_roots = roots;
    for (const auto& u : updates) all_roots.push_back(u.second);
    if (!given.empty()) all_roots = replace_nodes(all_roots, given);

    FunctionGraph fg;
    fg.inputs = input_nodes;
    fg.rewrites = options.rewrites.value_or(rewrites_enabled());
    fg.profile = options.profile.value_or(detail::profile_enabled());
    fg.name = options.name;
    // Shared variables in order of first use; update targets that are never read come last.
    std::unordered_map<const SharedStorage*, int> shared_index;
    std::vector<std::shared_ptr<SharedStorage>> storages;
    auto shared_slot = [&](const NodePtr& n) {
        auto [it, fresh] =
            shared_index.emplace(n->storage.get(), static_cast<int>(fg.shared.size()));
        if (fresh) {
            fg.shared.push_back(n);
            storages.push_back(n->storage);
        }
        return it->second;
    };
    std::unordered_set<const Node*> input_set;
    for (const auto& n : input_nodes) input_set.insert(n.get());
    // topo_order yields raw pointers; keep the owning pointers of the shared leaves.
    const std::unordered_map<const Node*, NodePtr> owner = owners(all_roots);
    for (const Node* n : topo_order(all_roots)) {
        TJ_CHECK(n->op != OpKind::Input || input_set.count(n), ValueError)
            << fname << ": the outputs depend on input "
            << (n->name.empty() ? n->type.str() : "\"" + n->name + "\"")
            << ", which is not among the function's inputs (nor replaced by givens)";
        if (n->op == OpKind::Shared) shared_slot(owner.at(n));
    }
    // Outputs that are bare leaves are copied (a caller must never alias an input or a shared
    // value); so are update values that are leaves.
    auto materialize = [](const NodePtr& n) {
        return n->is_leaf() ? make_node(OpKind::Identity, {n}) : n;
    };
    for (std::size_t i = 0; i < outputs.size(); ++i)
        fg.outputs.push_back(materialize(all_roots[i]));
    for (std::size_t i = 0; i < updates.size(); ++i) {
        const NodePtr& value = all_roots[outputs.size() + i];
        const auto& storage = updates[i].first;
        // An update of a variable to itself is no update.
        if (value->op == OpKind::Shared && value->storage == storage) continue;
        // A variable that is updated but never read still needs its index.
        int idx = shared_index.count(storage.get()) ? shared_index.at(storage.get())
                                                    : shared_slot(make_shared_node(storage));
        fg.updates.push_back({idx, materialize(value)});
    }

    if (specs_out) *specs_out = std::move(specs);
    if (storages_out) *storages_out = std::move(storages);
    return fg;
}

namespace {

std::shared_ptr<detail::FunctionImpl> build(const std::vector<In>& inputs,
                                            const std::vector<Var>& outputs,
                                            const FunctionOptions& options) {
    std::vector<detail::InputSpec> specs;
    std::vector<std::shared_ptr<SharedStorage>> storages;
    const FunctionGraph fg = detail::function_graph(inputs, outputs, options, &specs, &storages);
    auto kernel = get_kernel(fg);
    count_function_built();
    return std::make_shared<detail::FunctionImpl>(
        std::make_shared<const KernelVariants>(fg, std::move(kernel)), std::move(specs),
        std::move(storages), options.allow_input_downcast,
        options.name.empty() ? "function" : options.name);
}

} // namespace

Function function(const std::vector<In>& inputs, const Var& output,
                  const FunctionOptions& options) {
    return Function(build(inputs, {output}, options));
}

MultiFunction function(const std::vector<In>& inputs, const std::vector<Var>& outputs,
                       const FunctionOptions& options) {
    return MultiFunction(build(inputs, outputs, options));
}

// ---- FunctionBase -----------------------------------------------------------------------------

std::vector<Array> FunctionBase::call(std::span<const Arg> args) const {
    TJ_CHECK(impl_, ValueError) << "call of an empty tj::Function";
    return impl_->call_all(args);
}
Array FunctionBase::call_first(std::span<const Arg> args) const {
    TJ_CHECK(impl_, ValueError) << "call of an empty tj::Function";
    TJ_INTERNAL_CHECK(impl_->num_outputs() == 1)
        << "call_first of a function with " << impl_->num_outputs() << " outputs";
    return impl_->call_first(args);
}
const std::string& FunctionBase::kernel_source() const { return impl_->kernel().source(); }
std::string FunctionBase::kernel_source(const KernelSourceOptions& options) const {
    const std::string& source = impl_->kernel().source();
    if (options.templates) return source;
    // The emitter (compiler/codegen/emit.cpp) writes a first comment line, the templates, then
    // the generated part from this marker on: keep the first line (it names the symbol), with
    // its note about the templates changed.
    const auto marker = source.find("\n// ---- constants");
    const auto first_line = source.find('\n');
    if (marker == std::string::npos || first_line == std::string::npos) return source;
    std::string head = source.substr(0, first_line);
    const std::string note = " (generated; the templates follow)";
    if (head.size() >= note.size() && head.ends_with(note))
        head.replace(head.size() - note.size(), note.size(), " (generated; templates omitted)");
    return head + "\n" + source.substr(marker);
}
const std::string& FunctionBase::cache_key() const { return impl_->kernel().key; }
std::size_t FunctionBase::num_inputs() const { return impl_->num_inputs(); }
const std::string& FunctionBase::name() const { return impl_->name(); }
std::shared_ptr<detail::FunctionImpl> FunctionBase::copy_impl(const CopyOptions& options) const {
    TJ_CHECK(impl_, ValueError) << "copy of an empty tj::Function";
    return impl_->copy(options);
}

} // namespace tensorjit
