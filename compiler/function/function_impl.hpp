/// \file
/// The state behind a tj::Function: the compiled kernel (shared by copies), the input specs and
/// the shared storages it binds. Everything one call writes lives in a CallState, so that a
/// Function may be called from many threads at once.
///
/// Thread safety (the contract README.md and function.hpp state):
/// - One CallState is kept by the function and taken with one atomic exchange; a call that finds
///   it taken uses a state from a small pool (allocated the first time only). A function that
///   updates a shared variable needs neither: its calls hold that variable's exclusive lock from
///   binding to the end of the call, so they are serialized and all use the function's state.
/// - A call locks the shared variables it binds, in one global order (by address), so calls
///   cannot deadlock: shared (reader) locks for variables it only reads, an exclusive lock for
///   each variable it updates, held from reading their values until its updates are applied.
#pragma once

#include "codegen_templates/kernel_abi.h"
#include "compiler/codegen/binding_plan.hpp"
#include "compiler/graph/function_graph.hpp"
#include "compiler/graph/node.hpp"
#include "runtime/kernel_host.hpp"

#include <tensorjit/function.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace tensorjit {

namespace jit {
class Kernel;
struct Target;
} // namespace jit

/// Machine code and its binding plan; shared by every function (and copy) with the same key.
struct CompiledKernel {
    std::string key;
    codegen::BindingPlan plan;
    std::shared_ptr<jit::Kernel> code;
    tj_kernel_fn entry = nullptr;

    /// The generated source (kernel_source()). A kernel loaded from the disk cache reads it from
    /// its entry on the first call (kernel_cache.cpp): loading reads the object and metadata only.
    /// If the entry was removed or replaced meanwhile, the text is a comment saying so.
    const std::string& source() const;
    /// What source() returns; or, set_source_reader, what makes it on the first call.
    void set_source(std::string text);
    void set_source_reader(std::function<std::string()> read);

  private:
    mutable std::once_flag source_once_;
    mutable std::string source_;
    std::function<std::string()> read_source_;
};

/// The kernels of one function graph by layout (DESIGN.md "Signature"): the C-contiguous one,
/// built with the function, and strided ones, compiled (or loaded from the caches) by the first
/// call that passes a strided array, then kept. Shared by a function and its copies; safe from
/// many threads (the contiguous kernel is read without a lock).
class KernelVariants {
  public:
    KernelVariants(FunctionGraph graph, std::shared_ptr<const CompiledKernel> contiguous);
    const std::shared_ptr<const CompiledKernel>& contiguous() const { return contiguous_; }
    const FunctionGraph& graph() const { return graph_; } ///< for tj::dprint and tj::to_dot
    /// The kernel for calls whose leaves in `mask` (FunctionGraph::strided_leaves) are strided.
    const CompiledKernel& strided(std::uint64_t mask) const;

  private:
    FunctionGraph graph_;
    std::shared_ptr<const CompiledKernel> contiguous_;
    mutable std::mutex mutex_;
    mutable std::vector<std::pair<std::uint64_t, std::shared_ptr<const CompiledKernel>>> strided_;
};

/// The layout flags of one call: a bit per leaf slot whose array is not C-contiguous.
/// `leaf_bits` lists (slot, bit) for the plan's input and shared slots.
std::uint64_t layout_mask(const tj_arr* slots, const std::vector<std::pair<int, int>>& leaf_bits,
                          const codegen::BindingPlan& plan);

namespace detail {

struct InputSpec {
    TensorType type;
    std::string name;                   ///< In's name ("" if none)
    std::string var_name;               ///< the variable's name
    std::optional<Array> default_value; ///< already converted to the input's dtype
};

class FunctionImpl;
class FunctionProfile;

/// What one call writes: the frame, one array per slot (kept from call to call as reusable
/// buffers), argument bookkeeping, scratch buffers and the error a kernel callback recorded.
/// It is the KernelHost of the frame: the kernel's tj_rt_* calls arrive at its function.
struct CallState final : KernelHost {
    static constexpr int kScratchBuffers = 8;
    const FunctionImpl* fn = nullptr;
    std::vector<tj_arr> slots;
    std::vector<Array> slot_arrays;
    std::vector<const Arg*> bound; ///< input k -> the argument bound to it
    std::vector<Array> converted;  ///< input k -> scalar scratch / converted argument
    std::vector<Array> outputs;    ///< the call's results, moved out by the caller
    std::span<const Array> into;   ///< call_into's output arrays (empty for other calls)
    Array scratch_buffers[kScratchBuffers];
    int pending_kind = 0;
    std::string pending_message;
    /// Where the kernel's tj_rt_* calls go: this state, or during a profiled call the
    /// ProfiledHost that times them (profile_host.hpp).
    KernelHost* host = this;

    void* alloc(int slot, int ndim, const long long* shape) noexcept override;
    void shape_error(int node, int na, const long long* a, int nb,
                     const long long* b) noexcept override;
    void extent_error(int node, int kind, int na, const long long* a, int axis_a, int nb,
                      const long long* b, int axis_b) noexcept override;
    void value_error(int node, int code, long long value) noexcept override;
    void* scratch(int which, long long bytes) noexcept override;
};

class FunctionImpl {
  public:
    FunctionImpl(std::shared_ptr<const KernelVariants> kernels, std::vector<InputSpec> inputs,
                 std::vector<std::shared_ptr<SharedStorage>> shared, bool allow_input_downcast,
                 std::string name, bool delete_updates = false);
    FunctionImpl(const FunctionImpl&) = delete;
    FunctionImpl& operator=(const FunctionImpl&) = delete;
    ~FunctionImpl();

    /// Runs one call and returns its first output, or all of them. Safe to call from several
    /// threads at once.
    Array call_first(std::span<const Arg> args) const;
    std::vector<Array> call_all(std::span<const Arg> args) const;
    /// Runs one call that writes its outputs into `outs` (compiler/function/call_into.cpp).
    void call_into(std::span<const Array> outs, std::span<const Arg> args) const;
    /// A call state for one call (the function's own when free), and its return.
    CallState* acquire() const {
        if (!state_busy_.exchange(true, std::memory_order_acquire)) return state_.get();
        return acquire_contended();
    }
    void release(CallState* st) const noexcept {
        if (st == state_.get())
            state_busy_.store(false, std::memory_order_release);
        else
            release_contended(st);
    }
    std::shared_ptr<FunctionImpl> copy(const CopyOptions& options) const;

    const CompiledKernel& kernel() const { return *kernel_; }
    const KernelVariants& kernels() const { return *kernels_; }
    std::size_t num_inputs() const { return inputs_.size(); }
    std::size_t num_outputs() const { return kernel_->plan.output_slots.size(); }
    const std::string& name() const { return name_; }
    // What Function::save writes besides kernels().graph()
    // (compiler/function/graph_file_write.cpp).
    const std::vector<InputSpec>& inputs() const { return inputs_; }
    const std::vector<std::shared_ptr<SharedStorage>>& shared() const { return shared_; }
    bool allow_input_downcast() const { return allow_input_downcast_; }
    bool delete_updates() const { return delete_updates_; }

    // Called back by the kernel through tj_rt_* and CallState (compiler/function/call.cpp).
    void* alloc(CallState& st, int slot, int ndim, const long long* shape) const;
    void shape_error(CallState& st, int node, int na, const long long* a, int nb,
                     const long long* b) const;
    void extent_error(CallState& st, int node, int kind, int na, const long long* a, int axis_a,
                      int nb, const long long* b, int axis_b) const;
    void value_error(CallState& st, int node, int code, long long value) const;
    void* scratch(CallState& st, int which, long long bytes) const;

  private:
    void setup_frame();
    std::unique_ptr<CallState> new_state() const;
    CallState* acquire_contended() const;
    void release_contended(CallState* st) const noexcept;
    template <class Finish>
    auto call_with(std::span<const Arg> args, std::span<const Array> into, Finish finish) const;
    // Out of line: the unprofiled call_with stays as small as it was before profiling existed.
    template <class Finish>
    [[gnu::noinline]] auto call_profiled(std::span<const Arg> args, std::span<const Array> into,
                                         Finish finish) const;
    void bind(CallState& st, std::span<const Arg> args, std::span<const Array> into) const;
    void execute(CallState& st) const;
    void bind_input(CallState& st, int k, const Arg& arg) const;
    void bind_array(CallState& st, int k, const Array& a, bool literal) const;
    [[gnu::noinline]] void bind_other_literal(int k, const Arg& arg, void* out) const;
    void check_update_shape(int shared_index, int ndim, const long long* shape) const;
    // call_into (compiler/function/call_into.cpp): the checks before the call, the output
    // buffers the kernel allocates, the memory the kernel reads, and the copies after it.
    void check_outputs(std::span<const Array> outs) const;
    void* alloc_into(CallState& st, int slot, const Dims& shape) const;
    void prepare_into(CallState& st) const;
    void check_into_written(const CallState& st) const;
    void finish_into(CallState& st) const;
    /// The array holding an output slot's value after the kernel ran.
    const Array& output_value(const CallState& st, int slot) const;
    [[noreturn]] void throw_pending(const CallState& st) const;
    /// "<function>: apply node <node>: ", the start of a kernel error's message.
    std::string node_prefix(int node) const;

    std::shared_ptr<const KernelVariants> kernels_;
    std::shared_ptr<const CompiledKernel> kernel_; // kernels_->contiguous()
    std::vector<InputSpec> inputs_;
    std::vector<std::shared_ptr<SharedStorage>> shared_;
    bool allow_input_downcast_ = false;
    bool delete_updates_ = false;
    std::string name_;

    // Derived from the plan in setup_frame(); read-only while calls run.
    std::vector<int> input_slot_;                      // input k -> slot (-1 when unused)
    std::vector<std::pair<int, int>> leaf_bits_;       // (input or shared slot, layout bit)
    std::vector<char> slot_checks_update_;             // slot -> whether it is in checked_updates_
    std::vector<std::pair<int, int>> checked_updates_; // (slot, shared variable) checked at alloc
    std::vector<int> output_index_;                    // slot -> its first output (-1: none)
    std::vector<std::pair<int, int>> shared_slots_;    // (slot, shared variable) of the frame
    // The shared variables the kernel updates in place, and the updates applied after the kernel
    // (a swap, or a copy of an output or of another update's value); none with delete_updates.
    std::vector<int> in_place_updates_;
    struct AppliedUpdate {
        int shared;
        int slot;
        int copy_of; // the shared variable an earlier update gave this slot's value (-1: none)
        bool output; // the slot is an output (its value stays with the caller)
    };
    std::vector<AppliedUpdate> applied_updates_;
    // Locks a call takes: (storage, exclusive), ordered by address, each storage once.
    std::vector<std::pair<SharedStorage*, bool>> locks_;
    // Whether locks_ holds an exclusive lock: every call then holds it throughout, which
    // serializes the calls of this function, and they all use state_.
    bool serialized_ = false;
    // Keyword names resolved when the function is built: (name, input), sorted by name; an In's
    // name wins over a variable's name.
    std::vector<std::pair<std::string, int>> keywords_;
    // The plan's node names with this function's input and shared-variable names.
    std::vector<std::string> node_names_;
    // FunctionOptions::profile: what the calls add to (null when the function is not profiled).
    std::shared_ptr<FunctionProfile> profile_;

    // The call state of the uncontended call, and the pool used by concurrent ones.
    std::unique_ptr<CallState> state_;
    mutable std::atomic<bool> state_busy_{false};
    mutable std::mutex pool_mutex_;
    mutable std::vector<std::unique_ptr<CallState>> pool_;
};

/// The function graph tj::function compiles for these arguments (every check of function() runs
/// here), with the input specs and shared storages the function binds. Tests inspect what the
/// compiler makes of it (codegen::schedule_graph).
FunctionGraph function_graph(const std::vector<In>& inputs, const std::vector<Var>& outputs,
                             const FunctionOptions& options,
                             std::vector<InputSpec>* specs = nullptr,
                             std::vector<std::shared_ptr<SharedStorage>>* storages = nullptr);

} // namespace detail

/// Access to a SharedVar's storage from inside the library.
class SharedAccess {
  public:
    static SharedVar wrap(std::shared_ptr<SharedStorage> storage, NodePtr node);
};

/// Builds (or finds in the caches) the kernel for a function graph. Internal to function().
/// Safe from many threads; concurrent builds of one key compile once.
std::shared_ptr<const CompiledKernel> get_kernel(const struct FunctionGraph& g);

/// What warm_kernel did.
struct WarmOutcome {
    std::string key;
    bool compiled = false;    ///< false: a cache layer already had it
    std::uintmax_t bytes = 0; ///< of the entry (object, source, metadata)
    double ms = 0;
};
/// Puts g's kernel for `target` into the cache layers (compiling it unless one has it) without
/// loading it: `target` need not be a CPU this host can run. Throws what a compile throws.
WarmOutcome warm_kernel(const struct FunctionGraph& g, const jit::Target& target);
/// Counts one more function built (compile_stats().functions).
void count_function_built();

} // namespace tensorjit
