/// \file
/// The state behind a tj::Function: the compiled kernel (shared by copies), the input specs,
/// the shared storages it binds, and the frame and buffers reused from call to call.
#pragma once

#include "codegen_templates/kernel_abi.h"
#include "compiler/codegen/binding_plan.hpp"
#include "compiler/graph/node.hpp"

#include <tensorjit/function.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tensorjit {

namespace jit {
class Kernel;
}

/// Machine code and its binding plan; shared by every function (and copy) with the same key.
struct CompiledKernel {
    std::string key;
    std::string source;
    codegen::BindingPlan plan;
    std::shared_ptr<jit::Kernel> code;
    tj_kernel_fn entry = nullptr;
};

namespace detail {

struct InputSpec {
    TensorType type;
    std::string name;      ///< In's name ("" if none)
    std::string var_name;  ///< the variable's name
    std::optional<Array> default_value;  ///< already converted to the input's dtype
};

class FunctionImpl {
  public:
    FunctionImpl(std::shared_ptr<const CompiledKernel> kernel, std::vector<InputSpec> inputs,
                 std::vector<std::shared_ptr<SharedStorage>> shared, bool allow_input_downcast,
                 std::string name);
    FunctionImpl(const FunctionImpl& other);

    std::vector<Array>& call(std::span<const Arg> args);
    std::shared_ptr<FunctionImpl> copy(const CopyOptions& options) const;

    const CompiledKernel& kernel() const { return *kernel_; }
    std::size_t num_inputs() const { return inputs_.size(); }
    const std::string& name() const { return name_; }

    // Called back by the kernel through tj_rt_* (see runtime/callable.cpp).
    void* alloc(int slot, int ndim, const long long* shape);
    void shape_error(int node, int na, const long long* a, int nb, const long long* b);
    void value_error(int node, int code, long long value);
    void* scratch(int which, long long bytes);
    static constexpr int kScratchBuffers = 8;

  private:
    void setup_frame();
    void bind_input(int k, const Arg& arg);
    void bind_array(int k, const Array& a);
    [[noreturn]] void throw_pending();

    std::shared_ptr<const CompiledKernel> kernel_;
    std::vector<InputSpec> inputs_;
    std::vector<std::shared_ptr<SharedStorage>> shared_;
    bool allow_input_downcast_ = false;
    bool delete_updates_ = false;
    std::string name_;

    // Reused across calls: the frame, one array per slot, argument bookkeeping.
    std::vector<tj_arr> slots_;
    std::vector<Array> slot_arrays_;
    std::vector<int> input_slot_;             // input k -> slot (-1 when unused)
    std::vector<const Arg*> bound_;           // input k -> the argument bound to it
    std::vector<Array> converted_;            // input k -> scalar scratch / converted argument
    std::vector<Array> outputs_;
    Array scratch_[kScratchBuffers];
    // Keyword names resolved when the function is built: (name, input), sorted by name; an In's
    // name wins over a variable's name.
    std::vector<std::pair<std::string, int>> keywords_;
    // The plan's node names with this function's input and shared-variable names.
    std::vector<std::string> node_names_;
    // The error a tj_rt_* callback recorded during the current call.
    int pending_kind_ = 0;
    std::string pending_message_;
};

} // namespace detail

/// Access to a SharedVar's storage from inside the library.
class SharedAccess {
  public:
    static SharedVar wrap(std::shared_ptr<SharedStorage> storage, NodePtr node);
};

/// Builds (or finds in the caches) the kernel for a function graph. Internal to function().
std::shared_ptr<const CompiledKernel> get_kernel(const struct FunctionGraph& g);

} // namespace tensorjit
