/// \file
/// Hashing (internal header): SHA-256 from OpenSSL's libcrypto for names that must not collide
/// (cache keys name kernel code), XXH3 from libxxhash for integrity checksums that only have to
/// catch accidents (truncation, bit rot) and should cost next to nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace tensorjit {

/// Streaming SHA-256 (OpenSSL EVP). Errors of libcrypto throw tensorjit::Error.
class Sha256 {
  public:
    Sha256();
    ~Sha256();
    Sha256(Sha256&&) noexcept;
    Sha256& operator=(Sha256&&) noexcept;
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    /// Appends data to the message.
    Sha256& update(std::string_view data);
    /// The digest of everything appended so far, as 64 lowercase hex digits. Does not end the
    /// stream: update() may be called afterwards and hex() again.
    std::string hex() const;

  private:
    struct Context;
    std::unique_ptr<Context> ctx_;
};

/// SHA-256 of data, as 64 lowercase hex digits.
std::string sha256_hex(std::string_view data);

/// Streaming XXH3 (non-cryptographic). Allocation failure throws std::bad_alloc.
class Xxh3 {
  public:
    Xxh3();
    ~Xxh3();
    Xxh3(Xxh3&&) noexcept;
    Xxh3& operator=(Xxh3&&) noexcept;
    Xxh3(const Xxh3&) = delete;
    Xxh3& operator=(const Xxh3&) = delete;

    Xxh3& update(std::string_view data);
    /// XXH3-128 of everything appended so far, as 32 lowercase hex digits (high half first, the
    /// canonical order of XXH128_canonicalFromHash).
    std::string hex128() const;

  private:
    struct State;
    std::unique_ptr<State> state_;
};

/// XXH3-64 of data.
std::uint64_t xxh3_64(std::string_view data);
/// XXH3-128 of data as 32 lowercase hex digits (as Xxh3::hex128).
std::string xxh3_128_hex(std::string_view data);

} // namespace tensorjit
