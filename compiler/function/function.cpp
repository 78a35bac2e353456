// tj::function: inputs and options -> function graph -> cache key -> kernel (memory cache, disk
// cache, or rewrites + codegen + Clang) -> a callable bound to shared storages.
#include "compiler/function/function_impl.hpp"
#include "compiler/graph/function_graph.hpp"

#include "cache/disk_cache.hpp"
#include "compiler/codegen/kernel_emitter.hpp"
#include "compiler/codegen/templates.hpp"
#include "compiler/function/graph_key.hpp"
#include "compiler/function/kernel_metadata.hpp"
#include "compiler/jit/jit.hpp"
#include "compiler/ops/op_def.hpp"
#include "compiler/ops/random_ops.hpp"
#include "compiler/rewrite/pipeline.hpp"
#include "runtime/log.hpp"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/topological_sort.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <unordered_set>

namespace tensorjit {

std::vector<NodePtr> FunctionGraph::roots() const {
    std::vector<NodePtr> r = outputs;
    for (const auto& u : updates) r.push_back(u.second);
    return r;
}

// ---- shared variables -------------------------------------------------------------------------

namespace {

void check_shared_value(const SharedStorage& s, const Array& v, const char* what) {
    TJ_CHECK(v.ndim() == s.type.ndim(), ShapeError)
        << what << ": shared variable \"" << s.name << "\" (" << s.type.str() << ") needs a "
        << s.type.ndim() << "-d value, got shape " << shape_str(v.shape());
    TJ_CHECK(s.type.accepts_shape(v.shape()), ShapeError)
        << what << ": shared variable \"" << s.name << "\" has static shape " << s.type.str()
        << ", got shape " << shape_str(v.shape());
    TJ_CHECK(can_cast_safely(v.dtype(), s.type.dtype), TypeError)
        << what << ": shared variable \"" << s.name << "\" has dtype " << dtype_name(s.type.dtype)
        << "; a value of dtype " << dtype_name(v.dtype()) << " cannot be cast to it safely";
}

} // namespace

SharedVar SharedAccess::wrap(std::shared_ptr<SharedStorage> storage, NodePtr node) {
    SharedVar v;
    static_cast<Var&>(v) = Var(std::move(node));
    v.storage_ = std::move(storage);
    return v;
}

SharedVar shared(const Array& value, SharedOptions options) {
    auto s = std::make_shared<SharedStorage>();
    s->name = options.name;
    Dims shape;
    shape.resize(value.ndim(), dyn);
    if (options.shape) {
        TJ_CHECK(options.shape->size() == value.ndim(), ShapeError)
            << "shared: static shape " << shape_str(*options.shape) << " for \"" << options.name
            << "\" has rank " << options.shape->size() << " but the value has shape "
            << shape_str(value.shape());
        shape = *options.shape;
    }
    s->type = TensorType{value.dtype(), shape};
    check_shared_value(*s, value, "shared");
    s->value = value.copy();
    return SharedAccess::wrap(s, make_shared_node(s));
}

Array SharedVar::get_value() const {
    TJ_CHECK(storage_, ValueError) << "get_value: undefined shared variable";
    std::shared_lock lock(storage_->mutex);
    return storage_->value.copy();
}

void SharedVar::set_value(const Array& value) {
    TJ_CHECK(storage_, ValueError) << "set_value: undefined shared variable";
    check_shared_value(*storage_, value, "set_value");
    Array v = value.astype(storage_->type.dtype); // always a copy: never aliases the caller's array
    std::unique_lock lock(storage_->mutex);
    storage_->value = std::move(v);
}

// ---- statistics -------------------------------------------------------------------------------

namespace {
std::atomic<unsigned long long> g_functions{0}, g_compiles{0}, g_disk_hits{0}, g_memory_hits{0};
} // namespace

CompileStats compile_stats() {
    return {g_functions.load(), g_compiles.load(), g_disk_hits.load(), g_memory_hits.load()};
}

// ---- kernels: memory cache, disk cache, compile -----------------------------------------------

namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

std::shared_ptr<CompiledKernel> load_kernel(const std::string& key, std::string source,
                                            codegen::BindingPlan plan, const std::string& object) {
    auto k = std::make_shared<CompiledKernel>();
    k->key = key;
    k->source = std::move(source);
    k->plan = std::move(plan);
    k->code = jit::load_object(object, k->plan.symbol);
    k->entry = reinterpret_cast<tj_kernel_fn>(k->code->address());
    return k;
}

} // namespace

namespace {

// Whether a binding plan read from a cache entry fits the function graph it is to run for:
// the symbol named after the key, every slot within the graph's inputs and shared variables
// with their dtypes and ranks, one slot per output and per update with the right types.
// Throws InternalError naming the first mismatch.
using codegen::SlotPlan;

void check_plan_fits(const codegen::BindingPlan& plan, const FunctionGraph& g,
                     const std::string& key) {
    TJ_INTERNAL_CHECK(plan.symbol == "tj_k_" + key.substr(0, 16))
        << "plan symbol " << plan.symbol << " is not this key's";
    auto same_type = [](const SlotPlan& sp, const TensorType& t) {
        return sp.dtype == t.dtype && sp.ndim == t.ndim();
    };
    const int nslots = static_cast<int>(plan.slots.size());
    for (int s = 0; s < nslots; ++s) {
        const SlotPlan& sp = plan.slots[s];
        TJ_INTERNAL_CHECK(sp.ndim >= 0 && sp.ndim <= TJ_MAX_NDIM)
            << "slot " << s << " has rank " << sp.ndim;
        if (sp.kind == SlotPlan::Kind::Input) {
            TJ_INTERNAL_CHECK(sp.index >= 0 && sp.index < static_cast<int>(g.inputs.size()) &&
                              same_type(sp, g.inputs[sp.index]->type))
                << "slot " << s << " does not match input " << sp.index;
        } else if (sp.kind == SlotPlan::Kind::Shared) {
            TJ_INTERNAL_CHECK(sp.index >= 0 && sp.index < static_cast<int>(g.shared.size()) &&
                              same_type(sp, g.shared[sp.index]->type))
                << "slot " << s << " does not match shared variable " << sp.index;
        }
    }
    TJ_INTERNAL_CHECK(plan.output_slots.size() == g.outputs.size())
        << "plan has " << plan.output_slots.size() << " outputs, the function " << g.outputs.size();
    for (std::size_t i = 0; i < g.outputs.size(); ++i) {
        const int s = plan.output_slots[i];
        TJ_INTERNAL_CHECK(s >= 0 && s < nslots && same_type(plan.slots[s], g.outputs[i]->type))
            << "output " << i << " slot does not match";
    }
    TJ_INTERNAL_CHECK(plan.updates.size() == g.updates.size())
        << "plan has " << plan.updates.size() << " updates, the function " << g.updates.size();
    for (std::size_t u = 0; u < g.updates.size(); ++u) {
        const auto [sh, s] = plan.updates[u];
        TJ_INTERNAL_CHECK(sh == g.updates[u].first && s >= 0 && s < nslots &&
                          same_type(plan.slots[s], g.shared[sh]->type))
            << "update " << u << " does not match";
    }
}

// Builds one kernel: the disk cache, else rewrites + codegen + Clang (then stored on disk).
std::shared_ptr<const CompiledKernel> build_kernel(const FunctionGraph& g, const std::string& key,
                                                   double key_ms) {
    auto& disk = cache::DiskCache::global();
    auto t1 = Clock::now();
    if (auto entry = disk.load(key)) {
        try {
            // The entry must be this key's and its plan must fit this graph before anything of
            // it runs (an entry copied under another key's name would run the wrong kernel).
            const KernelMetadata meta = KernelMetadata::from_json(entry->metadata);
            TJ_INTERNAL_CHECK(meta.key == key)
                << "its metadata names key " << meta.key.substr(0, 16);
            auto plan = codegen::BindingPlan::parse(meta.plan);
            check_plan_fits(plan, g, key);
            auto k = load_kernel(key, std::move(entry->source), std::move(plan), entry->object);
            ++g_disk_hits;
            log().debug("kernel {}: disk hit (key {:.2f} ms, load {:.2f} ms)", key.substr(0, 16),
                        key_ms, ms_since(t1));
            return k;
        } catch (const std::exception& e) {
            // A readable entry that does not fit, does not parse or does not load: recompile
            // (and replace it).
            warn_once("cache-entry-unusable",
                      fmt::format("cache entry {} is unusable ({}); recompiling", key.substr(0, 16),
                                  e.what()));
        }
    }
    auto t2 = Clock::now();
    FunctionGraph rewritten = g.rewrites ? rewrite_pipeline(g) : g;
    const double rewrite_ms = ms_since(t2);
    auto t3 = Clock::now();
    const std::string symbol = "tj_k_" + key.substr(0, 16);
    codegen::KernelSource src = codegen::emit_kernel(rewritten, symbol);
    codegen::apply_source_hook(src.text);
    const double codegen_ms = ms_since(t3);
    const std::string source_path = disk.source_path(key).string();
    jit::CompileTimes times;
    std::string object;
    try {
        object = jit::compile_to_object(src.text, source_path, &times);
    } catch (const CompileError&) {
        // Keep the source where the error says it is.
        std::error_code ec;
        std::filesystem::create_directories(std::filesystem::path(source_path).parent_path(), ec);
        std::ofstream(source_path) << src.text;
        throw;
    }
    ++g_compiles;
    KernelMetadata meta;
    meta.key = key;
    meta.target = jit::target_id();
    meta.templates = codegen::templates_hash();
    meta.timings_ms = {rewrite_ms, codegen_ms, times.frontend_ms, times.optimize_ms,
                       times.codegen_ms};
    meta.plan = src.plan.serialize();
    disk.store(key, cache::Entry{object, src.text, meta.to_json()});
    auto t4 = Clock::now();
    auto k = load_kernel(key, std::move(src.text), std::move(src.plan), object);
    log().debug("kernel {}: miss; key {:.2f} ms, rewrite {:.2f} ms, codegen {:.2f} ms, clang "
                "frontend {:.2f} ms, optimize {:.2f} ms, object {:.2f} ms, load {:.2f} ms",
                key.substr(0, 16), key_ms, rewrite_ms, codegen_ms, times.frontend_ms,
                times.optimize_ms, times.codegen_ms, ms_since(t4));
    return k;
}

} // namespace

std::shared_ptr<const CompiledKernel> get_kernel(const FunctionGraph& g) {
    // Kernels alive in this process, and builds in flight: a second thread asking for a key that
    // is being built waits for that build (and gets its result or its error) instead of compiling
    // it again.
    using Future = std::shared_future<std::shared_ptr<const CompiledKernel>>;
    static std::mutex mu;
    static std::unordered_map<std::string, std::weak_ptr<const CompiledKernel>> live;
    static std::unordered_map<std::string, Future> in_flight;

    auto t0 = Clock::now();
    const std::string key = graph_key(g);
    const double key_ms = ms_since(t0);
    std::promise<std::shared_ptr<const CompiledKernel>> promise;
    {
        std::unique_lock<std::mutex> lock(mu);
        auto it = live.find(key);
        if (it != live.end())
            if (auto k = it->second.lock()) {
                ++g_memory_hits;
                log().debug("kernel {}: memory hit (key {:.2f} ms)", key.substr(0, 16), key_ms);
                return k;
            }
        auto f = in_flight.find(key);
        if (f != in_flight.end()) {
            Future pending = f->second;
            lock.unlock();
            auto k = pending.get(); // rethrows the builder's error
            ++g_memory_hits;
            log().debug("kernel {}: built by another thread (key {:.2f} ms)", key.substr(0, 16),
                        key_ms);
            return k;
        }
        in_flight.emplace(key, promise.get_future().share());
    }
    std::shared_ptr<const CompiledKernel> k;
    try {
        k = build_kernel(g, key, key_ms);
    } catch (...) {
        promise.set_exception(std::current_exception());
        std::lock_guard<std::mutex> lock(mu);
        in_flight.erase(key);
        throw;
    }
    promise.set_value(k);
    std::lock_guard<std::mutex> lock(mu);
    live[key] = k;
    in_flight.erase(key);
    return k;
}

// ---- function() -------------------------------------------------------------------------------

namespace {

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

std::shared_ptr<detail::FunctionImpl> build(const std::vector<In>& inputs,
                                            const std::vector<Var>& outputs,
                                            const FunctionOptions& options) {
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
            TJ_CHECK(
                can_cast_safely(in.value->dtype(), n.type.dtype) ||
                    (in.value->ndim() == 0 &&
                     in.value->astype(n.type.dtype).astype(in.value->dtype()).equals(*in.value)),
                TypeError)
                << fname << ": the default value of input " << var_label(in.variable)
                << " has dtype " << dtype_name(in.value->dtype())
                << ", which cannot be cast safely to " << dtype_name(n.type.dtype);
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
                    updates.push_back({n->storage, n->storage->default_update(owner.at(n))});
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
    fg.rewrites = options.rewrites;
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

    auto kernel = get_kernel(fg);
    ++g_functions;
    return std::make_shared<detail::FunctionImpl>(std::move(kernel), std::move(specs),
                                                  std::move(storages), options.allow_input_downcast,
                                                  fname);
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
const std::string& FunctionBase::kernel_source() const { return impl_->kernel().source; }
const std::string& FunctionBase::cache_key() const { return impl_->kernel().key; }
std::size_t FunctionBase::num_inputs() const { return impl_->num_inputs(); }
const std::string& FunctionBase::name() const { return impl_->name(); }
std::shared_ptr<detail::FunctionImpl> FunctionBase::copy_impl(const CopyOptions& options) const {
    TJ_CHECK(impl_, ValueError) << "copy of an empty tj::Function";
    return impl_->copy(options);
}

} // namespace tensorjit
