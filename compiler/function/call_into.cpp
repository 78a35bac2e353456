// call_into: a call that writes its outputs into arrays the caller owns. The kernel's allocation
// of an output (tj_rt_alloc) returns the caller's buffer when it is C-contiguous, so the kernel
// writes the value in place; another layout gets a private buffer (kept from call to call) whose
// value is copied in after the kernel. The steady-state call allocates nothing.
#include "compiler/function/function_impl.hpp"

#include <tensorjit/function.hpp>

#include <cstdint>
#include <string>
#include <utility>

namespace tensorjit {

using codegen::SlotPlan;

namespace detail {

namespace {

// Whether the kernel writes an output straight into the caller's array. A null buffer (an empty
// wrapped array) would read as a failed allocation to the kernel: it gets a private one.
bool writes_directly(const Array& out) { return out.is_c_contiguous() && out.raw_data(); }

// [first, last) bytes of the elements of an array described by its parts; empty when it has no
// element. The parts come from an array that exists, so the arithmetic does not overflow.
template <class Int>
std::pair<std::uintptr_t, std::uintptr_t>
bytes_of(const void* data, const Int* shape, const Int* strides, int ndim, std::size_t itemsize) {
    long long lo = 0, hi = 0;
    for (int d = 0; d < ndim; ++d) {
        if (shape[d] == 0) return {0, 0};
        const long long reach = static_cast<long long>(shape[d] - 1) * strides[d];
        (reach < 0 ? lo : hi) += reach;
    }
    const auto p = reinterpret_cast<std::uintptr_t>(data);
    const auto isz = static_cast<long long>(itemsize);
    return {p + static_cast<std::uintptr_t>(lo * isz),
            p + static_cast<std::uintptr_t>((hi + 1) * isz)};
}

std::pair<std::uintptr_t, std::uintptr_t> bytes_of(const Array& a) {
    return bytes_of(a.raw_data(), a.shape().data(), a.strides().data(), a.ndim(), a.itemsize());
}

bool overlap(std::pair<std::uintptr_t, std::uintptr_t> a,
             std::pair<std::uintptr_t, std::uintptr_t> b) {
    return a.first != a.second && b.first != b.second && a.first < b.second && b.first < a.second;
}

// "f: call_into: " (or "call_into: " for an unnamed function), and how an output is named.
std::string prefix(const std::string& name) {
    return name.empty() ? "call_into: " : name + ": call_into: ";
}
std::string output_label(std::size_t i, std::size_t n) {
    return n == 1 ? "the output array" : "output array " + std::to_string(i + 1);
}
} // namespace

// Everything that can be checked before the call: nothing has run, nothing has changed.
void FunctionImpl::check_outputs(std::span<const Array> outs) const {
    const auto& plan = kernel_->plan;
    const std::size_t n = plan.output_slots.size();
    TJ_CHECK(outs.size() == n, ValueError)
        << prefix(name_) << "the function has " << n << (n == 1 ? " output" : " outputs")
        << ", got " << outs.size() << (outs.size() == 1 ? " array" : " arrays");
    for (std::size_t i = 0; i < n; ++i) {
        const int slot = plan.output_slots[i];
        const SlotPlan& sp = plan.slots[static_cast<std::size_t>(slot)];
        // function() materializes outputs: each has a slot of its own, allocated by the kernel.
        TJ_INTERNAL_CHECK(sp.kind == SlotPlan::Kind::Output)
            << name_ << ": output " << i << " is not an output slot";
        const Array& out = outs[i];
        TJ_CHECK(!out.read_only(), ValueError)
            << prefix(name_) << output_label(i, n) << ": array is read-only";
        TJ_CHECK(out.dtype() == sp.dtype, ValueError)
            << prefix(name_) << output_label(i, n) << " has dtype " << dtype_name(out.dtype())
            << ", the call computes " << dtype_name(sp.dtype);
        TJ_CHECK(out.ndim() == sp.ndim, ValueError)
            << prefix(name_) << output_label(i, n) << " has shape " << shape_str(out.shape())
            << ", the call computes a " << sp.ndim << "-d value";
        const int first = output_index_[static_cast<std::size_t>(slot)];
        TJ_CHECK(first == static_cast<int>(i) || out.shape() == outs[first].shape(), ValueError)
            << prefix(name_) << output_label(i, n) << " has shape " << shape_str(out.shape())
            << ", but it receives the value of output array " << first + 1 << ", of shape "
            << shape_str(outs[first].shape());
        for (std::size_t j = 0; j < i; ++j)
            TJ_CHECK(!overlap(bytes_of(out), bytes_of(outs[j])), ValueError)
                << prefix(name_) << output_label(i, n) << " overlaps the memory of "
                << output_label(j, n);
    }
}

// Before the kernel, with the arguments and shared values bound: no output may share memory with
// what the kernel reads. The output slots are cleared, so that check_into_written can see that
// the kernel gave each its buffer.
void FunctionImpl::prepare_into(CallState& st) const {
    const auto& plan = kernel_->plan;
    const std::size_t n = plan.output_slots.size();
    for (std::size_t i = 0; i < n; ++i) {
        const auto out = bytes_of(st.into[i]);
        for (std::size_t s = 0; s < plan.slots.size(); ++s) {
            const SlotPlan& sp = plan.slots[s];
            if (sp.kind != SlotPlan::Kind::Input && sp.kind != SlotPlan::Kind::Shared) continue;
            const tj_arr& a = st.slots[s];
            if (!overlap(out, bytes_of(a.data, a.shape, a.strides, sp.ndim, dtype_size(sp.dtype))))
                continue;
            if (sp.kind == SlotPlan::Kind::Input) {
                const InputSpec& in = inputs_[static_cast<std::size_t>(sp.index)];
                const std::string& label = !in.name.empty() ? in.name : in.var_name;
                TJ_THROW(ValueError)
                    << prefix(name_) << output_label(i, n) << " overlaps the memory of input "
                    << (label.empty() ? "#" + std::to_string(sp.index + 1) : "\"" + label + "\"");
            }
            TJ_THROW(ValueError) << prefix(name_) << output_label(i, n)
                                 << " overlaps the memory of shared variable \""
                                 << shared_[static_cast<std::size_t>(sp.index)]->name << "\"";
        }
    }
    for (int slot : plan.output_slots) st.slots[static_cast<std::size_t>(slot)].data = nullptr;
}

// tj_rt_alloc of an output slot during call_into: the shape the kernel computed must be the
// caller's array's (a ValueError of the call otherwise: the kernel stops before any update).
void* FunctionImpl::alloc_into(CallState& st, int slot, const Dims& shape) const {
    const int o = output_index_[static_cast<std::size_t>(slot)];
    const Array& out = st.into[static_cast<std::size_t>(o)];
    TJ_CHECK(out.shape() == shape, ValueError)
        << prefix(name_) << output_label(static_cast<std::size_t>(o), st.into.size())
        << " has shape " << shape_str(out.shape()) << ", the call computes shape "
        << shape_str(shape);
    tj_arr& s = st.slots[static_cast<std::size_t>(slot)];
    const Array* buffer = &out;
    if (!writes_directly(out)) {
        Array& a = st.slot_arrays[static_cast<std::size_t>(slot)];
        if (a.storage_use_count() != 1 || a.dtype() != out.dtype() || !(a.shape() == shape))
            a = Array::empty(out.dtype(), shape);
        buffer = &a;
    }
    // The kernel sees a C-contiguous array (what tj_rt_alloc promises), whatever strides the
    // caller's array has on its extent-1 axes.
    const Dims strides = c_strides(shape);
    s.data = buffer->raw_data();
    for (int d = 0; d < shape.size(); ++d) {
        s.shape[d] = shape[d];
        s.strides[d] = strides[d];
    }
    return s.data;
}

void FunctionImpl::check_into_written(const CallState& st) const {
    for (int slot : kernel_->plan.output_slots)
        TJ_INTERNAL_CHECK(st.slots[static_cast<std::size_t>(slot)].data)
            << name_ << ": call_into: the kernel did not allocate output slot " << slot;
}

const Array& FunctionImpl::output_value(const CallState& st, int slot) const {
    if (!st.into.empty()) {
        const int o = output_index_[static_cast<std::size_t>(slot)];
        if (o >= 0 && writes_directly(st.into[static_cast<std::size_t>(o)]))
            return st.into[static_cast<std::size_t>(o)];
    }
    return st.slot_arrays[static_cast<std::size_t>(slot)];
}

// After the kernel and the updates: the values the kernel did not write in place are copied in
// (arrays of other layouts, and a value that is two outputs, into the second).
void FunctionImpl::finish_into(CallState& st) const {
    const auto& slots = kernel_->plan.output_slots;
    for (std::size_t i = 0; i < slots.size(); ++i) {
        const Array& out = st.into[i];
        const bool first = output_index_[static_cast<std::size_t>(slots[i])] == static_cast<int>(i);
        if (first && writes_directly(out)) continue;
        out.copy_from(output_value(st, slots[i]));
    }
    st.into = {};
}

} // namespace detail

void FunctionBase::call_into_span(std::span<const Array> outs, std::span<const Arg> args) const {
    TJ_CHECK(impl_, ValueError) << "call_into of an empty tj::Function";
    impl_->call_into(outs, args);
}

} // namespace tensorjit
