/// \file
/// Graph nodes: immutable values built only through make_node(), which runs the op's type rule.
#pragma once

#include "runtime/rw_lock.hpp"

#include <tensorjit/tensor.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace tensorjit {

/// Every operation kind (compiler/graph/op_kinds.def).
enum class OpKind : std::uint16_t {
#define X(E, N) E,
#include "compiler/graph/op_kinds.def"
#undef X
};

/// The op's name ("add").
const char* op_name(OpKind k);

struct ScanBody;

/// Static attributes of a node: integer parameters (axes, shapes, flags), a dtype, and for a scan
/// its loop body (compiler/graph/scan_body.hpp).
struct Attrs {
    std::vector<std::int64_t> ints;
    DType dtype = DType::Float64;
    std::shared_ptr<const ScanBody> body; ///< Scan only: the loop body
    /// A stable text form used in graph keys and printing (a body contributes its canonical
    /// text's digest).
    std::string canonical() const;
    friend bool operator==(const Attrs& a, const Attrs& b);
};

/// The storage of a shared variable: its current value, shared by every function that uses it.
struct SharedStorage {
    /// Guards value: calls and get_value hold it shared while they read the value, calls that
    /// update the variable and set_value hold it exclusively (see
    /// compiler/function/function_impl.hpp).
    mutable RwLock mutex;
    Array value;
    TensorType type;
    std::string name;
    /// Builds the update a function applies when none is given (random generator states),
    /// from the variable's node in that function's graph; unset for ordinary shared variables.
    /// A builder rather than a node: the update reads the variable, so a stored node would keep
    /// its own storage alive (a reference cycle). The rebuilt draw is structurally the random
    /// variable itself, so the merge rewrite makes it one draw.
    std::function<std::shared_ptr<const Node>(const std::shared_ptr<const Node>& variable)>
        default_update;
};

using NodePtr = std::shared_ptr<const Node>;

struct Node {
    OpKind op = OpKind::Input;
    TensorType type;
    std::vector<NodePtr> inputs;
    Attrs attrs;
    std::string name;                       ///< Input and Shared names (may be empty)
    std::shared_ptr<SharedStorage> storage; ///< Shared only
    std::shared_ptr<const Array> value;     ///< Constant only (C-contiguous)
    bool weak = false;                      ///< a weakly typed scalar constant
    std::uint64_t serial = 0;               ///< creation order, unique per process

    bool is_leaf() const {
        return op == OpKind::Input || op == OpKind::Constant || op == OpKind::Shared;
    }

    Node() = default;
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;
    /// Iterative: dropping the last reference to a chain of 100000 nodes must not recurse once
    /// per node (the default destructor would, through `inputs`, and overflow the stack).
    ~Node();
};

/// The same, for a node whose inputs are already prepared and whose type is known (used when a
/// graph is rebuilt with replaced inputs of identical types).
NodePtr make_node_typed(OpKind op, std::vector<NodePtr> inputs, Attrs attrs, TensorType type);

NodePtr make_input(const std::string& name, TensorType type);
NodePtr make_constant(const Array& value, bool weak = false, const std::string& name = "");
NodePtr make_shared_node(std::shared_ptr<SharedStorage> storage);

/// Rebuilds the graphs of roots with nodes replaced: each key of `replace` stands for its value
/// (itself rebuilt, so replacements may use other keys; the caller rules out cycles). Nodes whose
/// inputs change are re-made with their original type. Returns the new roots in order.
std::vector<NodePtr> replace_nodes(std::span<const NodePtr> roots,
                                   const std::unordered_map<const Node*, NodePtr>& replace);

/// Nodes reachable from roots, inputs before users (deterministic: depth-first in input order).
std::vector<const Node*> topo_order(std::span<const NodePtr> roots);

/// While alive, describe() on this thread names Input and Shared leaves with `leaf_name` (the
/// kernel emitter uses it so generated source depends on the graph, not on variable names).
class LeafNamingScope {
  public:
    explicit LeafNamingScope(const std::function<std::string(const Node&)>* leaf_name);
    ~LeafNamingScope();
    LeafNamingScope(const LeafNamingScope&) = delete;
    LeafNamingScope& operator=(const LeafNamingScope&) = delete;

  private:
    const std::function<std::string(const Node&)>* previous_;
};

/// The owning pointer of every node reachable from roots (topo_order gives raw pointers).
std::unordered_map<const Node*, NodePtr> owners(std::span<const NodePtr> roots);

/// "add(x, exp(y))" — short expression text for messages (depth-limited). `leaf_name`, when
/// given, names Input and Shared leaves instead of their own names.
std::string describe(const Node& n, int depth = 2,
                     const std::function<std::string(const Node&)>* leaf_name = nullptr);

} // namespace tensorjit
