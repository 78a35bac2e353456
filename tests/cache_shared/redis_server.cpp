// The redis-server fixture and the test client (redis_server.hpp).
#include "redis_server.hpp"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <thread>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace tj_test {

namespace {

// redis-server on PATH, else where Debian puts it.
std::string find_redis_server() {
    std::vector<fs::path> candidates;
    if (const char* path = std::getenv("PATH")) {
        std::string p = path;
        for (std::size_t start = 0; start <= p.size();) {
            std::size_t end = p.find(':', start);
            if (end == std::string::npos) end = p.size();
            if (end > start) candidates.push_back(fs::path(p.substr(start, end - start)));
            start = end + 1;
        }
    }
    candidates.push_back("/usr/bin");
    candidates.push_back("/usr/sbin");
    for (const fs::path& dir : candidates) {
        const fs::path exe = dir / "redis-server";
        if (::access(exe.c_str(), X_OK) == 0) return exe.string();
    }
    return "";
}

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

struct ReplyDeleter {
    void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

} // namespace

int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
    ::close(fd);
    REQUIRE(ok);
    return ntohs(addr.sin_port);
}

RedisServer::RedisServer() {
    const std::string exe = find_redis_server();
    if (exe.empty())
        FAIL("redis-server is not installed (Debian's redis-server package; scripts/setup.sh "
             "installs it): the shared cache tests need a real server");
    // Another process may take the free port between free_port() and the server's bind.
    for (int attempt = 0; attempt < 5; ++attempt)
        if (start(exe)) return;
    FAIL("redis-server did not start; its log:\n" << read_text(dir_.path() / "redis.log"));
}

bool RedisServer::start(const std::string& exe) {
    port_ = free_port();
    const std::string port = std::to_string(port_);
    const std::string log = (dir_.path() / "redis.log").string();
    const std::string dir = dir_.path().string();
    std::vector<std::string> args = {
        exe,  "--port",      port, "--bind", "127.0.0.1", "--save",    "", "--appendonly",
        "no", "--daemonize", "no", "--dir",  dir,         "--logfile", log};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        // Only async-signal-safe calls here. The server dies with the test process, even if the
        // test crashes before the destructor runs.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(127);
        const int null = ::open("/dev/null", O_RDWR);
        if (null >= 0) {
            ::dup2(null, 0);
            ::dup2(null, 1);
        }
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    pid_ = pid;
    for (int i = 0; i < 200; ++i) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1; // exited: the port was taken, say
            return false;
        }
        if (answers_ping()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
    return false;
}

bool RedisServer::answers_ping() const {
    redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, timeval{0, 200000});
    bool ok = false;
    if (c && !c->err) {
        redisSetTimeout(c, timeval{0, 500000});
        Reply r(static_cast<redisReply*>(redisCommand(c, "PING")));
        ok = r && r->type == REDIS_REPLY_STATUS && std::string(r->str, r->len) == "PONG";
    }
    if (c) redisFree(c);
    return ok;
}

RedisServer::~RedisServer() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGCONT);
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
}

std::string RedisServer::url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }

void RedisServer::kill() {
    REQUIRE(pid_ > 0);
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

void RedisServer::pause() {
    REQUIRE(pid_ > 0);
    ::kill(pid_, SIGSTOP);
}

void RedisServer::resume() {
    REQUIRE(pid_ > 0);
    ::kill(pid_, SIGCONT);
}

RedisClient::RedisClient(int port) {
    c_ = redisConnectWithTimeout("127.0.0.1", port, timeval{2, 0});
    REQUIRE(c_);
    INFO("connecting to redis on port " << port << ": " << c_->errstr);
    REQUIRE(c_->err == 0);
    redisSetTimeout(c_, timeval{2, 0});
}

RedisClient::~RedisClient() {
    if (c_) redisFree(c_);
}

std::optional<std::string> RedisClient::get(const std::string& key) {
    Reply r(static_cast<redisReply*>(redisCommand(c_, "GET %b", key.data(), key.size())));
    REQUIRE(r);
    if (r->type == REDIS_REPLY_NIL) return std::nullopt;
    REQUIRE(r->type == REDIS_REPLY_STRING);
    return std::string(r->str, r->len);
}

void RedisClient::set(const std::string& key, const std::string& value) {
    Reply r(static_cast<redisReply*>(
        redisCommand(c_, "SET %b %b", key.data(), key.size(), value.data(), value.size())));
    REQUIRE(r);
    REQUIRE(r->type == REDIS_REPLY_STATUS);
}

void RedisClient::run(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lens;
    for (const auto& a : args) {
        argv.push_back(a.data());
        lens.push_back(a.size());
    }
    Reply r(static_cast<redisReply*>(
        redisCommandArgv(c_, static_cast<int>(args.size()), argv.data(), lens.data())));
    REQUIRE(r);
    INFO("reply: " << (r->str ? std::string(r->str, r->len) : std::string()));
    REQUIRE(r->type != REDIS_REPLY_ERROR);
}

std::vector<std::string> RedisClient::keys(const std::string& pattern) {
    Reply r(static_cast<redisReply*>(redisCommand(c_, "KEYS %b", pattern.data(), pattern.size())));
    REQUIRE(r);
    REQUIRE(r->type == REDIS_REPLY_ARRAY);
    std::vector<std::string> out;
    for (std::size_t i = 0; i < r->elements; ++i)
        out.emplace_back(r->element[i]->str, r->element[i]->len);
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace tj_test
