// The counters file of a cache directory: a small JSON object read, changed and rewritten in
// place under flock(LOCK_EX), so that concurrent processes never lose an update. The file may
// have been damaged or planted: anything that does not parse as counters is taken as zero.
#include "cache/cache_counters.hpp"

#include "runtime/log.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tensorjit::cache {

namespace {

using Json = nlohmann::json;

// Counters files stay tiny; a bigger one is not ours.
constexpr off_t kMaxBytes = 1 << 16;

std::uint64_t count(const Json& j, const char* name) {
    auto it = j.find(name);
    return it != j.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
}

double millis(const Json& j, const char* name) {
    auto it = j.find(name);
    return it != j.end() && it->is_number() ? std::max(0.0, it->get<double>()) : 0.0;
}

Counters parse(const std::string& text) {
    Counters c;
    const Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return c;
    if (auto it = j.find("layers"); it != j.end() && it->is_object())
        for (const auto& [name, v] : it->items())
            if (v.is_object() && name.size() <= 32)
                c.layers[name] = LayerCounters{count(v, "hits"), count(v, "misses")};
    c.compiles = count(j, "compiles");
    c.compile_failures = count(j, "compile_failures");
    c.compile_ms = millis(j, "compile_ms");
    c.saved_ms = millis(j, "saved_ms");
    return c;
}

std::string dump(const Counters& c) {
    Json j;
    Json layers = Json::object();
    for (const auto& [name, l] : c.layers) layers[name] = {{"hits", l.hits}, {"misses", l.misses}};
    j["layers"] = std::move(layers);
    j["compiles"] = c.compiles;
    j["compile_failures"] = c.compile_failures;
    j["compile_ms"] = c.compile_ms;
    j["saved_ms"] = c.saved_ms;
    return j.dump(2) + "\n";
}

// The contents of an open counters file ("" when empty, unreadable or too big).
std::string read_all(int fd) {
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > kMaxBytes) return "";
    std::string text(static_cast<std::size_t>(st.st_size), '\0');
    const ssize_t n = ::pread(fd, text.data(), text.size(), 0);
    return n == static_cast<ssize_t>(text.size()) ? text : "";
}

struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

} // namespace

void add_counters(const std::filesystem::path& dir, const Counters& delta) {
    try {
        Fd f{::open((dir / kCountersFile).c_str(),
                    O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600)};
        if (f.fd < 0) {
            log().debug("cache counters in {} not updated: {}", dir.string(), std::strerror(errno));
            return;
        }
        // Blocks only behind another process's read-modify-write of a few hundred bytes.
        if (::flock(f.fd, LOCK_EX) != 0) return;
        const std::string old_text = read_all(f.fd);
        Counters c = parse(old_text);
        for (const auto& [name, l] : delta.layers) {
            c.layers[name].hits += l.hits;
            c.layers[name].misses += l.misses;
        }
        c.compiles += delta.compiles;
        c.compile_failures += delta.compile_failures;
        c.compile_ms += delta.compile_ms;
        c.saved_ms += delta.saved_ms;
        const std::string text = dump(c);
        // Counts only grow, so the text rarely gets shorter: truncate only then (or when the old
        // text was unreadable, say too big).
        const bool shorter = text.size() < old_text.size() || old_text.empty();
        if (::pwrite(f.fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size()) ||
            (shorter && ::ftruncate(f.fd, static_cast<off_t>(text.size())) != 0))
            log().debug("cache counters in {} not updated: {}", dir.string(), std::strerror(errno));
        // The lock goes with the descriptor.
    } catch (const std::exception& e) {
        log().debug("cache counters in {} not updated: {}", dir.string(), e.what());
    }
}

Counters read_counters(const std::filesystem::path& dir) {
    try {
        Fd f{::open((dir / kCountersFile).c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)};
        if (f.fd < 0) return {};
        ::flock(f.fd, LOCK_SH);
        return parse(read_all(f.fd));
    } catch (const std::exception&) {
        return {};
    }
}

bool zero_counters(const std::filesystem::path& dir) {
    Fd f{::open((dir / kCountersFile).c_str(),
                O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600)};
    if (f.fd < 0 || ::flock(f.fd, LOCK_EX) != 0) return false;
    const std::string text = dump(Counters{});
    return ::pwrite(f.fd, text.data(), text.size(), 0) == static_cast<ssize_t>(text.size()) &&
           ::ftruncate(f.fd, static_cast<off_t>(text.size())) == 0;
}

} // namespace tensorjit::cache
