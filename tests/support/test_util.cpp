#include "support/test_util.hpp"

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <iterator>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace tj_test {

TempDir::TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "tj_test_XXXXXX").string();
    if (!mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
    path_ = templ;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ec);
    std::filesystem::remove_all(path_, ec);
}

StderrCapture::StderrCapture() : file_(dir_.path() / "stderr") {
    std::fflush(stderr);
    saved_ = ::dup(2);
    int fd = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 2);
    ::close(fd);
}

StderrCapture::~StderrCapture() { restore(); }

std::string StderrCapture::text() {
    restore();
    std::ifstream in(file_, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void StderrCapture::restore() {
    if (saved_ < 0) return;
    std::fflush(stderr);
    ::dup2(saved_, 2);
    ::close(saved_);
    saved_ = -1;
}

bool all_close(const tensorjit::Array& a, const tensorjit::Array& b, double rtol) {
    if (!(a.shape() == b.shape())) return false;
    for (std::int64_t i = 0; i < a.size(); ++i)
        if (!(std::abs(a.flat(i) - b.flat(i)) <= rtol * (1 + std::abs(b.flat(i))))) return false;
    return true;
}

tensorjit::Array random_array(std::mt19937_64& rng, tensorjit::DType dtype,
                              const tensorjit::Dims& shape, double lo, double hi) {
    auto a = tensorjit::Array::empty(dtype, shape);
    tensorjit::visit_dtype(dtype, [&](auto v) {
        using T = decltype(v);
        T* p = static_cast<T*>(a.raw_data());
        for (std::int64_t i = 0; i < a.size(); ++i) {
            if constexpr (std::is_same_v<T, bool>) {
                p[i] = std::uniform_int_distribution<int>(0, 1)(rng) != 0;
            } else if constexpr (std::is_integral_v<T>) {
                auto l = static_cast<long long>(lo), h = static_cast<long long>(hi);
                p[i] = static_cast<T>(std::uniform_int_distribution<long long>(l, h - 1)(rng));
            } else {
                p[i] = static_cast<T>(std::uniform_real_distribution<double>(lo, hi)(rng));
            }
        }
    });
    return a;
}

std::filesystem::path shared_dir() { return std::filesystem::path(TJ_SHARED_DIR); }

int run_command(const std::string& command, std::string* out) {
    FILE* p = popen(command.c_str(), "r");
    if (!p) return -1;
    std::array<char, 4096> buf;
    std::size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0)
        if (out) out->append(buf.data(), n);
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void check_golden(const std::filesystem::path& path, const std::string& text) {
    const char* update = std::getenv("TJ_UPDATE_GOLDEN");
    if (update && std::string(update) == "1") {
        std::filesystem::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary) << text;
        return;
    }
    std::ifstream in(path, std::ios::binary);
    INFO("golden file " << path.string());
    REQUIRE(in.good());
    std::stringstream golden;
    golden << in.rdbuf();
    INFO("the text differs from " << path.string()
                                  << " (review, then regenerate with tests/update_golden.sh)");
    CHECK(text == golden.str());
}

} // namespace tj_test
