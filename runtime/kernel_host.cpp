// The tj_rt_* trampolines kernels call, and the table of host symbols.
#include "runtime/kernel_host.hpp"

#include "codegen_templates/kernel_abi.h"
#include "codegen_templates/profile.h"
#include "codegen_templates/random.h"

namespace tensorjit {

namespace {
KernelHost& host_of(tj_frame* f) { return *static_cast<KernelHost*>(f->rt); }
} // namespace

extern "C" {
void* tj_rt_alloc(tj_frame* f, int slot, int ndim, const long long* shape) {
    return host_of(f).alloc(slot, ndim, shape);
}
int tj_rt_shape_error(tj_frame* f, int node, int na, const long long* a, int nb,
                      const long long* b) {
    host_of(f).shape_error(node, na, a, nb, b);
    return 1;
}
int tj_rt_extent_error(tj_frame* f, int node, int kind, int na, const long long* a, int axis_a,
                       int nb, const long long* b, int axis_b) {
    host_of(f).extent_error(node, kind, na, a, axis_a, nb, b, axis_b);
    return 1;
}
void* tj_rt_scratch(tj_frame* f, int which, long long bytes) {
    return host_of(f).scratch(which, bytes);
}
int tj_rt_value_error(tj_frame* f, int node, int code, long long value) {
    host_of(f).value_error(node, code, value);
    return 1;
}
void tj_rt_prof_begin(tj_frame* f, int step) { host_of(f).prof_begin(step); }
void tj_rt_prof_end(tj_frame* f, int step, long long bytes) { host_of(f).prof_end(step, bytes); }
}

std::span<const HostSymbol> host_symbols() {
#define TJ_HOST_SYMBOL(name)                                                                       \
    HostSymbol { #name, reinterpret_cast < void*>(&name) }
    static const HostSymbol table[] = {
        TJ_HOST_SYMBOL(tj_rt_alloc),           TJ_HOST_SYMBOL(tj_rt_shape_error),
        TJ_HOST_SYMBOL(tj_rt_value_error),     TJ_HOST_SYMBOL(tj_rt_scratch),
        TJ_HOST_SYMBOL(tj_rng_seed),           TJ_HOST_SYMBOL(tj_rng_next_uint64),
        TJ_HOST_SYMBOL(tj_rng_next_uint32),    TJ_HOST_SYMBOL(tj_rng_next_double),
        TJ_HOST_SYMBOL(tj_rng_uniform),        TJ_HOST_SYMBOL(tj_rng_standard_normal),
        TJ_HOST_SYMBOL(tj_rng_normal),         TJ_HOST_SYMBOL(tj_rng_standard_exponential),
        TJ_HOST_SYMBOL(tj_rng_exponential),    TJ_HOST_SYMBOL(tj_rng_standard_gamma),
        TJ_HOST_SYMBOL(tj_rng_gamma),          TJ_HOST_SYMBOL(tj_rng_beta),
        TJ_HOST_SYMBOL(tj_rng_integers),       TJ_HOST_SYMBOL(tj_rng_integers32),
        TJ_HOST_SYMBOL(tj_rng_bounded_uint64), TJ_HOST_SYMBOL(tj_rng_interval),
        TJ_HOST_SYMBOL(tj_rng_binomial),       TJ_HOST_SYMBOL(tj_rng_bernoulli),
        TJ_HOST_SYMBOL(tj_rng_poisson),        TJ_HOST_SYMBOL(tj_rng_fill_uniform),
        TJ_HOST_SYMBOL(tj_rng_fill_normal),    TJ_HOST_SYMBOL(tj_rng_bounded_uint),
        TJ_HOST_SYMBOL(tj_rng_choice),         TJ_HOST_SYMBOL(tj_rng_choice_check),
        TJ_HOST_SYMBOL(tj_rng_permutation),    TJ_HOST_SYMBOL(tj_rt_extent_error),
        TJ_HOST_SYMBOL(tj_rt_prof_begin),      TJ_HOST_SYMBOL(tj_rt_prof_end),
    };
#undef TJ_HOST_SYMBOL
    return table;
}

} // namespace tensorjit
