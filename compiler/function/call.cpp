// The call path of a compiled function: bind arguments, fill the frame, run the kernel, apply
// updates. Steady state allocates nothing but the outputs: the frame, scalar scratch arrays and
// update/temporary buffers are kept from call to call.
#include "compiler/function/function_impl.hpp"
#include "compiler/function/literals.hpp"
#include "compiler/function/profile_host.hpp"
#include "runtime/kernel_errors.hpp"

#include <tensorjit/function.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace tensorjit {

using codegen::SlotPlan;

namespace detail {

namespace {

enum PendingKind { kNone = 0, kShape = 1, kValue = 2, kMemory = 3 };

void fill_slot(tj_arr& s, const Array& a) {
    s.data = a.raw_data();
    for (int d = 0; d < a.ndim(); ++d) {
        s.shape[d] = a.shape()[d];
        s.strides[d] = a.strides()[d];
    }
}

std::string shape_text(int n, const long long* s) {
    Dims d;
    for (int i = 0; i < n; ++i) d.push_back(s[i]);
    return shape_str(d);
}

} // namespace

FunctionImpl::FunctionImpl(std::shared_ptr<const KernelVariants> kernels,
                           std::vector<InputSpec> inputs,
                           std::vector<std::shared_ptr<SharedStorage>> shared,
                           bool allow_input_downcast, std::string name, bool delete_updates)
    : kernels_(std::move(kernels)), kernel_(kernels_->contiguous()), inputs_(std::move(inputs)),
      shared_(std::move(shared)), allow_input_downcast_(allow_input_downcast),
      delete_updates_(delete_updates), name_(std::move(name)) {
    setup_frame();
}

FunctionImpl::~FunctionImpl() = default;

void FunctionImpl::setup_frame() {
    const auto& plan = kernel_->plan;
    const int nslots = static_cast<int>(plan.slots.size());
    // The plan comes from a cache entry that get_kernel checked against the function graph;
    // these checks guard the indexing below against a plan that does not fit this function.
    for (const auto& sp : plan.slots) {
        TJ_INTERNAL_CHECK(sp.ndim >= 0 && sp.ndim <= TJ_MAX_NDIM)
            << name_ << ": plan slot of rank " << sp.ndim;
        if (sp.kind == SlotPlan::Kind::Input)
            TJ_INTERNAL_CHECK(sp.index >= 0 && sp.index < static_cast<int>(inputs_.size()))
                << name_ << ": plan names input " << sp.index << " of " << inputs_.size();
        if (sp.kind == SlotPlan::Kind::Shared)
            TJ_INTERNAL_CHECK(sp.index >= 0 && sp.index < static_cast<int>(shared_.size()))
                << name_ << ": plan names shared variable " << sp.index << " of " << shared_.size();
    }
    for (int s : plan.output_slots)
        TJ_INTERNAL_CHECK(s >= 0 && s < nslots)
            << name_ << ": plan output slot " << s << " of " << nslots;
    for (const auto& [sh, s] : plan.updates)
        TJ_INTERNAL_CHECK(sh >= 0 && sh < static_cast<int>(shared_.size()) && s >= 0 && s < nslots)
            << name_ << ": plan update (" << sh << ", " << s << ") out of range";

    input_slot_.assign(inputs_.size(), -1);
    for (int s = 0; s < nslots; ++s)
        if (plan.slots[s].kind == SlotPlan::Kind::Input) input_slot_[plan.slots[s].index] = s;
    output_index_.assign(nslots, -1);
    for (std::size_t i = plan.output_slots.size(); i-- > 0;)
        output_index_[plan.output_slots[i]] = static_cast<int>(i);
    shared_slots_.clear();
    for (int s = 0; s < nslots; ++s)
        if (plan.slots[s].kind == SlotPlan::Kind::Shared)
            shared_slots_.push_back({s, plan.slots[s].index});
    // What execute does with each update: an in-place one (its slot is the variable's) was
    // written by the kernel; another one takes its slot's buffer (a swap), unless the value is an
    // output or was already given to an earlier update's variable, when it is copied.
    in_place_updates_.clear();
    applied_updates_.clear();
    if (!delete_updates_)
        for (std::size_t u = 0; u < plan.updates.size(); ++u) {
            const auto [sh, slot] = plan.updates[u];
            const SlotPlan::Kind kind = plan.slots[slot].kind;
            if (kind == SlotPlan::Kind::Shared) {
                in_place_updates_.push_back(sh);
                continue;
            }
            int copy_of = -1;
            for (std::size_t p = 0; p < u; ++p)
                if (plan.updates[p].second == slot) copy_of = plan.updates[p].first;
            applied_updates_.push_back({sh, slot, copy_of, kind == SlotPlan::Kind::Output});
        }
    // Layout bits (FunctionGraph::strided_leaves): inputs by position, then shared variables.
    for (std::size_t s = 0; s < plan.slots.size(); ++s) {
        const auto& sp = plan.slots[s];
        if (sp.kind == SlotPlan::Kind::Input || sp.kind == SlotPlan::Kind::Shared) {
            const std::size_t leaf =
                sp.kind == SlotPlan::Kind::Input ? sp.index : inputs_.size() + sp.index;
            leaf_bits_.push_back(
                {static_cast<int>(s), static_cast<int>(std::min<std::size_t>(leaf, 63))});
        }
    }
    // The updates whose value the kernel allocates must fit their variable's static extents;
    // a variable without static extents accepts any value of its rank (the plan's, checked).
    slot_checks_update_.assign(nslots, 0);
    checked_updates_.clear();
    for (const auto& [sh, s] : plan.updates) {
        // function() materializes leaf update values, so a new value is never an input's slot.
        TJ_INTERNAL_CHECK(plan.slots[s].kind != SlotPlan::Kind::Input)
            << name_ << ": an update reads an input slot";
        const auto& t = shared_[sh]->type;
        bool static_extent = plan.slots[s].ndim != t.ndim();
        for (int d = 0; d < t.ndim(); ++d) static_extent |= t.shape[d] != dyn;
        if (!static_extent || delete_updates_) continue;
        slot_checks_update_[s] = 1;
        checked_updates_.push_back({s, sh});
    }

    // Locks: every storage once, exclusive when this function applies an update to it.
    locks_.clear();
    for (const auto& s : shared_) locks_.push_back({s.get(), false});
    if (!delete_updates_)
        for (const auto& [sh, slot] : plan.updates) locks_[sh].second = true;
    std::sort(locks_.begin(), locks_.end());
    std::vector<std::pair<SharedStorage*, bool>> unique;
    for (const auto& l : locks_) {
        if (!unique.empty() && unique.back().first == l.first)
            unique.back().second = unique.back().second || l.second;
        else
            unique.push_back(l);
    }
    locks_ = std::move(unique);
    serialized_ = false;
    for (const auto& l : locks_) serialized_ |= l.second;

    std::vector<std::string> input_names, shared_names;
    for (std::size_t k = 0; k < inputs_.size(); ++k)
        input_names.push_back(inputs_[k].var_name.empty() ? "<input " + std::to_string(k + 1) + ">"
                                                          : inputs_[k].var_name);
    for (const auto& s : shared_)
        shared_names.push_back(s->name.empty() ? "<shared " + s->type.str() + ">" : s->name);
    keywords_.clear();
    for (std::size_t k = 0; k < inputs_.size(); ++k)
        if (!inputs_[k].name.empty()) keywords_.push_back({inputs_[k].name, static_cast<int>(k)});
    for (std::size_t k = 0; k < inputs_.size(); ++k) {
        const std::string& v = inputs_[k].var_name;
        bool taken = v.empty();
        for (const auto& [name, i] : keywords_) taken |= name == v;
        if (!taken) keywords_.push_back({v, static_cast<int>(k)});
    }
    std::sort(keywords_.begin(), keywords_.end());
    node_names_.clear();
    for (const auto& n : plan.node_names)
        node_names_.push_back(codegen::resolve_node_name(n, input_names, shared_names));
    if (kernels_->graph().profile) {
        std::vector<std::string> steps;
        for (const auto& d : plan.profile_steps)
            steps.push_back(codegen::resolve_node_name(d, input_names, shared_names));
        profile_ = new_function_profile(name_, kernel_->key, std::move(steps));
    }

    std::lock_guard<std::mutex> lock(pool_mutex_);
    pool_.clear();
    state_ = new_state();
}

std::unique_ptr<CallState> FunctionImpl::new_state() const {
    auto st = std::make_unique<CallState>();
    const auto& plan = kernel_->plan;
    st->fn = this;
    st->slots.assign(plan.slots.size(), tj_arr{});
    st->slot_arrays.assign(plan.slots.size(), Array());
    st->bound.assign(inputs_.size(), nullptr);
    // Scalar inputs get a scratch array so that binding a C++ scalar allocates nothing.
    for (const auto& in : inputs_)
        st->converted.push_back(in.type.ndim() == 0 ? Array::empty(in.type.dtype, Dims{})
                                                    : Array());
    return st;
}

// The uncontended call takes state_ with one atomic exchange; a concurrent call takes a state
// from the pool (made the first time), so calls never share a frame.
CallState* FunctionImpl::acquire_contended() const {
    {
        std::lock_guard<std::mutex> lock(pool_mutex_);
        if (!pool_.empty()) {
            CallState* st = pool_.back().release();
            pool_.pop_back();
            return st;
        }
    }
    return new_state().release();
}

void FunctionImpl::release_contended(CallState* st) const noexcept {
    std::unique_ptr<CallState> owned(st);
    constexpr std::size_t kMaxPooled = 16;
    std::lock_guard<std::mutex> lock(pool_mutex_);
    if (pool_.size() < kMaxPooled) pool_.push_back(std::move(owned));
}

// ---- binding ----------------------------------------------------------------------------------

namespace {
std::string input_label(const InputSpec& in, std::size_t k) {
    if (!in.name.empty()) return "\"" + in.name + "\"";
    if (!in.var_name.empty()) return "\"" + in.var_name + "\"";
    return "#" + std::to_string(k + 1);
}

// Locks the shared variables of one call in the function's order; unlocks in reverse. Inlined
// (a call of a function without shared variables pays two empty loops).
class SharedLocks {
  public:
    explicit SharedLocks(const std::vector<std::pair<SharedStorage*, bool>>& locks)
        : locks_(locks) {
        for (const auto& [s, exclusive] : locks_) {
            if (exclusive)
                s->mutex.lock();
            else
                s->mutex.lock_shared();
        }
    }
    [[gnu::always_inline]] ~SharedLocks() {
        for (auto it = locks_.rbegin(); it != locks_.rend(); ++it) {
            if (it->second)
                it->first->mutex.unlock();
            else
                it->first->mutex.unlock_shared();
        }
    }
    SharedLocks(const SharedLocks&) = delete;
    SharedLocks& operator=(const SharedLocks&) = delete;

  private:
    const std::vector<std::pair<SharedStorage*, bool>>& locks_;
};
} // namespace

void FunctionImpl::bind_input(CallState& st, int k, const Arg& arg) const {
    const InputSpec& in = inputs_[k];
    if (arg.kind() == Arg::Kind::Array) {
        bind_array(st, k, arg.array(), arg.literal());
        return;
    }
    // A C++ scalar, a literal (literals.hpp): accepted when its value survives the conversion
    // to the input's dtype (as PyTensor accepts Python scalars), or with allow_input_downcast.
    TJ_CHECK(in.type.ndim() == 0, ShapeError)
        << name_ << ": input " << input_label(in, k) << " expects a " << in.type.ndim()
        << "-d array (" << in.type.str() << "), got a scalar";
    Array& dst = st.converted[k];
    if (!store_usual_literal(arg, in.type.dtype, dst.raw_data())) [[unlikely]]
        bind_other_literal(k, arg, dst.raw_data());
    fill_slot(st.slots[input_slot_[k]], dst);
}

// The literals store_usual_literal leaves: checked and converted in full (out of line, so that
// the usual call does not pay for it).
void FunctionImpl::bind_other_literal(int k, const Arg& arg, void* out) const {
    const InputSpec& in = inputs_[k];
    const DType t = in.type.dtype;
    const Literal v = literal_of(arg);
    TJ_CHECK(allow_input_downcast_ || survives(v, t), TypeError)
        << name_ << ": input " << input_label(in, k) << " has dtype " << dtype_name(t)
        << "; the value " << literal_text(v) << " " << misfit_reason(v, t)
        << " (build the function with allow_input_downcast to convert it anyway)";
    store_literal(v, t, out);
}

void FunctionImpl::bind_array(CallState& st, int k, const Array& a, bool literal) const {
    const InputSpec& in = inputs_[k];
    TJ_CHECK(a.ndim() == in.type.ndim(), ShapeError)
        << name_ << ": input " << input_label(in, k) << " expects a " << in.type.ndim()
        << "-d array (" << in.type.str() << "), got shape " << shape_str(a.shape());
    TJ_CHECK(in.type.accepts_shape(a.shape()), ShapeError)
        << name_ << ": input " << input_label(in, k) << " has static shape " << in.type.str()
        << ", got shape " << shape_str(a.shape());
    const DType t = in.type.dtype;
    if (a.dtype() == t) {
        fill_slot(st.slots[input_slot_[k]], a);
        return;
    }
    if (!can_cast_safely(a.dtype(), t) && !allow_input_downcast_) {
        // A braced list is a literal: each value must survive the conversion. An array has its
        // dtype, which must cast safely.
        TJ_CHECK(literal, TypeError)
            << name_ << ": input " << input_label(in, k) << " has dtype " << dtype_name(t)
            << "; an array of dtype " << dtype_name(a.dtype())
            << " cannot be cast to it safely (convert it with .astype(tj::DType::"
            << dtype_enumerator(t) << "), or build the function with allow_input_downcast)";
        const std::int64_t bad = first_misfit(a, t);
        TJ_CHECK(bad < 0, TypeError)
            << name_ << ": input " << input_label(in, k) << " has dtype " << dtype_name(t)
            << "; the list's element " << index_text(a.shape(), bad) << " = "
            << literal_text(literal_at(a, bad)) << " " << misfit_reason(literal_at(a, bad), t)
            << " (build the function with allow_input_downcast to convert it anyway)";
    }
    st.converted[k] = a.astype(t);
    fill_slot(st.slots[input_slot_[k]], st.converted[k]);
}

void FunctionImpl::check_update_shape(int sh, int ndim, const long long* shape) const {
    const SharedStorage& s = *shared_[sh];
    bool ok = ndim == s.type.ndim();
    for (int d = 0; ok && d < ndim; ++d) ok = s.type.shape[d] == dyn || s.type.shape[d] == shape[d];
    TJ_CHECK(ok, ShapeError) << name_ << ": the update of shared variable \"" << s.name << "\" ("
                             << s.type.str() << ") computed a value of shape "
                             << shape_text(ndim, shape);
}

namespace {
// Gives a call state back when a call ends, however it ends.
struct StateLease {
    const FunctionImpl* fn;
    CallState* st;
    ~StateLease() { fn->release(st); }
};
} // namespace

// A function that updates a shared variable holds that variable's exclusive lock for the whole
// of every call, so its calls are serialized by it and can all use state_ (no exchange): the
// locks come first and cover binding too. Other functions bind the arguments into a leased
// state and take their (reader) locks only around the kernel.
template <class Finish>
auto FunctionImpl::call_with(std::span<const Arg> args, std::span<const Array> into,
                             Finish finish) const {
    if (profile_) [[unlikely]]
        return call_profiled(args, into, finish);
    if (serialized_) {
        SharedLocks locks(locks_);
        CallState& st = *state_;
        bind(st, args, into);
        execute(st);
        return finish(st);
    }
    StateLease lease{this, acquire()};
    bind(*lease.st, args, into);
    {
        SharedLocks locks(locks_);
        execute(*lease.st);
    }
    return finish(*lease.st);
}

// call_with, timed (FunctionOptions::profile): the kernel's host is the call's ProfiledHost.
template <class Finish>
auto FunctionImpl::call_profiled(std::span<const Arg> args, std::span<const Array> into,
                                 Finish finish) const {
    const auto start = ProfileClock::now();
    if (serialized_) {
        SharedLocks locks(locks_);
        CallState& st = *state_;
        ProfiledCall call(*profile_, st, start);
        call.bind_begin();
        bind(st, args, into);
        call.bind_end();
        execute(st);
        call.executed();
        auto result = finish(st);
        call.commit();
        return result;
    }
    StateLease lease{this, acquire()};
    ProfiledCall call(*profile_, *lease.st, start);
    call.bind_begin();
    bind(*lease.st, args, into);
    call.bind_end();
    {
        SharedLocks locks(locks_);
        execute(*lease.st);
        call.executed();
    }
    auto result = finish(*lease.st);
    call.commit();
    return result;
}

Array FunctionImpl::call_first(std::span<const Arg> args) const {
    return call_with(args, {}, [this](CallState& st) {
        return std::move(st.slot_arrays[kernel_->plan.output_slots[0]]);
    });
}

std::vector<Array> FunctionImpl::call_all(std::span<const Arg> args) const {
    return call_with(args, {}, [this](CallState& st) {
        // The outputs leave the state; one value that is two outputs is copied for the second.
        const auto& slots = kernel_->plan.output_slots;
        std::vector<Array> out;
        out.reserve(slots.size());
        for (std::size_t i = 0; i < slots.size(); ++i) {
            std::size_t first = i;
            for (std::size_t p = 0; p < i; ++p)
                if (slots[p] == slots[i]) {
                    first = p;
                    break;
                }
            out.push_back(first != i ? out[first].copy() : std::move(st.slot_arrays[slots[i]]));
        }
        return out;
    });
}

// The outputs go into the caller's arrays (call_into.cpp): a C-contiguous one is the kernel's
// output buffer, another gets the value copied in after the kernel.
void FunctionImpl::call_into(std::span<const Array> outs, std::span<const Arg> args) const {
    check_outputs(outs);
    call_with(args, outs, [this](CallState& st) {
        finish_into(st);
        return true; // call_profiled keeps what finish returns
    });
}

// Binds one call's arguments. Nothing that can fail runs after the first write to a shared
// variable: argument checks come first, update shapes are checked when the kernel allocates them
// (tj_rt_alloc), before the in-place writes the kernel emits last, and updates are applied only
// after every check passed.
void FunctionImpl::bind(CallState& st, std::span<const Arg> args,
                        std::span<const Array> into) const {
    st.into = into;
    const std::size_t n = inputs_.size();
    std::fill(st.bound.begin(), st.bound.end(), nullptr);
    std::size_t positional = 0;
    bool seen_keyword = false;
    for (const Arg& a : args) {
        if (a.kind() == Arg::Kind::None) continue;
        if (a.keyword().empty()) {
            TJ_CHECK(!seen_keyword, ArgumentError)
                << name_ << ": positional argument " << positional + 1
                << " follows a keyword argument";
            TJ_CHECK(positional < n, ArgumentError)
                << name_ << ": too many arguments: takes " << n << (n == 1 ? " input" : " inputs")
                << ", got " << args.size();
            st.bound[positional++] = &a;
            continue;
        }
        seen_keyword = true;
        auto it = std::lower_bound(
            keywords_.begin(), keywords_.end(), a.keyword(),
            [](const auto& entry, std::string_view kw) { return entry.first < kw; });
        const int k = it != keywords_.end() && it->first == a.keyword() ? it->second : -1;
        TJ_CHECK(k >= 0, ArgumentError)
            << name_ << ": unknown keyword argument \"" << a.keyword() << "\"";
        TJ_CHECK(!st.bound[k], ArgumentError)
            << name_ << ": got multiple values for argument " << input_label(inputs_[k], k);
        st.bound[k] = &a;
    }
    for (std::size_t k = 0; k < n; ++k) {
        if (input_slot_[k] < 0) {
            // An input the outputs do not depend on: still checked, never read.
            TJ_CHECK(st.bound[k] || inputs_[k].default_value, ArgumentError)
                << name_ << ": missing required argument " << input_label(inputs_[k], k);
            continue;
        }
        if (st.bound[k]) {
            bind_input(st, static_cast<int>(k), *st.bound[k]);
            continue;
        }
        TJ_CHECK(inputs_[k].default_value.has_value(), ArgumentError)
            << name_ << ": missing required argument " << input_label(inputs_[k], k);
        fill_slot(st.slots[input_slot_[k]], *inputs_[k].default_value);
    }
}

// Runs the kernel and applies the updates; the caller holds the shared variables' locks.
void FunctionImpl::execute(CallState& st) const {
    const auto& plan = kernel_->plan;
    // An update written in place never writes into memory another tj::Array views (a borrowed
    // get_value, an array given to set_value with borrow): such a value is copied first.
    for (int sh : in_place_updates_) {
        Array& v = shared_[sh]->value;
        if (v.storage_use_count() != 1 || v.read_only()) v = v.copy();
    }
    for (const auto& [slot, sh] : shared_slots_) fill_slot(st.slots[slot], shared_[sh]->value);
    if (!st.into.empty()) [[unlikely]]
        prepare_into(st);
    if (delete_updates_) [[unlikely]] {
        // A copy without updates: in-place updates write into a private copy of the variable.
        for (const auto& [sh, slot] : plan.updates) {
            if (plan.slots[slot].kind != SlotPlan::Kind::Shared) continue;
            const Array& v = shared_[sh]->value;
            Array& buf = st.slot_arrays[slot];
            if (buf.storage_use_count() != 1 || buf.dtype() != v.dtype() ||
                !(buf.shape() == v.shape()))
                buf = Array::empty(v.dtype(), v.shape());
            std::memcpy(buf.raw_data(), v.raw_data(),
                        static_cast<std::size_t>(v.size()) * v.itemsize());
            fill_slot(st.slots[slot], buf);
        }
    }

    st.pending_kind = kNone;
    tj_frame frame{st.slots.data(), st.host};
    // A strided argument needs the kernel of its layout (compiled once, on first need).
    const std::uint64_t mask = layout_mask(st.slots.data(), leaf_bits_, plan);
    const CompiledKernel& k = mask ? kernels_->strided(mask) : *kernel_;
    if (k.entry(&frame) != 0) throw_pending(st);
    if (!st.into.empty()) [[unlikely]]
        check_into_written(st);

    // Updates: every new value was checked (when the kernel allocated them); apply them all.
    for (const AppliedUpdate& u : applied_updates_) {
        Array& v = shared_[u.shared]->value;
        if (u.copy_of < 0 && !u.output) {
            std::swap(v, st.slot_arrays[u.slot]);
            continue;
        }
        // The copy goes into the variable's buffer when nothing else views it (no allocation),
        // else into a new one.
        const Array& from = u.copy_of >= 0 ? shared_[u.copy_of]->value : output_value(st, u.slot);
        if (v.storage_use_count() == 1 && !v.read_only() && v.dtype() == from.dtype() &&
            v.shape() == from.shape())
            v.copy_from(from);
        else
            v = from.copy();
    }
}

// ---- callbacks --------------------------------------------------------------------------------

void* CallState::alloc(int slot, int ndim, const long long* shape) noexcept {
    return fn->alloc(*this, slot, ndim, shape);
}
void CallState::shape_error(int node, int na, const long long* a, int nb,
                            const long long* b) noexcept {
    fn->shape_error(*this, node, na, a, nb, b);
}
void CallState::extent_error(int node, int kind, int na, const long long* a, int axis_a, int nb,
                             const long long* b, int axis_b) noexcept {
    fn->extent_error(*this, node, kind, na, a, axis_a, nb, b, axis_b);
}
void CallState::value_error(int node, int code, long long value) noexcept {
    fn->value_error(*this, node, code, value);
}
void* CallState::scratch(int which, long long bytes) noexcept {
    return fn->scratch(*this, which, bytes);
}

void* FunctionImpl::alloc(CallState& st, int slot, int ndim, const long long* shape) const {
    try {
        const SlotPlan& sp = kernel_->plan.slots[slot];
        if (slot_checks_update_[slot])
            for (const auto& [s, sh] : checked_updates_)
                if (s == slot) check_update_shape(sh, ndim, shape);
        Dims d;
        for (int i = 0; i < ndim; ++i) d.push_back(shape[i]);
        Array& a = st.slot_arrays[slot];
        if (sp.kind == SlotPlan::Kind::Output) {
            // An output leaves with the caller: always a new buffer, or call_into's array.
            if (!st.into.empty()) [[unlikely]]
                return alloc_into(st, slot, d);
            a = Array::empty(sp.dtype, d);
        } else if (a.storage_use_count() != 1 || a.dtype() != sp.dtype || !(a.shape() == d)) {
            a = Array::empty(sp.dtype, d);
        }
        fill_slot(st.slots[slot], a);
        return a.raw_data();
    } catch (const ShapeError& e) {
        st.pending_kind = kShape;
        st.pending_message = e.what();
        return nullptr;
    } catch (const ValueError& e) {
        st.pending_kind = kValue;
        st.pending_message = e.what();
        return nullptr;
    } catch (const std::exception& e) {
        st.pending_kind = kMemory;
        st.pending_message = e.what();
        return nullptr;
    }
}

void* FunctionImpl::scratch(CallState& st, int which, long long bytes) const {
    try {
        TJ_INTERNAL_CHECK(which >= 0 && which < CallState::kScratchBuffers)
            << "scratch buffer " << which << " out of range";
        Array& a = st.scratch_buffers[which];
        if (a.storage_use_count() == 0 || a.size() < bytes)
            a = Array::empty(DType::UInt8, Dims{std::max<long long>(bytes, 1)});
        return a.raw_data();
    } catch (const std::exception& e) {
        st.pending_kind = kMemory;
        st.pending_message = e.what();
        return nullptr;
    }
}

namespace {
// The hint that static broadcasting needs extents declared as 1: it applies when NumPy's run-time
// rule would have broadcast the shapes (every axis that differs has a run-time 1 on one side).
constexpr const char* kDeclareOneHint =
    " (an axis broadcasts only where its static extent is 1: declare it with "
    "tj::tensor(name, dtype, {1, tj::dyn}), say)";

bool numpy_would_broadcast(int na, const long long* a, int nb, const long long* b) {
    bool differ = false;
    for (int i = 1; i <= std::min(na, nb); ++i) {
        const long long x = a[na - i], y = b[nb - i];
        if (x == y) continue;
        if (x != 1 && y != 1) return false;
        differ = true;
    }
    return differ;
}
} // namespace

std::string FunctionImpl::node_prefix(int node) const {
    return name_ + (name_.empty() ? "" : ": ") + "apply node " +
           (node >= 0 && node < static_cast<int>(node_names_.size()) ? node_names_[node] : "?") +
           ": ";
}

void FunctionImpl::shape_error(CallState& st, int node, int na, const long long* a, int nb,
                               const long long* b) const {
    st.pending_kind = kShape;
    // A negative rank -(na + 1) marks a size mismatch (reshape) rather than a broadcast.
    if (na < 0) {
        st.pending_message = node_prefix(node) + "cannot reshape an array of shape " +
                             shape_text(-na - 1, a) + " into shape " + shape_text(nb, b);
        return;
    }
    st.pending_message = node_prefix(node) + "shapes " + shape_text(na, a) + " and " +
                         shape_text(nb, b) + " cannot broadcast";
    // Broadcasting is decided by static shapes (as in PyTensor): say so when a run-time 1 would
    // have broadcast.
    if (numpy_would_broadcast(na, a, nb, b)) st.pending_message += kDeclareOneHint;
}

void FunctionImpl::extent_error(CallState& st, int node, int kind, int na, const long long* a,
                                int axis_a, int nb, const long long* b, int axis_b) const {
    st.pending_kind = kShape;
    const bool axes_ok = axis_a >= 0 && axis_a < na && axis_b >= 0 && axis_b < nb;
    const std::string pair =
        axes_ok ? std::to_string(a[axis_a]) + " (dim " + std::to_string(axis_a) +
                      ") != " + std::to_string(b[axis_b]) + " (dim " + std::to_string(axis_b) + ")"
                : "?";
    const std::string shapes = "shapes " + shape_text(na, a) + " and " + shape_text(nb, b);
    switch (kind) {
    case TJ_EXTENT_CONTRACTED:
        // NumPy's dot message: the contracted extents, and which axes they are.
        st.pending_message = node_prefix(node) + shapes + " not aligned: " + pair;
        break;
    case TJ_EXTENT_BATCH:
        st.pending_message =
            node_prefix(node) + shapes + " cannot broadcast their batch axes: " + pair;
        if (axes_ok && (a[axis_a] == 1 || b[axis_b] == 1)) st.pending_message += kDeclareOneHint;
        break;
    default:
        st.pending_message =
            node_prefix(node) + shapes + " differ outside the joined axis: " + pair;
        break;
    }
}

void FunctionImpl::value_error(CallState& st, int node, int code, long long value) const {
    st.pending_kind = kValue;
    st.pending_message = node_prefix(node) + kernel_error_text(code, value);
}

void FunctionImpl::throw_pending(const CallState& st) const {
    const std::string& pending_message_ = st.pending_message;
    switch (st.pending_kind) {
    case kShape:
        throw ShapeError(pending_message_);
    case kValue:
        throw ValueError(pending_message_);
    case kMemory:
        throw ValueError(name_ + ": kernel allocation failed: " + pending_message_);
    default:
        throw InternalError(name_ + ": kernel reported an error without a message");
    }
}

// ---- copies -----------------------------------------------------------------------------------

std::shared_ptr<FunctionImpl> FunctionImpl::copy(const CopyOptions& options) const {
    std::vector<std::shared_ptr<SharedStorage>> shared = shared_;
    for (const auto& [from, to] : options.swap) {
        TJ_CHECK(from.storage() && to.storage(), ValueError)
            << name_ << ": copy: swap needs shared variables";
        auto it = std::find(shared.begin(), shared.end(), from.storage());
        TJ_CHECK(it != shared.end(), ValueError)
            << name_ << ": copy: shared variable \"" << from.storage()->name
            << "\" is not used by the function";
        TJ_CHECK(from.storage()->type == to.storage()->type, TypeError)
            << name_ << ": copy: cannot swap shared variable \"" << from.storage()->name << "\" ("
            << from.storage()->type.str() << ") for \"" << to.storage()->name << "\" ("
            << to.storage()->type.str() << "): the types differ";
        *it = to.storage();
    }
    // Error messages name the swapped-in variables; the locks follow them.
    return std::make_shared<FunctionImpl>(kernels_, inputs_, std::move(shared),
                                          allow_input_downcast_, name_,
                                          delete_updates_ || options.delete_updates);
}

} // namespace detail
} // namespace tensorjit
