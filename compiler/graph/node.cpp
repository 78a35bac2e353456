// Node construction, the public Var/TensorType helpers, traversal and printing.
#include "compiler/graph/node.hpp"

#include "compiler/graph/scan_body.hpp"

#include <atomic>
#include <cstring>
#include <sstream>
#include <unordered_set>

namespace tensorjit {

namespace {
std::uint64_t next_serial() {
    static std::atomic<std::uint64_t> counter{0};
    return ++counter;
}
} // namespace

const char* op_name(OpKind k) {
    static constexpr const char* kNames[] = {
#define X(E, N) N,
#include "compiler/graph/op_kinds.def"
#undef X
    };
    return kNames[static_cast<int>(k)];
}

std::string Attrs::canonical() const {
    std::string s = std::string(dtype_name(dtype));
    for (auto i : ints) s += "," + std::to_string(i);
    if (body) s += ",body " + body->digest;
    return s;
}

bool operator==(const Attrs& a, const Attrs& b) {
    if (a.ints != b.ints || a.dtype != b.dtype) return false;
    if (a.body == b.body) return true;
    return a.body && b.body && a.body->digest == b.body->digest;
}

// ---- TensorType -------------------------------------------------------------------------------

std::string TensorType::str() const {
    std::string s = std::string(dtype_name(dtype)) + "[";
    for (int i = 0; i < shape.size(); ++i) {
        if (i) s += ", ";
        s += shape[i] == dyn ? "?" : std::to_string(shape[i]);
    }
    return s + "]";
}

bool TensorType::accepts_shape(const Dims& s) const {
    if (s.size() != shape.size()) return false;
    for (int i = 0; i < s.size(); ++i)
        if (shape[i] != dyn && shape[i] != s[i]) return false;
    return true;
}

// ---- nodes ------------------------------------------------------------------------------------

Node::~Node() {
    // Take the inputs over; an input this node held the last reference to gives up its own
    // inputs the same way before it is destroyed, so every destructor below runs with no inputs
    // left and nothing recurses. Each pointer is dropped on its own, so a node that appears
    // twice (x + x) is destroyed by the second drop, also with its inputs taken.
    if (inputs.empty()) return;
    std::vector<NodePtr> pending = std::move(inputs);
    while (!pending.empty()) {
        NodePtr n = std::move(pending.back());
        pending.pop_back();
        // The last owner: nobody else can reach the node, so taking its inputs is safe. The
        // node was made non-const (make_shared<Node>), so the cast is allowed.
        if (n.use_count() == 1) {
            auto& its_inputs = const_cast<Node&>(*n).inputs;
            for (auto& in : its_inputs) pending.push_back(std::move(in));
            its_inputs.clear();
        }
    }
}

NodePtr make_node_typed(OpKind op, std::vector<NodePtr> inputs, Attrs attrs, TensorType type) {
    auto n = std::make_shared<Node>();
    n->op = op;
    n->type = std::move(type);
    n->inputs = std::move(inputs);
    n->attrs = std::move(attrs);
    n->serial = next_serial();
    return n;
}

NodePtr make_input(const std::string& name, TensorType type) {
    auto n = std::make_shared<Node>();
    n->op = OpKind::Input;
    n->type = std::move(type);
    n->name = name;
    n->serial = next_serial();
    return n;
}

NodePtr make_constant(const Array& value, bool weak, const std::string& name) {
    auto n = std::make_shared<Node>();
    n->op = OpKind::Constant;
    n->type = TensorType{value.dtype(), value.shape()};
    n->value = std::make_shared<const Array>(value.copy());
    n->weak = weak;
    n->name = name;
    n->serial = next_serial();
    return n;
}

NodePtr make_shared_node(std::shared_ptr<SharedStorage> storage) {
    auto n = std::make_shared<Node>();
    n->op = OpKind::Shared;
    n->type = storage->type;
    n->name = storage->name;
    n->storage = std::move(storage);
    n->serial = next_serial();
    return n;
}

std::vector<const Node*> topo_order(std::span<const NodePtr> roots) {
    std::vector<const Node*> order;
    std::unordered_set<const Node*> seen;
    // Iterative DFS (graphs can be deep: long chains of updates).
    std::vector<std::pair<const Node*, std::size_t>> stack;
    for (const auto& r : roots) {
        if (!r || seen.count(r.get())) continue;
        stack.push_back({r.get(), 0});
        seen.insert(r.get());
        while (!stack.empty()) {
            auto& [n, i] = stack.back();
            if (i < n->inputs.size()) {
                const Node* c = n->inputs[i++].get();
                if (seen.insert(c).second) stack.push_back({c, 0});
                continue;
            }
            order.push_back(n);
            stack.pop_back();
        }
    }
    return order;
}

std::unordered_map<const Node*, NodePtr> owners(std::span<const NodePtr> roots) {
    std::unordered_map<const Node*, NodePtr> owner;
    std::vector<NodePtr> stack(roots.begin(), roots.end());
    while (!stack.empty()) {
        NodePtr n = std::move(stack.back());
        stack.pop_back();
        if (!n || !owner.emplace(n.get(), n).second) continue;
        for (const auto& in : n->inputs) stack.push_back(in);
    }
    return owner;
}

std::vector<NodePtr> replace_nodes(std::span<const NodePtr> roots,
                                   const std::unordered_map<const Node*, NodePtr>& replace) {
    std::unordered_map<const Node*, NodePtr> done;
    // Iterative post-order (graphs can be deep): a node is rebuilt once its replacement or all its
    // inputs are.
    auto resolve = [&](const NodePtr& root) {
        std::vector<const NodePtr*> stack{&root};
        while (!stack.empty()) {
            const NodePtr& n = *stack.back();
            if (done.count(n.get())) {
                stack.pop_back();
                continue;
            }
            auto r = replace.find(n.get());
            if (r != replace.end()) {
                auto d = done.find(r->second.get());
                if (d == done.end()) {
                    stack.push_back(&r->second);
                    continue;
                }
                done[n.get()] = d->second;
                stack.pop_back();
                continue;
            }
            bool ready = true;
            for (const auto& in : n->inputs)
                if (!done.count(in.get())) {
                    stack.push_back(&in);
                    ready = false;
                }
            if (!ready) continue;
            std::vector<NodePtr> inputs;
            bool changed = false;
            for (const auto& in : n->inputs) {
                inputs.push_back(done.at(in.get()));
                changed |= inputs.back() != in;
            }
            done[n.get()] =
                changed ? make_node_typed(n->op, std::move(inputs), n->attrs, n->type) : n;
            stack.pop_back();
        }
        return done.at(root.get());
    };
    std::vector<NodePtr> out;
    for (const auto& r : roots) out.push_back(resolve(r));
    return out;
}

namespace {
thread_local const std::function<std::string(const Node&)>* t_leaf_name = nullptr;
} // namespace

LeafNamingScope::LeafNamingScope(const std::function<std::string(const Node&)>* leaf_name)
    : previous_(t_leaf_name) {
    t_leaf_name = leaf_name;
}
LeafNamingScope::~LeafNamingScope() { t_leaf_name = previous_; }

namespace {

// Appends the text of a leaf to out; false (nothing appended) for an op node.
bool leaf_text(const Node& n, const std::function<std::string(const Node&)>* leaf_name,
               std::string& out) {
    switch (n.op) {
    case OpKind::Input:
    case OpKind::Shared:
        if (leaf_name)
            out += (*leaf_name)(n);
        else
            out += n.name.empty() ? std::string("<") + n.type.str() + ">" : n.name;
        return true;
    case OpKind::Constant:
        if (n.value->size() == 1) {
            std::ostringstream os;
            os << n.value->item_double();
            out += os.str();
        } else {
            out += "constant" + shape_str(n.value->shape());
        }
        return true;
    default:
        return false;
    }
}

// Past this many characters, describe() prints deeper inputs as "op(...)": a graph that reuses
// values (y = y * y, repeated) would otherwise print exponentially long text.
constexpr std::size_t kDescribeMaxChars = std::size_t{1} << 20;

} // namespace

std::string describe(const Node& root, int depth,
                     const std::function<std::string(const Node&)>* leaf_name) {
    if (!leaf_name) leaf_name = t_leaf_name;
    // Iterative (to_string prints 1000 levels deep): a stack of op nodes being printed, each
    // with its remaining depth and the next input to print.
    struct Frame {
        const Node* n;
        int depth;
        std::size_t next;
    };
    std::vector<Frame> stack;
    std::string out;
    auto open = [&](const Node& n, int d) {
        if (leaf_text(n, leaf_name, out)) return;
        out += op_name(n.op);
        if (n.op == OpKind::Cast) out += "{" + std::string(dtype_name(n.attrs.dtype)) + "}";
        out += "(";
        if (d <= 0) {
            out += "...)";
            return;
        }
        stack.push_back({&n, d, 0});
    };
    open(root, depth);
    while (!stack.empty()) {
        Frame& f = stack.back();
        if (f.next == f.n->inputs.size()) {
            out += ")";
            stack.pop_back();
            continue;
        }
        if (f.next) out += ", ";
        const Node& child = *f.n->inputs[f.next++];
        const int d = out.size() > kDescribeMaxChars ? 0 : f.depth - 1;
        open(child, d); // may push: f is not used after this
    }
    return out;
}

// ---- Var --------------------------------------------------------------------------------------

const TensorType& Var::type() const {
    TJ_CHECK(node_, ValueError) << "use of an undefined variable";
    return node_->type;
}

const std::string& Var::name() const {
    TJ_CHECK(node_, ValueError) << "use of an undefined variable";
    return node_->name;
}

Var::Var(const Array& value) : node_(make_constant(value)) {}

Var Var::make_weak_constant(const Array& value) { return Var(make_constant(value, true)); }

std::string to_string(const Var& v) {
    return v.defined() ? describe(*v.node(), 1000) : "<undefined>";
}

Var tensor(const std::string& name, DType dtype, const Dims& shape) {
    for (auto d : shape)
        TJ_CHECK(d == dyn || d >= 0, ShapeError)
            << "tensor " << name << ": extent " << d << " is neither tj::dyn nor >= 0";
    return Var(make_input(name, TensorType{dtype, shape}));
}

Var scalar(const std::string& name, DType dtype) { return tensor(name, dtype, {}); }
Var vector(const std::string& name, DType dtype) { return tensor(name, dtype, {dyn}); }
Var matrix(const std::string& name, DType dtype) { return tensor(name, dtype, {dyn, dyn}); }
Var tensor3(const std::string& name, DType dtype) { return tensor(name, dtype, {dyn, dyn, dyn}); }
Var tensor4(const std::string& name, DType dtype) {
    return tensor(name, dtype, {dyn, dyn, dyn, dyn});
}

Var constant(const Array& value, const std::string& name) {
    return Var(make_constant(value, false, name));
}

} // namespace tensorjit
