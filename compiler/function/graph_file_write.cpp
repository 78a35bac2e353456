// save_function: the graph tj::function would compile, written as a graph file
// (graph_file_format.hpp describes the document).
#include "compiler/function/function_impl.hpp"
#include "compiler/function/graph_file_format.hpp"

#include <tensorjit/graph_file.hpp>
#include <tensorjit/npy.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <shared_mutex>
#include <unordered_map>

namespace tensorjit {

namespace {

using nlohmann::json;

json type_json(const TensorType& t) {
    json shape = json::array();
    for (auto d : t.shape) shape.push_back(d == dyn ? json(nullptr) : json(d));
    return json{{"dtype", dtype_name(t.dtype)}, {"shape", std::move(shape)}};
}

std::string encode_array(const Array& a) {
    return graph_file::base64_encode(graph_file::npy_bytes(a));
}

// The node lists of a document: the function's graph and the scan bodies it reaches, each body
// once (by identity, as the Scan nodes share it), after the bodies of its own scans.
class NodeWriter {
  public:
    NodeWriter(const std::string& file,
               const std::unordered_map<const SharedStorage*, std::size_t>& shared_index)
        : file_(file), shared_index_(shared_index) {}

    /// The nodes of `order` (inputs before users), with their ids.
    json nodes(const std::vector<const Node*>& order,
               const std::unordered_map<const Node*, std::int64_t>& id) {
        json nodes = json::array();
        for (std::size_t i = 0; i < order.size(); ++i) nodes.push_back(node(*order[i], i, id));
        return nodes;
    }

    json take_bodies() { return std::move(bodies_); }

  private:
    json node(const Node& n, std::size_t i,
              const std::unordered_map<const Node*, std::int64_t>& id) {
        json j{{"id", i}, {"op", op_name(n.op)}};
        switch (n.op) {
        case OpKind::Input:
            j["name"] = n.name;
            break;
        case OpKind::Shared:
            j["shared"] = shared_index_.at(n.storage.get());
            break;
        case OpKind::Constant:
            j["value"] = encode_array(*n.value);
            j["weak"] = n.weak;
            if (!n.name.empty()) j["name"] = n.name;
            break;
        default: {
            json in = json::array();
            for (const auto& x : n.inputs) in.push_back(id.at(x.get()));
            j["inputs"] = std::move(in);
            j["attrs"] = json{{"ints", n.attrs.ints}, {"dtype", dtype_name(n.attrs.dtype)}};
            if (n.op == OpKind::Scan) j["attrs"]["body"] = body(*n.attrs.body);
            break;
        }
        }
        j["type"] = type_json(n.type);
        return j;
    }

    // The index of body b in "bodies", written first when new. Recursion follows the nesting of
    // scans, which the program that built them wrote as nested calls.
    std::size_t body(const ScanBody& b) {
        if (auto it = index_.find(&b); it != index_.end()) return it->second;
        // Ids: the placeholders, then every other node inputs first.
        std::unordered_map<const Node*, std::int64_t> id;
        std::vector<const Node*> order;
        for (const auto& p : b.inputs)
            if (id.emplace(p.get(), static_cast<std::int64_t>(order.size())).second)
                order.push_back(p.get());
        for (const Node* n : topo_order(b.outputs)) {
            if (id.count(n)) continue;
            // tj::scan makes every other leaf that the step reads a placeholder.
            if (n->op == OpKind::Input || n->op == OpKind::Shared)
                TJ_THROW(ValueError)
                    << file_ << ": cannot write the graph file: scan body \"" << b.name
                    << "\" reads " << describe(*n) << ", which is not one of its placeholders";
            id.emplace(n, static_cast<std::int64_t>(order.size()));
            order.push_back(n);
        }
        json nodes_json = nodes(order, id); // the bodies of its scans first
        json in = json::array(), out = json::array();
        for (const auto& p : b.inputs) in.push_back(id.at(p.get()));
        for (const auto& o : b.outputs) out.push_back(id.at(o.get()));
        bodies_.push_back(json{{"name", b.name},
                               {"seq_taps", b.seq_taps},
                               {"state_taps", b.state_taps},
                               {"n_nonseq", b.n_nonseq},
                               {"n_visible", b.n_visible},
                               {"go_backwards", b.go_backwards},
                               {"has_until", b.has_until},
                               {"nodes", std::move(nodes_json)},
                               {"inputs", std::move(in)},
                               {"outputs", std::move(out)}});
        const std::size_t k = bodies_.size() - 1;
        index_.emplace(&b, k);
        return k;
    }

    const std::string& file_;
    const std::unordered_map<const SharedStorage*, std::size_t>& shared_index_;
    std::unordered_map<const ScanBody*, std::size_t> index_;
    json bodies_ = json::array();
};

} // namespace

void graph_file::write(const std::filesystem::path& path, const FunctionGraph& fg,
                       const std::vector<detail::InputSpec>& specs,
                       const std::vector<std::shared_ptr<SharedStorage>>& storages,
                       const std::string& name, bool allow_input_downcast,
                       const GraphFileOptions& file_options) {
    const std::string file = path.string();

    // Ids: explicit inputs, shared variables, then every other node inputs first.
    std::unordered_map<const Node*, std::int64_t> id;
    std::vector<const Node*> order;
    auto add = [&](const Node* n) {
        if (id.emplace(n, static_cast<std::int64_t>(order.size())).second) order.push_back(n);
    };
    for (const auto& n : fg.inputs) add(n.get());
    for (const auto& n : fg.shared) add(n.get());
    const std::vector<NodePtr> roots = fg.roots();
    for (const Node* n : topo_order(roots)) add(n);

    std::unordered_map<const SharedStorage*, std::size_t> shared_index;
    for (std::size_t i = 0; i < fg.shared.size(); ++i)
        shared_index.emplace(fg.shared[i]->storage.get(), i);

    NodeWriter writer(file, shared_index);
    json nodes = writer.nodes(order, id);
    json bodies = writer.take_bodies();

    json in = json::array();
    for (std::size_t k = 0; k < specs.size(); ++k) {
        json j{{"node", id.at(fg.inputs[k].get())}, {"name", specs[k].name}};
        if (specs[k].default_value) j["default"] = encode_array(*specs[k].default_value);
        in.push_back(std::move(j));
    }

    json shared = json::array();
    for (std::size_t k = 0; k < fg.shared.size(); ++k) {
        const SharedStorage& s = *storages[k];
        json j{{"node", id.at(fg.shared[k].get())}, {"name", s.name}, {"type", type_json(s.type)}};
        if (file_options.values != GraphFileOptions::Values::None) {
            Array value;
            {
                std::shared_lock lock(s.mutex);
                value = s.value.copy();
            }
            if (file_options.values == GraphFileOptions::Values::Embedded) {
                j["value"] = encode_array(value);
            } else {
                const std::string beside =
                    path.filename().string() + ".shared" + std::to_string(k) + ".npy";
                save_npy(path.parent_path() / beside, value);
                j["value_file"] = beside;
            }
        }
        shared.push_back(std::move(j));
    }

    json out = json::array();
    for (const auto& o : fg.outputs) out.push_back(id.at(o.get()));
    json updates = json::array();
    for (const auto& [k, v] : fg.updates)
        updates.push_back(json{{"shared", k}, {"value", id.at(v.get())}});

    json doc{{"format", graph_file::kFormat},
             {"version", graph_file::kVersion},
             {"name", name},
             {"allow_input_downcast", allow_input_downcast},
             {"rewrites", fg.rewrites},
             {"nodes", std::move(nodes)},
             {"inputs", std::move(in)},
             {"shared", std::move(shared)},
             {"outputs", std::move(out)},
             {"updates", std::move(updates)}};
    // Only with scans: the documents of other graphs stay as they were.
    if (!bodies.empty()) doc["bodies"] = std::move(bodies);
    std::string text;
    try {
        text = doc.dump(1);
    } catch (const json::exception& e) {
        // Names are the only free text: a name that is not UTF-8 cannot go into JSON.
        TJ_THROW(ValueError) << file << ": cannot write the graph file: " << e.what();
    }
    text += '\n';
    std::ofstream os(path, std::ios::binary | std::ios::trunc);
    TJ_CHECK(os, ValueError) << file << ": cannot open for writing";
    os.write(text.data(), static_cast<std::streamsize>(text.size()));
    os.close();
    TJ_CHECK(os, ValueError) << file << ": write failed";
}

void save_function(const std::filesystem::path& path, const std::vector<In>& inputs,
                   const std::vector<Var>& outputs, const FunctionOptions& options,
                   const GraphFileOptions& file_options) {
    std::vector<detail::InputSpec> specs;
    std::vector<std::shared_ptr<SharedStorage>> storages;
    const FunctionGraph fg = detail::function_graph(inputs, outputs, options, &specs, &storages);
    graph_file::write(path, fg, specs, storages, options.name, options.allow_input_downcast,
                      file_options);
}

void FunctionBase::save(const std::filesystem::path& path) const { save(path, GraphFileOptions{}); }

// The graph the function was built from (kept by its kernels, before rewrites), its input specs
// and the shared variables it binds (swapped ones for a copy): what save_function wrote for the
// same arguments, hence the same document.
void FunctionBase::save(const std::filesystem::path& path, const GraphFileOptions& options) const {
    TJ_CHECK(impl_, ValueError) << path.string() << ": save of an empty tj::Function";
    const detail::FunctionImpl& f = *impl_;
    const FunctionGraph& built = f.kernels().graph();
    if (!f.delete_updates()) {
        graph_file::write(path, built, f.inputs(), f.shared(), built.name, f.allow_input_downcast(),
                          options);
        return;
    }
    // A copy without updates computes the same outputs and leaves shared variables alone.
    FunctionGraph fg = built;
    fg.updates.clear();
    graph_file::write(path, fg, f.inputs(), f.shared(), fg.name, f.allow_input_downcast(), options);
}

} // namespace tensorjit
