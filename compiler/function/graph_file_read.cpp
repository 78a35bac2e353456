// load_function: a graph file, validated entirely and re-typed node by node through the op
// records, then compiled (or found in the caches) as tj::function would. Nothing in the file is
// executed or evaluated: it only names ops, ids and arrays.
#include "compiler/function/function_impl.hpp"
#include "compiler/function/graph_file_format.hpp"
#include "compiler/function/profile_record.hpp"
#include "compiler/ops/op_def.hpp"

#include <tensorjit/graph_file.hpp>
#include <tensorjit/npy.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>
#include <unordered_set>

namespace tensorjit {

namespace {

using nlohmann::json;

// Every error of the reader: the file, where in it, and what is wrong.
class Reader {
  public:
    Reader(const std::filesystem::path& path, const GraphLoadOptions& options)
        : path_(path), file_(path.string()), options_(options) {}

    std::shared_ptr<detail::FunctionImpl> load();
    /// Reads and checks the file: the function graph, as load() would compile it.
    const FunctionGraph& read();

  private:
    [[noreturn]] void fail(const std::string& where, const std::string& what) const {
        TJ_THROW(ValueError) << file_ << ": " << where << (where.empty() ? "" : ": ") << what;
    }

    json parse() const;
    const json& member(const json& obj, const char* key, const std::string& where) const;
    std::int64_t integer(const json& j, const std::string& where, std::int64_t lo,
                         std::int64_t hi) const;
    const std::string& string(const json& j, const std::string& where) const;
    bool boolean(const json& j, const std::string& where) const;
    const json& array(const json& j, const std::string& where, std::size_t max) const;
    TensorType type(const json& j, const std::string& where) const;
    void check_type_size(const TensorType& t, const std::string& where) const;
    Array array_value(const json& j, const std::string& where) const;
    std::string node_where(std::size_t i) const;

    // The nodes of one graph of the file: the function's, or a scan body's.
    struct Graph {
        std::string prefix; ///< "" or "body 3: ", before "node 5"
        int body = -1;      ///< the body being read (its scans name earlier bodies only), or -1
        std::vector<NodePtr> nodes;
        int nesting = 0; ///< the deepest nesting of the bodies its scans name
    };

    void read_shared(const json& doc);
    void read_bodies(const json& doc);
    std::vector<int> read_taps(const json& j, const std::string& where) const;
    void read_graph_nodes(const json& nodes, Graph& g);
    void read_nodes(const json& doc);
    NodePtr read_op_node(const json& j, std::size_t i, OpKind op, const TensorType& declared,
                         Graph& g);
    void read_inputs(const json& doc);
    void read_roots(const json& doc);

    std::filesystem::path path_;
    bool downcast_ = false;
    std::string file_;
    const GraphLoadOptions& options_;

    std::vector<NodePtr> nodes_;
    std::vector<std::shared_ptr<const ScanBody>> bodies_;
    std::vector<int> body_nesting_; // per body: 1 + the nesting of the bodies its scans name
    std::vector<std::shared_ptr<SharedStorage>> storages_;
    std::vector<std::int64_t> shared_node_; // shared index -> the node id the file names
    std::vector<detail::InputSpec> specs_;
    FunctionGraph fg_;
};

json Reader::parse() const {
    std::error_code ec;
    TJ_CHECK(std::filesystem::is_regular_file(path_, ec), ValueError)
        << file_ << ": not a readable graph file (no such regular file)";
    const std::uintmax_t size = std::filesystem::file_size(path_, ec);
    TJ_CHECK(!ec, ValueError) << file_ << ": cannot read its size: " << ec.message();
    // The size first: a huge file is refused before anything is read or allocated for it.
    TJ_CHECK(size <= graph_file::kMaxFileBytes, ValueError)
        << file_ << ": the file has " << size << " bytes, more than the limit of "
        << graph_file::kMaxFileBytes << " for a graph file";
    std::ifstream in(path_, std::ios::binary);
    TJ_CHECK(in, ValueError) << file_ << ": cannot open for reading";
    std::string text(static_cast<std::size_t>(size), '\0');
    in.read(text.data(), static_cast<std::streamsize>(size));
    TJ_CHECK(in.gcount() == static_cast<std::streamsize>(size), ValueError)
        << file_ << ": read failed";
    // Nesting is bounded: the document is a few levels deep, and a deeply nested file would
    // only cost memory and time.
    const json::parser_callback_t depth_limit = [this](int depth, json::parse_event_t,
                                                       json&) -> bool {
        if (depth > static_cast<int>(graph_file::kMaxJsonDepth))
            fail("", "the JSON is nested more than " + std::to_string(graph_file::kMaxJsonDepth) +
                         " levels deep");
        return true;
    };
    try {
        return json::parse(text, depth_limit);
    } catch (const json::exception& e) {
        // parse_error names the byte position; invalid UTF-8 is one of its cases.
        fail("", std::string("not a valid JSON document: ") + e.what());
    }
}

const json& Reader::member(const json& obj, const char* key, const std::string& where) const {
    if (!obj.is_object()) fail(where, "expected a JSON object");
    auto it = obj.find(key);
    if (it == obj.end()) fail(where, std::string("\"") + key + "\" is missing");
    return *it;
}

std::int64_t Reader::integer(const json& j, const std::string& where, std::int64_t lo,
                             std::int64_t hi) const {
    if (!j.is_number_integer()) fail(where, "expected an integer, got " + j.dump(-1, ' ', true));
    if (j.is_number_unsigned() &&
        j.get<std::uint64_t>() >
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        fail(where, "the integer " + j.dump() + " is out of range");
    const auto v = j.get<std::int64_t>();
    if (v < lo || v > hi)
        fail(where, "the integer " + std::to_string(v) + " is outside [" + std::to_string(lo) +
                        ", " + std::to_string(hi) + "]");
    return v;
}

const std::string& Reader::string(const json& j, const std::string& where) const {
    if (!j.is_string()) fail(where, "expected a string");
    return j.get_ref<const std::string&>();
}

bool Reader::boolean(const json& j, const std::string& where) const {
    if (!j.is_boolean()) fail(where, "expected true or false");
    return j.get<bool>();
}

const json& Reader::array(const json& j, const std::string& where, std::size_t max) const {
    if (!j.is_array()) fail(where, "expected a JSON array");
    if (j.size() > max)
        fail(where, "has " + std::to_string(j.size()) + " entries, more than the limit of " +
                        std::to_string(max));
    return j;
}

void Reader::check_type_size(const TensorType& t, const std::string& where) const {
    std::int64_t elements = 1;
    for (auto d : t.shape) {
        if (d == dyn) continue;
        if (d < 0 || d > graph_file::kMaxExtent)
            fail(where, "the extent " + std::to_string(d) + " of type " + t.str() +
                            " is negative or huge");
        // Checked before multiplying: the product must not overflow.
        if (d != 0 && elements > graph_file::kMaxElements / d)
            fail(where, "type " + t.str() + " has more than " +
                            std::to_string(graph_file::kMaxElements) + " elements");
        elements *= d;
    }
}

TensorType Reader::type(const json& j, const std::string& where) const {
    const std::string w = where + ": type";
    const auto dt = graph_file::dtype_from_name(string(member(j, "dtype", w), w + ": dtype"));
    if (!dt) fail(w, "unknown dtype \"" + j.at("dtype").get<std::string>() + "\"");
    const json& shape = array(member(j, "shape", w), w + ": shape", kMaxNdim);
    TensorType t;
    t.dtype = *dt;
    for (const auto& d : shape) {
        if (d.is_null()) {
            t.shape.push_back(dyn);
            continue;
        }
        const std::int64_t v = integer(d, w + ": shape", std::numeric_limits<std::int64_t>::min(),
                                       std::numeric_limits<std::int64_t>::max());
        // dyn is written null: a negative number is never an extent.
        if (v < 0 || v > graph_file::kMaxExtent)
            fail(w, "the extent " + std::to_string(v) + " is negative or huge");
        t.shape.push_back(v);
    }
    check_type_size(t, w);
    return t;
}

Array Reader::array_value(const json& j, const std::string& where) const {
    const auto bytes = graph_file::base64_decode(string(j, where));
    if (!bytes) fail(where, "not valid base64");
    try {
        return graph_file::npy_from_bytes(*bytes, file_ + ": " + where + ": .npy value");
    } catch (const ValueError&) {
        throw;
    } catch (const std::exception& e) {
        fail(where, std::string("not a valid .npy value: ") + e.what());
    }
}

std::string Reader::node_where(std::size_t i) const { return "node " + std::to_string(i); }

// Shared variables come first: shared nodes refer to them.
void Reader::read_shared(const json& doc) {
    const json& shared = array(member(doc, "shared", ""), "shared", graph_file::kMaxNodes);
    std::unordered_set<std::string> bound_names;
    for (std::size_t k = 0; k < shared.size(); ++k) {
        const std::string where = "shared variable " + std::to_string(k);
        const json& s = shared[k];
        const std::string& name = string(member(s, "name", where), where + ": name");
        const TensorType t = type(member(s, "type", where), where);
        shared_node_.push_back(integer(member(s, "node", where), where + ": node", 0,
                                       static_cast<std::int64_t>(graph_file::kMaxNodes)));
        std::shared_ptr<SharedStorage> storage;
        for (const auto& b : options_.bind) {
            if (!b.storage() || name.empty() || b.storage()->name != name) continue;
            if (!(b.storage()->type == t))
                fail(where, "\"" + name + "\" has type " + t.str() +
                                " in the file, the variable bound to it has " +
                                b.storage()->type.str());
            storage = b.storage();
        }
        if (storage) {
            if (!bound_names.insert(name).second)
                fail(where, "two shared variables of the file are named \"" + name +
                                "\": neither can be bound by name");
            storages_.push_back(storage);
            continue;
        }
        Array value;
        if (s.contains("value")) {
            value = array_value(s["value"], where + ": value");
        } else if (s.contains("value_file")) {
            const std::string& beside = string(s["value_file"], where + ": value_file");
            // Only a plain file name next to the graph file: a file names no other path.
            const std::filesystem::path p(beside);
            if (beside.empty() || p.has_parent_path() || p != p.filename() || beside == "." ||
                beside == ".." || beside.find('\\') != std::string::npos ||
                beside.find('/') != std::string::npos)
                fail(where, "value_file \"" + beside + "\" is not a plain file name");
            try {
                value = load_npy(path_.parent_path() / p);
            } catch (const ValueError& e) {
                fail(where, e.what());
            }
        } else {
            fail(where,
                 "\"" + name + "\" has no value in the file: bind it (GraphLoadOptions::bind)");
        }
        if (value.dtype() != t.dtype || !t.accepts_shape(value.shape()))
            fail(where, "the value (" + std::string(dtype_name(value.dtype())) +
                            shape_str(value.shape()) + ") does not fit the type " + t.str());
        auto st = std::make_shared<SharedStorage>();
        st->name = name;
        st->type = t;
        st->value = value.copy();
        storages_.push_back(std::move(st));
    }
}

NodePtr Reader::read_op_node(const json& j, std::size_t i, OpKind op, const TensorType& declared,
                             Graph& g) {
    const std::string where = g.prefix + node_where(i) + " (" + op_name(op) + ")";
    const json& in = array(member(j, "inputs", where), where + ": inputs", 1 << 20);
    std::vector<NodePtr> inputs;
    for (const auto& x : in) {
        const std::int64_t k =
            integer(x, where + ": inputs", std::numeric_limits<std::int64_t>::min(),
                    std::numeric_limits<std::int64_t>::max());
        // Only earlier nodes: this is what rules out cycles.
        if (k < 0 || k >= static_cast<std::int64_t>(i))
            fail(where, "input " + std::to_string(inputs.size()) + " refers to node " +
                            std::to_string(k) +
                            ", which is not before it (a cycle or a forward reference)");
        inputs.push_back(g.nodes[static_cast<std::size_t>(k)]);
    }
    const json& a = member(j, "attrs", where);
    Attrs attrs;
    for (const auto& v : array(member(a, "ints", where + ": attrs"), where + ": attrs: ints",
                               graph_file::kMaxAttrInts))
        attrs.ints.push_back(integer(v, where + ": attrs: ints",
                                     std::numeric_limits<std::int64_t>::min(),
                                     std::numeric_limits<std::int64_t>::max()));
    const auto dt = graph_file::dtype_from_name(
        string(member(a, "dtype", where + ": attrs"), where + ": attrs: dtype"));
    if (!dt) fail(where + ": attrs", "unknown dtype \"" + a["dtype"].get<std::string>() + "\"");
    attrs.dtype = *dt;
    if (op == OpKind::Scan) {
        // Bodies are read before the graphs that use them, a body's scans name earlier ones:
        // no body contains a scan of itself.
        const std::int64_t limit = g.body >= 0 ? g.body : static_cast<std::int64_t>(bodies_.size());
        const std::int64_t k = integer(
            member(a, "body", where + ": attrs"), where + ": attrs: body",
            std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max());
        if (k < 0 || k >= limit)
            fail(where + ": attrs: body",
                 "body " + std::to_string(k) +
                     (g.body >= 0 ? " is not before body " + std::to_string(g.body) +
                                        " (a body's scans name earlier bodies only: no cycles)"
                                  : " does not exist (the file has " +
                                        std::to_string(bodies_.size()) + " bodies)"));
        attrs.body = bodies_[static_cast<std::size_t>(k)];
        g.nesting = std::max(g.nesting, body_nesting_[static_cast<std::size_t>(k)]);
    } else if (a.contains("body")) {
        fail(where + ": attrs", "only scan nodes have a body");
    }

    const OpDef& def = op_def(op);
    if (def.arity >= 0 && static_cast<int>(inputs.size()) != def.arity)
        fail(where, "takes " + std::to_string(def.arity) + " inputs, the file gives " +
                        std::to_string(inputs.size()));
    if (const auto problem = graph_file::attrs_problem(op, inputs, attrs))
        fail(where, "invalid attributes: " + *problem);
    TensorType rule;
    try {
        // The file holds prepared nodes (inputs already cast to the op's dtypes): preparing them
        // again must change nothing, or the node is not one make_node would have made.
        if (def.prepare) {
            std::vector<NodePtr> prepared = inputs;
            Attrs prepared_attrs = attrs;
            def.prepare(prepared, prepared_attrs);
            bool same = prepared.size() == inputs.size() && prepared_attrs == attrs;
            for (std::size_t k = 0; same && k < inputs.size(); ++k)
                same = prepared[k] == inputs[k] ||
                       (prepared[k]->op == OpKind::Constant && inputs[k]->op == OpKind::Constant &&
                        prepared[k]->type == inputs[k]->type &&
                        prepared[k]->value->equals(*inputs[k]->value));
            if (!same)
                fail(where, "its inputs or attributes are not in the form the op requires (an "
                            "input of another dtype without its cast)");
        }
        rule = def.type_rule(inputs, attrs);
    } catch (const ValueError& e) {
        if (std::string_view(e.what()).starts_with(file_)) throw;
        fail(where, std::string("invalid node: ") + e.what());
    } catch (const std::exception& e) {
        fail(where, std::string("invalid node: ") + e.what());
    }
    if (!(rule == declared))
        fail(where, "the file declares type " + declared.str() + ", the op's type rule gives " +
                        rule.str());
    return make_node_typed(op, std::move(inputs), std::move(attrs), std::move(rule));
}

// The nodes of a graph (the function's or a body's): ids in order, leaves, typed op nodes.
void Reader::read_graph_nodes(const json& nodes, Graph& g) {
    g.nodes.reserve(nodes.size());
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const json& j = nodes[i];
        const std::string where = g.prefix + node_where(i);
        // Ids are positions: unique, and a node can only refer to nodes before it (no cycles).
        const std::int64_t id = integer(member(j, "id", where), where + ": id", 0,
                                        std::numeric_limits<std::int64_t>::max());
        if (id != static_cast<std::int64_t>(i))
            fail(where, "has id " + std::to_string(id) + " (ids must be 0, 1, 2... in order)");
        const std::string& name = string(member(j, "op", where), where + ": op");
        const auto op = graph_file::op_from_name(name);
        if (!op) fail(where, "unknown op \"" + name + "\"");
        const std::string w = where + " (" + name + ")";
        const TensorType declared = type(member(j, "type", w), w);
        NodePtr n;
        switch (*op) {
        case OpKind::Input:
            n = make_input(string(member(j, "name", w), w + ": name"), declared);
            break;
        case OpKind::Constant: {
            const Array value = array_value(member(j, "value", w), w + ": value");
            const bool weak = j.contains("weak") && boolean(j["weak"], w + ": weak");
            const std::string cname =
                j.contains("name") ? string(j["name"], w + ": name") : std::string();
            const TensorType t{value.dtype(), value.shape()};
            if (!(t == declared))
                fail(w, "the file declares type " + declared.str() + ", the value has " + t.str());
            n = make_constant(value, weak, cname);
            break;
        }
        case OpKind::Shared: {
            // A step reads shared variables through placeholders (tj::scan carries them).
            if (g.body >= 0) fail(w, "a scan body reads shared variables through placeholders");
            const std::int64_t k = integer(member(j, "shared", w), w + ": shared", 0,
                                           static_cast<std::int64_t>(storages_.size()) - 1);
            const auto& storage = storages_[static_cast<std::size_t>(k)];
            if (!(storage->type == declared))
                fail(w, "the file declares type " + declared.str() + ", shared variable " +
                            std::to_string(k) + " has " + storage->type.str());
            n = make_shared_node(storage);
            break;
        }
        default:
            n = read_op_node(j, i, *op, declared, g);
            break;
        }
        g.nodes.push_back(std::move(n));
    }
}

std::vector<int> Reader::read_taps(const json& j, const std::string& where) const {
    std::vector<int> taps;
    for (const auto& t : array(j, where, graph_file::kMaxNodes))
        taps.push_back(
            static_cast<int>(integer(t, where, -graph_file::kMaxScanTap, graph_file::kMaxScanTap)));
    return taps;
}

// Scan bodies, before the function's nodes (its scans name them), each after the bodies its own
// scans name. Nothing recurses: a body is built from nodes and earlier bodies.
void Reader::read_bodies(const json& doc) {
    if (!doc.contains("bodies")) return; // a file without scans
    const json& bodies = array(doc["bodies"], "bodies", graph_file::kMaxNodes);
    for (std::size_t b = 0; b < bodies.size(); ++b) {
        const std::string where = "body " + std::to_string(b);
        const json& j = bodies[b];
        auto body = std::make_shared<ScanBody>();
        body->name = string(member(j, "name", where), where + ": name");
        const std::string w = where + " (\"" + body->name + "\")";
        for (const auto& t :
             array(member(j, "seq_taps", w), w + ": seq_taps", graph_file::kMaxNodes))
            body->seq_taps.push_back(read_taps(t, w + ": seq_taps"));
        for (const auto& t :
             array(member(j, "state_taps", w), w + ": state_taps", graph_file::kMaxNodes))
            body->state_taps.push_back(read_taps(t, w + ": state_taps"));
        const auto most = static_cast<std::int64_t>(graph_file::kMaxNodes);
        body->n_nonseq =
            static_cast<int>(integer(member(j, "n_nonseq", w), w + ": n_nonseq", 0, most));
        body->n_visible =
            static_cast<int>(integer(member(j, "n_visible", w), w + ": n_visible", 0, most));
        body->go_backwards = boolean(member(j, "go_backwards", w), w + ": go_backwards");
        body->has_until = boolean(member(j, "has_until", w), w + ": has_until");

        Graph g{where + ": ", static_cast<int>(b), {}, 0};
        read_graph_nodes(array(member(j, "nodes", w), w + ": nodes", graph_file::kMaxNodes), g);
        if (g.nesting + 1 > graph_file::kMaxScanNesting)
            fail(w,
                 "scans nest more than " + std::to_string(graph_file::kMaxScanNesting) + " deep");
        const auto last = static_cast<std::int64_t>(g.nodes.size()) - 1;
        // Placeholders: every input node of the body, each once, in the order the step reads
        // them.
        std::unordered_set<const Node*> listed;
        for (const auto& x : array(member(j, "inputs", w), w + ": inputs", graph_file::kMaxNodes)) {
            const NodePtr& n =
                g.nodes[static_cast<std::size_t>(integer(x, w + ": inputs", 0, last))];
            if (n->op != OpKind::Input)
                fail(w + ": inputs", "refers to a node that is not an input (a placeholder)");
            if (!listed.insert(n.get()).second)
                fail(w + ": inputs", "refers to an input listed before");
            body->inputs.push_back(n);
        }
        for (std::size_t i = 0; i < g.nodes.size(); ++i)
            if (g.nodes[i]->op == OpKind::Input && !listed.count(g.nodes[i].get()))
                fail(where + ": " + node_where(i) + " (input)", "is not among the body's inputs");
        for (const auto& x : array(member(j, "outputs", w), w + ": outputs", graph_file::kMaxNodes))
            body->outputs.push_back(
                g.nodes[static_cast<std::size_t>(integer(x, w + ": outputs", 0, last))]);
        if (const auto problem = graph_file::scan_body_problem(*body)) fail(w, *problem);
        body->seal();
        bodies_.push_back(std::move(body));
        body_nesting_.push_back(g.nesting + 1);
    }
}

void Reader::read_nodes(const json& doc) {
    Graph g;
    read_graph_nodes(array(member(doc, "nodes", ""), "nodes", graph_file::kMaxNodes), g);
    nodes_ = std::move(g.nodes);
    // Each shared variable's own node.
    for (std::size_t k = 0; k < shared_node_.size(); ++k) {
        const std::int64_t id = shared_node_[k];
        const std::string where = "shared variable " + std::to_string(k);
        if (id >= static_cast<std::int64_t>(nodes_.size()))
            fail(where, "node " + std::to_string(id) + " does not exist");
        const NodePtr& n = nodes_[static_cast<std::size_t>(id)];
        if (n->op != OpKind::Shared || n->storage != storages_[k])
            fail(where, "node " + std::to_string(id) + " is not a node of this shared variable");
        fg_.shared.push_back(n);
    }
}

void Reader::read_inputs(const json& doc) {
    const json& inputs = array(member(doc, "inputs", ""), "inputs", graph_file::kMaxNodes);
    std::unordered_set<const Node*> listed;
    bool seen_default = false;
    const auto last = static_cast<std::int64_t>(nodes_.size()) - 1;
    for (std::size_t k = 0; k < inputs.size(); ++k) {
        const std::string where = "input " + std::to_string(k);
        const json& in = inputs[k];
        const NodePtr& n = nodes_[static_cast<std::size_t>(
            integer(member(in, "node", where), where + ": node", 0, last))];
        if (n->op != OpKind::Input) fail(where, "refers to a node that is not an input");
        if (!listed.insert(n.get()).second) fail(where, "refers to an input listed before");
        detail::InputSpec spec{n->type, string(member(in, "name", where), where + ": name"),
                               n->name, std::nullopt};
        if (in.contains("default")) {
            Array v = array_value(in["default"], where + ": default");
            if (v.dtype() != n->type.dtype || !n->type.accepts_shape(v.shape()))
                fail(where, "the default value (" + std::string(dtype_name(v.dtype())) +
                                shape_str(v.shape()) + ") does not fit the type " + n->type.str());
            spec.default_value = std::move(v);
            seen_default = true;
        } else if (seen_default) {
            fail(where, "has no default value but follows an input with one");
        }
        specs_.push_back(std::move(spec));
        fg_.inputs.push_back(n);
    }
    for (std::size_t i = 0; i < nodes_.size(); ++i)
        if (nodes_[i]->op == OpKind::Input && !listed.count(nodes_[i].get()))
            fail(node_where(i) + " (input)", "is not among the function's inputs");
}

void Reader::read_roots(const json& doc) {
    const auto last = static_cast<std::int64_t>(nodes_.size()) - 1;
    for (const auto& o : array(member(doc, "outputs", ""), "outputs", graph_file::kMaxNodes)) {
        const auto id = integer(o, "outputs", 0, last);
        const NodePtr& n = nodes_[static_cast<std::size_t>(id)];
        // A leaf output would alias an input or a shared value (tj::function copies them).
        if (n->is_leaf()) fail("outputs", node_where(id) + " is a leaf (" + op_name(n->op) + ")");
        fg_.outputs.push_back(n);
    }
    std::unordered_set<std::int64_t> updated;
    const json& updates = array(member(doc, "updates", ""), "updates", graph_file::kMaxNodes);
    for (std::size_t i = 0; i < updates.size(); ++i) {
        const std::string where = "update " + std::to_string(i);
        const auto k = integer(member(updates[i], "shared", where), where + ": shared", 0,
                               static_cast<std::int64_t>(storages_.size()) - 1);
        const auto id = integer(member(updates[i], "value", where), where + ": value", 0, last);
        if (!updated.insert(k).second)
            fail(where, "shared variable " + std::to_string(k) + " is updated twice");
        const NodePtr& v = nodes_[static_cast<std::size_t>(id)];
        if (v->is_leaf()) fail(where, node_where(id) + " is a leaf (" + op_name(v->op) + ")");
        const TensorType& t = storages_[static_cast<std::size_t>(k)]->type;
        bool fits = v->type.dtype == t.dtype && v->type.ndim() == t.ndim();
        for (int d = 0; fits && d < t.ndim(); ++d)
            fits = t.shape[d] == dyn || v->type.shape[d] == dyn || t.shape[d] == v->type.shape[d];
        if (!fits)
            fail(where, "the value (" + v->type.str() + ") does not fit shared variable " +
                            std::to_string(k) + " (" + t.str() + ")");
        fg_.updates.push_back({static_cast<int>(k), v});
    }
}

const FunctionGraph& Reader::read() {
    const json doc = parse();
    if (!doc.is_object()) fail("", "not a graph file (the document is not a JSON object)");
    if (!doc.contains("format") || doc["format"] != graph_file::kFormat)
        fail("", "not a graph file (\"format\" is not \"tensorjit-graph\")");
    const std::int64_t version =
        integer(member(doc, "version", ""), "version", 0, std::numeric_limits<std::int64_t>::max());
    if (version != graph_file::kVersion)
        fail("", "format version " + std::to_string(version) +
                     " is not supported (this "
                     "build reads version " +
                     std::to_string(graph_file::kVersion) + ")");
    fg_.name = string(member(doc, "name", ""), "name");
    downcast_ = boolean(member(doc, "allow_input_downcast", ""), "allow_input_downcast");
    fg_.rewrites = boolean(member(doc, "rewrites", ""), "rewrites");
    read_shared(doc);
    read_bodies(doc);
    read_nodes(doc);
    read_inputs(doc);
    read_roots(doc);
    return fg_;
}

std::shared_ptr<detail::FunctionImpl> Reader::load() {
    read();
    const std::string name = fg_.name;
    const bool downcast = downcast_;
    // Profiling is not in the file: the process's default (TJ_PROFILE), as for tj::function.
    fg_.profile = detail::profile_enabled();
    auto kernel = get_kernel(fg_);
    count_function_built();
    if (options_.shared) {
        options_.shared->clear();
        for (std::size_t k = 0; k < storages_.size(); ++k)
            options_.shared->push_back(SharedAccess::wrap(storages_[k], fg_.shared[k]));
    }
    return std::make_shared<detail::FunctionImpl>(
        std::make_shared<const KernelVariants>(fg_, std::move(kernel)), std::move(specs_),
        std::move(storages_), downcast, name.empty() ? "function" : name);
}

} // namespace

FunctionGraph graph_file::read_graph(const std::filesystem::path& path) {
    return Reader(path, {}).read();
}

Function load_function(const std::filesystem::path& path, const GraphLoadOptions& options) {
    auto impl = Reader(path, options).load();
    TJ_CHECK(impl->num_outputs() == 1, ValueError)
        << path.string() << ": the graph has " << impl->num_outputs()
        << " outputs: load it with tj::load_multi_function";
    return Function(std::move(impl));
}

MultiFunction load_multi_function(const std::filesystem::path& path,
                                  const GraphLoadOptions& options) {
    return MultiFunction(Reader(path, options).load());
}

} // namespace tensorjit
