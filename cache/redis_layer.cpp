// The Redis layer (redis_layer.hpp): hiredis's blocking API with socket timeouts, a small pool of
// connections so that threads never wait on each other's commands, and a back-off after any
// failure so that a dead or stalled server costs each build at most one timeout.
#include "cache/redis_layer.hpp"

#include "cache/cache_files.hpp"
#include "cache/entry_format.hpp"
#include "runtime/log.hpp"

#include <hiredis/hiredis.h>

#include <cctype>
#include <charconv>
#include <csignal>
#include <cstdlib>
#include <ctime>

#include <pthread.h>
#include <sys/time.h>

namespace tensorjit::cache {

using namespace detail;

namespace {

using Clock = std::chrono::steady_clock;

// At most this many idle connections are kept; more threads than that get fresh ones.
constexpr std::size_t kMaxIdle = 4;

struct ReplyDeleter {
    void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

timeval to_timeval(std::chrono::milliseconds ms) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
    return tv;
}

std::string reply_text(const redisReply& r) { return std::string(r.str ? r.str : "", r.len); }

// hiredis writes with write(2): a server that closed the connection would raise SIGPIPE, whose
// default action kills the process. The library must not change the process's signal handling,
// so SIGPIPE is blocked on this thread for the duration of a command and a SIGPIPE the command
// raised is consumed before the old mask comes back.
class SigpipeBlock {
  public:
    SigpipeBlock() {
        sigemptyset(&pipe_);
        sigaddset(&pipe_, SIGPIPE);
        sigset_t pending;
        sigemptyset(&pending);
        sigpending(&pending);
        was_pending_ = sigismember(&pending, SIGPIPE) == 1;
        pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
    }
    ~SigpipeBlock() {
        if (!was_pending_) {
            sigset_t pending;
            sigemptyset(&pending);
            sigpending(&pending);
            if (sigismember(&pending, SIGPIPE) == 1) {
                timespec zero{0, 0};
                sigtimedwait(&pipe_, nullptr, &zero);
            }
        }
        pthread_sigmask(SIG_SETMASK, &old_, nullptr);
    }
    SigpipeBlock(const SigpipeBlock&) = delete;
    SigpipeBlock& operator=(const SigpipeBlock&) = delete;

  private:
    sigset_t pipe_;
    sigset_t old_;
    bool was_pending_ = false;
};

// A decimal number in [lo, hi], whole string, or nullopt.
std::optional<std::uint64_t> parse_number(std::string_view s, std::uint64_t lo, std::uint64_t hi) {
    std::uint64_t v = 0;
    const char* end = s.data() + s.size();
    auto [p, ec] = std::from_chars(s.data(), end, v);
    if (s.empty() || ec != std::errc() || p != end || v < lo || v > hi) return std::nullopt;
    return v;
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// %XX escapes decoded (a password may hold '@', ':' or '/'); false for a bad escape.
bool percent_decode(std::string_view in, std::string* out) {
    out->clear();
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            out->push_back(in[i]);
            continue;
        }
        if (i + 2 >= in.size()) return false;
        const int hi = hex_digit(in[i + 1]), lo = hex_digit(in[i + 2]);
        if (hi < 0 || lo < 0) return false;
        out->push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    return true;
}

bool host_name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
}

// Why an environment variable's value is refused, once per variable.
void warn_env(const char* var, const char* value, const std::string& expected) {
    warn_once(std::string("env-") + var,
              std::string(var) + "='" + value + "' is not " + expected + "; it is ignored");
}

} // namespace

std::string RedisUrl::display() const {
    const std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    return "redis://" + std::string(password.empty() ? "" : ":***@") + h + ":" +
           std::to_string(port) + "/" + std::to_string(db);
}

std::string parse_redis_url(std::string_view url, RedisUrl* out) {
    // The URL may hold a password: messages quote only what cannot be one.
    const std::string form = "expected redis://[:password@]host:port[/db]";
    constexpr std::string_view scheme = "redis://";
    if (!url.starts_with(scheme)) {
        if (url.starts_with("rediss://")) return "TLS (rediss://) is not supported; " + form;
        return "not a redis:// URL; " + form;
    }
    std::string_view rest = url.substr(scheme.size());
    if (rest.find_first_of("?#") != std::string_view::npos)
        return "a query or fragment (?, #) is not supported; " + form;
    RedisUrl u;
    const std::size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
    if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
        std::string_view userinfo = authority.substr(0, at);
        authority = authority.substr(at + 1);
        if (!userinfo.starts_with(':'))
            return "a user name is not supported (only a password, as :password@); " + form;
        if (!percent_decode(userinfo.substr(1), &u.password))
            return "the password has a malformed %-escape; " + form;
        if (u.password.empty()) return "the password after ':' is empty; " + form;
    }
    std::string_view port;
    if (authority.starts_with('[')) {
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos) return "unclosed '[' in the host; " + form;
        u.host = authority.substr(1, close - 1);
        for (char c : u.host)
            if (hex_digit(c) < 0 && c != ':' && c != '.')
                return "the IPv6 address in brackets is malformed; " + form;
        if (authority.substr(close + 1, 1) != ":") return "no port after the host; " + form;
        port = authority.substr(close + 2);
    } else {
        const std::size_t colon = authority.rfind(':');
        if (colon == std::string_view::npos) return "no port after the host; " + form;
        u.host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
        for (char c : u.host)
            if (!host_name_char(c))
                return "the host '" + u.host.substr(0, 64) + "' is not a host name or address; " +
                       form;
    }
    if (u.host.empty()) return "no host; " + form;
    const auto p = parse_number(port, 1, 65535);
    if (!p)
        return "the port '" + std::string(port.substr(0, 16)) + "' is not a number from 1 to " +
               "65535; " + form;
    u.port = static_cast<int>(*p);
    if (!path.empty()) {
        const auto db = parse_number(path, 0, 2147483647);
        if (!db)
            return "the database '" + std::string(path.substr(0, 16)) + "' is not a number; " +
                   form;
        u.db = static_cast<int>(*db);
    }
    *out = std::move(u);
    return "";
}

RedisOptions RedisOptions::from_env() {
    RedisOptions o;
    if (const char* v = std::getenv("TJ_CACHE_REDIS_TIMEOUT_MS"); v && *v) {
        if (auto ms = parse_number(v, 1, 600000))
            o.connect_timeout = o.command_timeout = std::chrono::milliseconds(*ms);
        else
            warn_env("TJ_CACHE_REDIS_TIMEOUT_MS", v, "a number of milliseconds from 1 to 600000");
    }
    if (const char* v = std::getenv("TJ_CACHE_REDIS_MAX_BYTES"); v && *v) {
        if (auto bytes = parse_number(v, 1, kMaxEntryBytes))
            o.max_value_bytes = *bytes;
        else
            warn_env("TJ_CACHE_REDIS_MAX_BYTES", v,
                     "a number of bytes from 1 to " + std::to_string(kMaxEntryBytes));
    }
    return o;
}

std::string redis_key(std::string_view key) {
    // Another entry format gets other keys: its values would only be stale here.
    return "tensorjit:v" + std::string(1, kMagic.back()) + ":" + std::string(key);
}

void RedisLayer::ContextDeleter::operator()(redisContext* c) const { redisFree(c); }

RedisLayer::RedisLayer(RedisUrl url, RedisOptions options)
    : url_(std::move(url)), options_(options) {}

RedisLayer::~RedisLayer() = default;

bool RedisLayer::backing_off() const {
    const std::int64_t at = retry_at_ns_.load(std::memory_order_relaxed);
    return at != 0 && Clock::now().time_since_epoch().count() < at;
}

RedisLayer::Connection RedisLayer::acquire(std::string* why) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!idle_.empty()) {
            Connection c = std::move(idle_.back());
            idle_.pop_back();
            return c;
        }
    }
    Connection c(redisConnectWithTimeout(url_.host.c_str(), url_.port,
                                         to_timeval(options_.connect_timeout)));
    if (!c) {
        *why = "cannot allocate a connection";
        return nullptr;
    }
    if (c->err) {
        *why = "cannot connect: " + std::string(c->errstr);
        return nullptr;
    }
    if (redisSetTimeout(c.get(), to_timeval(options_.command_timeout)) != REDIS_OK) {
        *why = "cannot set the command timeout: " + std::string(c->errstr);
        return nullptr;
    }
    auto command_ok = [&](Reply r, const char* what) {
        if (!r) {
            *why = std::string(what) + " failed: " + c->errstr;
            return false;
        }
        if (r->type == REDIS_REPLY_ERROR) {
            *why = std::string(what) + " refused: " + reply_text(*r).substr(0, 200);
            return false;
        }
        return true;
    };
    if (!url_.password.empty() &&
        !command_ok(Reply(static_cast<redisReply*>(redisCommand(
                        c.get(), "AUTH %b", url_.password.data(), url_.password.size()))),
                    "AUTH"))
        return nullptr;
    if (url_.db != 0 && !command_ok(Reply(static_cast<redisReply*>(redisCommand(
                                        c.get(), "SELECT %s", std::to_string(url_.db).c_str()))),
                                    "SELECT"))
        return nullptr;
    return c;
}

void RedisLayer::release(Connection c) {
    if (!c || c->err) return;
    std::lock_guard<std::mutex> lock(mutex_);
    if (idle_.size() < kMaxIdle) idle_.push_back(std::move(c));
}

std::string RedisLayer::last_error() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return last_error_;
}

void RedisLayer::set_last_error(std::string why) {
    std::lock_guard<std::mutex> lock(mutex_);
    last_error_ = std::move(why);
}

void RedisLayer::failed(const std::string& why) {
    set_last_error(why);
    const auto retry = Clock::now() + options_.retry_after;
    retry_at_ns_.store(retry.time_since_epoch().count(), std::memory_order_relaxed);
    std::vector<Connection> stale;
    {
        // The idle connections are likely broken too (a restarted server closed them).
        std::lock_guard<std::mutex> lock(mutex_);
        stale.swap(idle_);
    }
    warn_once("redis-down", "Redis cache " + name() + " cannot be used (" + why +
                                "); kernels are compiled locally and Redis is not tried again "
                                "for " +
                                std::to_string(options_.retry_after.count()) +
                                " s (further failures are logged at warn level only)");
}

std::string RedisLayer::ping() {
    try {
        SigpipeBlock block;
        std::string why;
        Connection c = acquire(&why);
        if (!c) return why;
        Reply r(static_cast<redisReply*>(redisCommand(c.get(), "PING")));
        if (!r) return std::string("PING failed: ") + c->errstr;
        if (r->type == REDIS_REPLY_ERROR) return "PING refused: " + reply_text(*r).substr(0, 200);
        release(std::move(c));
        retry_at_ns_.store(0, std::memory_order_relaxed);
        return "";
    } catch (const std::exception& e) {
        return e.what();
    }
}

std::optional<Entry> RedisLayer::load(std::string_view key) {
    if (!valid_key(key) || backing_off()) return std::nullopt;
    try {
        const std::string rkey = redis_key(key);
        Reply r;
        {
            SigpipeBlock block;
            std::string why;
            Connection c = acquire(&why);
            if (!c) {
                failed(why);
                return std::nullopt;
            }
            // GETRANGE's end is inclusive: at most one byte more than the limit comes back, so a
            // value over the limit is seen as such without being read whole. A missing key reads
            // as "".
            const std::string end = std::to_string(options_.max_value_bytes);
            r.reset(static_cast<redisReply*>(
                redisCommand(c.get(), "GETRANGE %b 0 %s", rkey.data(), rkey.size(), end.c_str())));
            if (!r) {
                failed(std::string("GETRANGE failed: ") + c->errstr);
                return std::nullopt;
            }
            release(std::move(c));
        }
        std::string why;
        if (r->type == REDIS_REPLY_ERROR) {
            why = reply_text(*r).substr(0, 200);
            // Not a string (someone stored a list there): the value is bad, not the server.
            if (!why.starts_with("WRONGTYPE")) {
                failed("GETRANGE refused: " + why);
                return std::nullopt;
            }
        } else if (r->type != REDIS_REPLY_STRING) {
            why = "unexpected reply type " + std::to_string(r->type);
        } else if (r->len == 0) {
            return std::nullopt; // a miss
        } else if (r->len > options_.max_value_bytes) {
            why = "larger than " + std::to_string(options_.max_value_bytes) +
                  " bytes (TJ_CACHE_REDIS_MAX_BYTES)";
        } else {
            std::optional<Entry> entry = decode(std::string_view(r->str, r->len), &why);
            if (entry) {
                // Shortened: the text comes from the server, which anyone may have written to.
                const std::optional<std::string> named = metadata_key(entry->metadata);
                if (named == std::string(key)) return entry;
                why = named ? "its metadata names another key, " + named->substr(0, 128)
                            : "its metadata names no key";
            }
        }
        // Left in place: the kernel is compiled again and its store() replaces the value.
        set_last_error("the value of " + rkey + " is unusable (" + why + ")");
        warn_once("redis-bad-value", "Redis cache " + name() + ": the value of " + rkey +
                                         " is unusable (" + why +
                                         "); compiling the kernel again (further bad values are "
                                         "logged at warn level only)");
    } catch (const std::exception& e) {
        log().warn("Redis cache {}: key {} cannot be loaded: {}", name(), key, e.what());
    }
    return std::nullopt;
}

bool RedisLayer::store(std::string_view key, const Entry& entry) {
    if (!valid_key(key) || backing_off()) return false;
    try {
        const std::string value = encode(entry);
        if (value.size() > options_.max_value_bytes) {
            set_last_error("the entry of kernel " + std::string(key.substr(0, 16)) + " (" +
                           std::to_string(value.size()) + " bytes) is larger than " +
                           std::to_string(options_.max_value_bytes) +
                           " bytes (TJ_CACHE_REDIS_MAX_BYTES)");
            warn_once("redis-too-large",
                      "Redis cache " + name() + ": the entry of kernel " +
                          std::string(key.substr(0, 16)) + " (" + std::to_string(value.size()) +
                          " bytes) is larger than " + std::to_string(options_.max_value_bytes) +
                          " bytes (TJ_CACHE_REDIS_MAX_BYTES) and is not stored");
            return false;
        }
        const std::string rkey = redis_key(key);
        Reply r;
        {
            SigpipeBlock block;
            std::string why;
            Connection c = acquire(&why);
            if (!c) {
                failed(why);
                return false;
            }
            r.reset(static_cast<redisReply*>(redisCommand(
                c.get(), "SET %b %b", rkey.data(), rkey.size(), value.data(), value.size())));
            if (!r) {
                failed(std::string("SET failed: ") + c->errstr);
                return false;
            }
            release(std::move(c));
        }
        if (r->type == REDIS_REPLY_ERROR) {
            // Out of memory under maxmemory, a read-only replica: this value is refused, the
            // next may not be.
            set_last_error("SET refused: " + reply_text(*r).substr(0, 200));
            warn_once("redis-set", "Redis cache " + name() + " refused to store kernel " +
                                       std::string(key.substr(0, 16)) + ": " +
                                       reply_text(*r).substr(0, 200));
            return false;
        }
        return true;
    } catch (const std::exception& e) {
        log().warn("Redis cache {}: key {} cannot be stored: {}", name(), key, e.what());
    }
    return false;
}

std::unique_ptr<RedisLayer> make_redis_layer(std::string_view url, std::string* why) {
    RedisUrl parsed;
    *why = parse_redis_url(url, &parsed);
    if (!why->empty()) return nullptr;
    return std::make_unique<RedisLayer>(std::move(parsed), RedisOptions::from_env());
}

} // namespace tensorjit::cache
