// A real redis-server for the shared cache tests: started by the fixture on a free localhost port
// as a child process, stopped by its destructor; and a small hiredis client to look at or damage
// what the cache wrote.
#pragma once

#include "support/test_util.hpp"

#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

struct redisContext;

namespace tj_test {

/// redis-server on 127.0.0.1 and a free port, without persistence, until destroyed. The
/// constructor fails the test (it does not skip it) when redis-server is not installed:
/// scripts/setup.sh installs it, so a missing server is a broken setup.
class RedisServer {
  public:
    RedisServer();
    ~RedisServer();
    RedisServer(const RedisServer&) = delete;
    RedisServer& operator=(const RedisServer&) = delete;

    int port() const { return port_; }
    /// redis://127.0.0.1:<port>/0
    std::string url() const;

    /// SIGKILL, as a crash would: the port stops answering.
    void kill();
    /// SIGSTOP: connections are still accepted by the kernel, but nothing answers (a stalled or
    /// overloaded server).
    void pause();
    /// SIGCONT after pause().
    void resume();

  private:
    bool start(const std::string& exe);
    bool answers_ping() const;
    TempDir dir_; // its working directory and log
    pid_t pid_ = -1;
    int port_ = 0;
};

/// A plain hiredis connection to the test server (2 s timeouts).
class RedisClient {
  public:
    explicit RedisClient(int port);
    ~RedisClient();
    RedisClient(const RedisClient&) = delete;
    RedisClient& operator=(const RedisClient&) = delete;

    std::optional<std::string> get(const std::string& key);
    void set(const std::string& key, const std::string& value);
    /// Runs a command; fails the test on an error reply.
    void run(const std::vector<std::string>& args);
    /// The keys matching a glob pattern, sorted.
    std::vector<std::string> keys(const std::string& pattern);

  private:
    redisContext* c_ = nullptr;
};

/// A port on 127.0.0.1 that nothing listens on (bound to port 0 and closed again).
int free_port();

} // namespace tj_test
