// SHA-256 through OpenSSL's EVP interface, XXH3 through libxxhash. Every libcrypto object is owned
// by a unique_ptr, so it is freed on every path, the error paths included.
#include "runtime/hash.hpp"

#include <tensorjit/error.hpp>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <xxhash.h>

#include <new>

namespace tensorjit {

namespace {

struct EvpCtxFree {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using EvpCtx = std::unique_ptr<EVP_MD_CTX, EvpCtxFree>;

struct XxhStateFree {
    void operator()(XXH3_state_t* s) const { XXH3_freeState(s); }
};

// Throws Error for a failed libcrypto call, with the reason from OpenSSL's error queue (which it
// also clears, so that a later failure does not report this one).
[[noreturn]] void throw_openssl(const char* what) {
    std::string reasons;
    for (unsigned long e = ERR_get_error(); e != 0; e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        reasons += reasons.empty() ? ": " : "; ";
        reasons += buf;
    }
    throw Error(std::string("SHA-256: ") + what + " failed" + reasons);
}

EvpCtx new_ctx() {
    EvpCtx ctx(EVP_MD_CTX_new());
    if (!ctx) throw_openssl("EVP_MD_CTX_new");
    return ctx;
}

std::string to_hex(const unsigned char* bytes, std::size_t n) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(2 * n, '0');
    for (std::size_t i = 0; i < n; ++i) {
        out[2 * i] = kDigits[bytes[i] >> 4];
        out[2 * i + 1] = kDigits[bytes[i] & 0xf];
    }
    return out;
}

} // namespace

struct Sha256::Context {
    EvpCtx ctx;
};

Sha256::Sha256() : ctx_(std::make_unique<Context>(Context{new_ctx()})) {
    if (EVP_DigestInit_ex(ctx_->ctx.get(), EVP_sha256(), nullptr) != 1)
        throw_openssl("EVP_DigestInit_ex");
}

Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

Sha256& Sha256::update(std::string_view data) {
    TJ_INTERNAL_CHECK(ctx_) << "Sha256::update on a moved-from object";
    if (EVP_DigestUpdate(ctx_->ctx.get(), data.data(), data.size()) != 1)
        throw_openssl("EVP_DigestUpdate");
    return *this;
}

std::string Sha256::hex() const {
    TJ_INTERNAL_CHECK(ctx_) << "Sha256::hex on a moved-from object";
    // Finalizing ends a context: finalize a copy, so that the stream can go on.
    EvpCtx copy = new_ctx();
    if (EVP_MD_CTX_copy_ex(copy.get(), ctx_->ctx.get()) != 1) throw_openssl("EVP_MD_CTX_copy_ex");
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(copy.get(), digest, &length) != 1) throw_openssl("EVP_DigestFinal_ex");
    TJ_INTERNAL_CHECK(length == 32) << "SHA-256 digest of " << length << " bytes";
    return to_hex(digest, length);
}

std::string sha256_hex(std::string_view data) { return Sha256().update(data).hex(); }

struct Xxh3::State {
    std::unique_ptr<XXH3_state_t, XxhStateFree> state;
};

Xxh3::Xxh3() : state_(std::make_unique<State>()) {
    state_->state.reset(XXH3_createState());
    if (!state_->state) throw std::bad_alloc();
    TJ_INTERNAL_CHECK(XXH3_128bits_reset(state_->state.get()) == XXH_OK) << "XXH3 reset failed";
}

Xxh3::~Xxh3() = default;
Xxh3::Xxh3(Xxh3&&) noexcept = default;
Xxh3& Xxh3::operator=(Xxh3&&) noexcept = default;

Xxh3& Xxh3::update(std::string_view data) {
    TJ_INTERNAL_CHECK(state_) << "Xxh3::update on a moved-from object";
    TJ_INTERNAL_CHECK(XXH3_128bits_update(state_->state.get(), data.data(), data.size()) == XXH_OK)
        << "XXH3 update failed";
    return *this;
}

std::string Xxh3::hex128() const {
    TJ_INTERNAL_CHECK(state_) << "Xxh3::hex128 on a moved-from object";
    // The digest leaves the state as it was.
    XXH128_canonical_t canonical;
    XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(state_->state.get()));
    return to_hex(canonical.digest, sizeof canonical.digest);
}

std::uint64_t xxh3_64(std::string_view data) { return XXH3_64bits(data.data(), data.size()); }

std::string xxh3_128_hex(std::string_view data) {
    XXH128_canonical_t canonical;
    XXH128_canonicalFromHash(&canonical, XXH3_128bits(data.data(), data.size()));
    return to_hex(canonical.digest, sizeof canonical.digest);
}

} // namespace tensorjit
