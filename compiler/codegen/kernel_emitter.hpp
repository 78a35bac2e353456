/// \file
/// Lowers a function graph (after rewrites) to ONE C++ translation unit: the templates of
/// codegen_templates/ followed by an `extern "C"` entry point that computes every output and
/// update, with element-wise chains fused into single loops.
#pragma once

#include "compiler/codegen/binding_plan.hpp"
#include "compiler/graph/function_graph.hpp"
#include "compiler/ops/emit_context.hpp"

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

/// The EmitContext the ops write through (see compiler/ops/emit_context.hpp).
class KernelEmitter final : public EmitContext {
  public:
    std::ostringstream& out() override { return body_; }
    std::string arr(const Node* n) override;
    int slot(const Node* n) const override;
    int id(const Node* n) const override;
    std::string fresh(const char* prefix) override;
    void require_template(const char* name) override;
    bool is_temp(const Node* n) const override;
    void emit_view(const Node& n, const std::string& build) override;
    /// The kind of the slot that holds n's value.
    SlotPlan::Kind slot_kind(const Node* n) const;

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
