// The fuzz target's kernel cache, in place of compiler/function/kernel_cache.cpp (which needs the
// JIT and the disk cache): the loaded function graph goes through the rewrites and code
// generation (codegen::compile_graph, every phase a file reaches before Clang), then the load
// stops with tj_fuzz::SourceGenerated.
#include "tests/fuzz/fuzz_stubs.hpp"

#include "compiler/codegen/pipeline.hpp"
#include "compiler/function/function_impl.hpp"

#include <cstdlib>

namespace tensorjit {

std::shared_ptr<const CompiledKernel> get_kernel(const FunctionGraph& g) {
    const codegen::KernelSource src = codegen::compile_graph(g, "tj_k_fuzz");
    throw tj_fuzz::SourceGenerated{src.text.size()};
}

// Only counted after get_kernel returned.
void count_function_built() { std::abort(); }

// Only read from a kernel get_kernel returned (kernel_source()).
const std::string& CompiledKernel::source() const { std::abort(); }

} // namespace tensorjit
