/// \file
/// The Redis layer of the kernel cache (TJ_CACHE_REDIS=redis://host:port/db), through hiredis.
///
/// A value is an entry file's bytes (entry_format.hpp), so the checksum covers it; it is stored
/// under "tensorjit:v<format>:<key>". A value that does not decode, fails its checksum or names
/// another key is ignored with a warning (a miss: the kernel is compiled and set again). Values
/// are bounded on both get (GETRANGE: a larger one is never read whole) and set. Every command
/// has a timeout; a failure (server down, refused, slow) makes the layer back off for a while,
/// with one warning, so that builds fall back to local compilation without waiting on it again.
#pragma once

#include "cache/shared_layer.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct redisContext;

namespace tensorjit::cache {

/// redis://[:password@]host:port[/db], parsed.
struct RedisUrl {
    std::string host; ///< a name, an IPv4 address, or an IPv6 address (written in brackets)
    int port = 0;
    int db = 0;
    std::string password; ///< "" for none
    /// The URL with the password masked, for messages.
    std::string display() const;
};

/// Parses url into *out; returns why it is refused ("" when it is fine). Only the form above is
/// accepted: no other scheme (rediss://, unix://), user name, query or fragment.
std::string parse_redis_url(std::string_view url, RedisUrl* out);

/// Limits of the layer.
struct RedisOptions {
    std::chrono::milliseconds connect_timeout{200};
    std::chrono::milliseconds command_timeout{500}; ///< per socket read or write
    std::uint64_t max_value_bytes = std::uint64_t(64) << 20;
    std::chrono::seconds retry_after{30}; ///< after a failure, no command until then

    /// The defaults, with TJ_CACHE_REDIS_TIMEOUT_MS (connect and command timeout) and
    /// TJ_CACHE_REDIS_MAX_BYTES applied; a malformed value is warned about and ignored.
    static RedisOptions from_env();
};

/// The Redis key of a cache key: "tensorjit:v3:<key>" (the entry format's version).
std::string redis_key(std::string_view key);

class RedisLayer final : public SharedLayer {
  public:
    /// Connects lazily: the first load or store connects.
    RedisLayer(RedisUrl url, RedisOptions options);
    ~RedisLayer() override;
    RedisLayer(const RedisLayer&) = delete;
    RedisLayer& operator=(const RedisLayer&) = delete;

    std::optional<Entry> load(std::string_view key) override;
    bool store(std::string_view key, const Entry& entry) override;
    CacheLayer kind() const override { return CacheLayer::Redis; }
    std::string name() const override { return url_.display(); }

    /// Connects and sends PING now, ignoring a back-off; returns why the server cannot be used,
    /// or "". For tools that want to fail early (tensorjit-cache warm --redis).
    std::string ping();
    /// Whether a recent failure keeps the layer from sending commands.
    bool backing_off() const;
    /// Why the last load or store that failed did ("" if none has): for tools, which report it
    /// rather than fall back.
    std::string last_error() const;
    const RedisOptions& options() const { return options_; }

  private:
    struct ContextDeleter {
        void operator()(redisContext* c) const;
    };
    using Connection = std::unique_ptr<redisContext, ContextDeleter>;

    /// An idle connection, or a new one; nullptr (with *why) when the server cannot be reached.
    Connection acquire(std::string* why);
    /// Keeps a healthy connection for the next command.
    void release(Connection c);
    /// Backs off after a failure of the server or the connection, warning once.
    void failed(const std::string& why);
    void set_last_error(std::string why);

    RedisUrl url_;
    RedisOptions options_;
    std::atomic<std::int64_t> retry_at_ns_{0}; // steady_clock; 0: no back-off
    mutable std::mutex mutex_; // guards idle_ and last_error_, never held during I/O
    std::vector<Connection> idle_;
    std::string last_error_;
};

/// The Redis layer for url with RedisOptions::from_env(), or nullptr with *why when the URL is
/// malformed.
std::unique_ptr<RedisLayer> make_redis_layer(std::string_view url, std::string* why);

} // namespace tensorjit::cache
