/// \file
/// Lowers a function graph (after rewrites) to ONE C++ translation unit: the templates of
/// codegen_templates/ followed by an `extern "C"` entry point that computes every output and
/// update, with element-wise chains fused into single loops.
#pragma once

#include "compiler/codegen/binding_plan.hpp"
#include "compiler/function/function_graph.hpp"

#include <functional>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

namespace tensorjit::codegen {

struct KernelSource {
    std::string text;
    BindingPlan plan;
};

/// Generates the kernel named `symbol` for g. Precondition: every output/update root is a
/// computed node (function() wraps bare leaves in identity).
KernelSource emit_kernel(const FunctionGraph& g, const std::string& symbol);

/// Fault injection for tests: when set, every generated source passes through `hook` before it
/// is compiled (e.g. to check how a Clang failure is reported). Not thread-safe; tests only.
void set_source_hook(std::function<void(std::string&)> hook);
/// Applies the hook set by set_source_hook (no-op without one).
void apply_source_hook(std::string& source);

/// What an OpDef's `emit` sees: the code being written and the names of values.
class KernelEmitter {
  public:
    /// The kernel body being written (inside the entry point).
    std::ostringstream& out() { return body_; }
    /// An expression of type `tj_arr*` holding the value of n (a slot, or a constant).
    std::string arr(const Node* n);
    /// The slot of a materialized node.
    int slot(const Node* n) const;
    /// The node's id (index into the plan's node names, for tj_rt_* error calls).
    int id(const Node* n) const;
    /// The C type of a dtype ("double").
    static std::string ctype(DType t);
    /// A fresh identifier with the given prefix.
    std::string fresh(const char* prefix);
    /// Writes a C literal of the given dtype for value (exact: floats in hex).
    static std::string literal(DType t, double value);
    /// Asks for a template file to be pasted before the entry point (once).
    void require_template(const char* name);
    /// True when n's slot is a temporary (so n may alias another value's memory).
    bool is_temp(const Node* n) const;
    /// The kind of the slot that holds n's value.
    SlotPlan::Kind slot_kind(const Node* n) const;
    /// Emits a view op: `build` is code that fills a local `tj_arr v` from `const tj_arr* src`
    /// (n's first input). A temporary aliases the view; a result gets a contiguous copy.
    void emit_view(const Node& n, const std::string& build);

  private:
    friend KernelSource emit_kernel(const FunctionGraph&, const std::string&);
    std::ostringstream body_;
    std::ostringstream statics_;
    std::unordered_map<const Node*, int> slot_;
    const std::vector<SlotPlan>* slots_ = nullptr;
    std::unordered_map<const Node*, int> id_;
    std::unordered_map<const Node*, std::string> const_arr_;
    std::vector<std::string> templates_;
    int fresh_ = 0;
};

} // namespace tensorjit::codegen
