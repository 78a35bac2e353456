/// \file
/// The EmitContext the ops write their kernel code through, over a finished schedule (slots from
/// storage_plan, node ids from the graph order), and the kernel source emit() returns.
#pragma once

#include "compiler/codegen/binding_plan.hpp"
#include "compiler/codegen/schedule.hpp"
#include "compiler/ops/emit_context.hpp"

#include <functional>
#include <sstream>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace tensorjit::codegen {

struct KernelSource {
    std::string text;
    BindingPlan plan;
};

/// Fault injection for tests: when set, every generated source passes through `hook` before it
/// is compiled (e.g. to check how a Clang failure is reported). Not thread-safe; tests only.
void set_source_hook(std::function<void(std::string&)> hook);
/// Applies the hook set by set_source_hook (no-op without one).
void apply_source_hook(std::string& source);

class KernelEmitter final : public EmitContext {
  public:
    explicit KernelEmitter(const Schedule& s) : s_(s) {}
    /// The emitter of a scan's body inside the kernel of `outer`: the body's slots and node ids
    /// follow the outer plan's (from slot_base and id_base), its names start with `prefix`.
    KernelEmitter(const Schedule& body, int slot_base, int id_base, std::string prefix)
        : s_(body), slot_base_(slot_base), id_base_(id_base), prefix_(std::move(prefix)) {}
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
    const Schedule& schedule() const { return s_; }
    /// Whether the array holding n's value is C-contiguous when a loop reads it: promised leaves,
    /// and values the kernel allocated (a view the kernel made may be strided).
    bool contiguous(const Node* n) const;
    /// Whether n's slot holds a view the kernel made (emit_view) rather than an array.
    bool is_view(const Node* n) const { return views_.count(n) != 0; }
    /// The constants' static data, declared before the entry point.
    std::string statics() const { return statics_.str(); }
    /// Appends a scan body's static data to this kernel's.
    void add_statics(const std::string& text) { statics_ << text; }
    /// The plan of the whole kernel (a scan body's slots and node names are appended to it);
    /// set by emit() for the entry point's emitter and passed on to a body's.
    BindingPlan* root_plan = nullptr;
    const std::vector<std::string>& templates() const { return templates_; }

  private:
    const Schedule& s_;
    std::ostringstream body_;
    std::ostringstream statics_;
    std::unordered_map<const Node*, std::string> const_arr_;
    std::unordered_set<const Node*> views_; // nodes whose temporary slot holds a view
    std::vector<std::string> templates_;
    int fresh_ = 0;
    int slot_base_ = 0;
    int id_base_ = 0;
    std::string prefix_;
};

/// How emit_steps writes the steps: the entry point's outlines large kernels' steps into
/// functions of their own (appended to `parts`) and may time each step; a scan's body does
/// neither.
struct StepOptions {
    bool outline = false;
    bool profile = false;
    std::string* parts = nullptr;
};
/// Writes the schedule's steps in order (fused loops, ops' kernel templates, scans), the deferred
/// in-place loops last.
void emit_steps(KernelEmitter& e, Schedule& s, const StepOptions& options);
/// Writes the loop of the scan `n` belongs to, at the first of its scan's nodes in the schedule
/// (the others write nothing): emit_scan.cpp.
void emit_scan(KernelEmitter& e, Schedule& s, const Node& n);

/// Writes a fused loop: the extents and broadcast checks (`checks`), then the outputs'
/// allocation and the loop itself (`body`). A loop's code is `{ checks body }`; deferred loops
/// write all their checks before any body (emit.cpp). Names are unique per loop, so several
/// loops' checks may share one block.
void emit_loop_checks(KernelEmitter& e, const FusedLoop& loop);
void emit_loop_body(KernelEmitter& e, const FusedLoop& loop);

} // namespace tensorjit::codegen
