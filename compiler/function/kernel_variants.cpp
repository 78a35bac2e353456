// The kernels of a function by argument layout: the contiguous one, and strided ones compiled on
// first need.
#include "compiler/function/function_impl.hpp"

#include <tensorjit/error.hpp>

namespace tensorjit {

KernelVariants::KernelVariants(FunctionGraph graph,
                               std::shared_ptr<const CompiledKernel> contiguous)
    : graph_(std::move(graph)), contiguous_(std::move(contiguous)) {}

const CompiledKernel& KernelVariants::strided(std::uint64_t mask) const {
    {
        std::lock_guard lock(mutex_);
        for (const auto& [m, k] : strided_)
            if (m == mask) return *k;
    }
    // Built without the lock: get_kernel makes concurrent builds of one key compile once.
    FunctionGraph g = graph_;
    g.strided_leaves = mask;
    std::shared_ptr<const CompiledKernel> k = get_kernel(g);
    // The same schedule: the frame the function set up for the contiguous kernel fits it.
    TJ_INTERNAL_CHECK(k->plan.slots.size() == contiguous_->plan.slots.size() &&
                      k->plan.output_slots == contiguous_->plan.output_slots &&
                      k->plan.updates == contiguous_->plan.updates)
        << "the strided kernel's binding plan differs from the contiguous one's";
    std::lock_guard lock(mutex_);
    for (const auto& [m, have] : strided_)
        if (m == mask) return *have;
    strided_.emplace_back(mask, std::move(k));
    return *strided_.back().second;
}

std::uint64_t layout_mask(const tj_arr* slots, const std::vector<std::pair<int, int>>& leaf_bits,
                          const codegen::BindingPlan& plan) {
    std::uint64_t mask = 0;
    for (const auto& [slot, bit] : leaf_bits) {
        const tj_arr& a = slots[slot];
        long long expected = 1;
        bool contiguous = true;
        for (int d = plan.slots[static_cast<std::size_t>(slot)].ndim - 1; d >= 0; --d) {
            if (a.shape[d] == 0) {
                contiguous = true;
                break;
            }
            if (a.shape[d] != 1 && a.strides[d] != expected) contiguous = false;
            expected *= a.shape[d];
        }
        if (!contiguous) mask |= std::uint64_t{1} << bit;
    }
    return mask;
}

} // namespace tensorjit
