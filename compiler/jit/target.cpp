// The target generated code is built for: the host (-march=native) or a CPU named by
// TJ_TARGET_CPU or `tensorjit-cache warm --target-cpu`, and whether this host can run it.
#include "compiler/jit/host_target.hpp"
#include "compiler/jit/jit.hpp"
#include "runtime/log.hpp"
#include "tensorjit/error.hpp"

#include <llvm/Config/llvm-config.h>
#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/MC/TargetRegistry.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <set>
#include <sstream>

namespace tensorjit::jit {

namespace {

std::string make_id(const Target& t) {
    return std::string("llvm ") + LLVM_VERSION_STRING + "; " + t.triple + "; " +
           (t.native ? "" : "cpu=") + t.cpu + "; " + t.features;
}

// LLVM's subtarget description of cpu on triple, or null when LLVM does not know the CPU.
std::unique_ptr<llvm::MCSubtargetInfo> subtarget(const std::string& triple, const std::string& cpu,
                                                 const std::string& features) {
    detail::initialize_native_target();
    std::string error;
    const llvm::Target* target = llvm::TargetRegistry::lookupTarget(triple, error);
    if (!target) throw CompileError("no LLVM target for " + triple + ": " + error, error, "");
    std::unique_ptr<llvm::MCSubtargetInfo> info(
        target->createMCSubtargetInfo(triple, "", features));
    if (!info || !info->isCPUStringValid(cpu)) return nullptr;
    info.reset(target->createMCSubtargetInfo(triple, cpu, features));
    return info;
}

// The features LLVM enables for a CPU, among those host detection reports on this triple (the
// instruction sets: the same list on every host of the triple, so the result does not depend on
// the machine that computes it), sorted as "+name" / "-name".
std::vector<std::string> cpu_features(const llvm::MCSubtargetInfo& info) {
    std::vector<std::string> names;
    std::istringstream host_features(detail::host_target().features);
    for (std::string f; std::getline(host_features, f, ',');) {
        if (f.size() < 2) continue;
        const std::string name = f.substr(1);
        names.push_back((info.checkFeatures("+" + name) ? "+" : "-") + name);
    }
    std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
        return a.compare(1, std::string::npos, b, 1, std::string::npos) < 0;
    });
    return names;
}

std::string join(const std::vector<std::string>& names, const char* sep) {
    std::string out;
    for (const std::string& n : names) out += (out.empty() ? "" : sep) + n;
    return out;
}

Target host() {
    const detail::HostTarget& h = detail::host_target();
    Target t;
    t.triple = h.triple;
    t.cpu = h.cpu;
    t.features = h.features;
    t.native = true;
    t.id = make_id(t);
    return t;
}

} // namespace

Target named_target(const std::string& cpu) {
    const detail::HostTarget& h = detail::host_target();
    if (cpu == "native") return host();
    auto info = subtarget(h.triple, cpu, "");
    if (!info) {
        std::ostringstream os;
        os << "unknown target CPU '" << cpu << "' for " << h.triple
           << " (LLVM knows e.g. x86-64, x86-64-v2, x86-64-v3, x86-64-v4, haswell, skylake, "
              "skylake-avx512, icelake-server, znver2, znver3, znver4; this host is "
           << h.cpu << ")";
        throw ValueError(os.str());
    }
    Target t;
    t.triple = h.triple;
    t.cpu = cpu;
    t.features = join(cpu_features(*info), ",");
    t.native = false;
    t.id = make_id(t);
    return t;
}

std::string host_incompatibility(const Target& target) {
    if (target.native) return "";
    const detail::HostTarget& h = detail::host_target();
    if (target.triple != h.triple) return "it is for " + target.triple + ", this host " + h.triple;
    std::set<std::string> has, known;
    std::istringstream host_features(h.features);
    for (std::string f; std::getline(host_features, f, ',');) {
        if (f.size() < 2) continue;
        known.insert(f.substr(1));
        if (f[0] == '+') has.insert(f.substr(1));
    }
    std::vector<std::string> missing;
    std::istringstream wanted(target.features);
    for (std::string f; std::getline(wanted, f, ',');) {
        if (f.size() < 2 || f[0] != '+') continue;
        const std::string name = f.substr(1);
        if (known.count(name) && !has.count(name)) missing.push_back(name);
    }
    if (missing.empty()) return "";
    return "this host (" + h.cpu + ") lacks " + join(missing, ", ");
}

const Target& default_target() {
    static const Target target = [] {
        const char* env = std::getenv("TJ_TARGET_CPU");
        if (!env || !*env) return host();
        try {
            Target t = named_target(env);
            if (std::string why = host_incompatibility(t); !why.empty()) {
                warn_once("target-cpu", "TJ_TARGET_CPU=" + std::string(env) +
                                            " is not used: code built for it cannot run here (" +
                                            why + "); building for this host");
                return host();
            }
            log().info("building kernels for TJ_TARGET_CPU={}", env);
            return t;
        } catch (const std::exception& e) {
            warn_once("target-cpu", "TJ_TARGET_CPU is not used: " + std::string(e.what()) +
                                        "; building for this host");
            return host();
        }
    }();
    return target;
}

std::string toolchain_id() { return std::string("clang/LLVM ") + LLVM_VERSION_STRING; }

const std::string& target_id() { return default_target().id; }

} // namespace tensorjit::jit
