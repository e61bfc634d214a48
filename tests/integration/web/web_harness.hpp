// What the desaster-web tests need beside the node harness: desaster-web
// as a child process, and a small HTTP/1.1 client on plain sockets (so the
// tests can also send what no library would: oversized headers, a request
// that never ends, an SSE stream read event by event).
#pragma once

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/integration/harness/harness.hpp"

namespace desaster::test::web {

using nlohmann::json;

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// desaster-web started from its binary with its stderr in a log file.
class WebProcess {
 public:
  // prefix: a command to run it under (such as `ip netns exec NS`).
  WebProcess(std::string dir, std::vector<std::string> args, std::vector<std::string> prefix = {})
      : log_path_(std::move(dir) + "/web.log"),
        args_(std::move(args)),
        prefix_(std::move(prefix)) {}
  ~WebProcess() { stop(); }

  // Starts and waits until it says it serves; false (see log()) if not.
  bool start() {
    spawn();
    return wait_until([&] { return log().find("serving") != std::string::npos || !alive(); },
                      std::chrono::seconds(20)) &&
           alive();
  }
  void spawn() {
    pid_ = fork();
    if (pid_ == 0) {
      const int fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      dup2(fd, 2);
      dup2(fd, 1);
      std::vector<char*> argv;
      std::string bin = DESASTER_WEB_BIN;
      for (std::string& p : prefix_) argv.push_back(p.data());
      argv.push_back(bin.data());
      for (std::string& a : args_) argv.push_back(a.data());
      argv.push_back(nullptr);
      execvp(argv[0], argv.data());
      _exit(127);
    }
  }
  bool alive() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
      pid_ = -1;
      return false;
    }
    return true;
  }
  // Waits for the process to end by itself; its exit status.
  int wait_exit() {
    wait_until([&] { return !alive(); }, std::chrono::seconds(20));
    return exit_status_;
  }
  void stop() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      if (!wait_until([&] { return !alive(); }, std::chrono::seconds(10))) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
      }
      pid_ = -1;
    }
  }
  std::string log() const { return read_file(log_path_); }

 private:
  std::string log_path_;
  std::vector<std::string> args_;
  std::vector<std::string> prefix_;
  pid_t pid_ = -1;
  int exit_status_ = -1;
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names; last one wins
  std::vector<std::string> set_cookies;
  std::string body;
  json doc() const {
    json d = json::parse(body, nullptr, false);
    INFO(body);
    REQUIRE(!d.is_discarded());
    return d;
  }
  std::string error() const { return doc().value("error", std::string()); }
};

inline int connect_to(std::uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

inline bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Reads until the peer closes or timeout; returns what came. closed says
// whether the peer closed.
inline std::string read_until_closed(int fd, std::chrono::milliseconds timeout, bool* closed) {
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[65536];
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      if (closed) *closed = true;
      return out;
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  if (closed) *closed = false;
  return out;
}

inline HttpResponse parse_response(const std::string& raw) {
  HttpResponse r;
  const std::size_t end = raw.find("\r\n\r\n");
  if (end == std::string::npos) return r;
  std::istringstream head(raw.substr(0, end));
  std::string line;
  std::getline(head, line);
  if (line.size() > 12) r.status = std::atoi(line.c_str() + 9);
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    if (name == "set-cookie") r.set_cookies.push_back(value);
    r.headers[name] = value;
  }
  r.body = raw.substr(end + 4);
  if (r.headers.count("transfer-encoding")) {  // chunked
    std::string body;
    std::size_t at = 0;
    while (at < r.body.size()) {
      const std::size_t eol = r.body.find("\r\n", at);
      if (eol == std::string::npos) break;
      const std::size_t size = std::stoul(r.body.substr(at, eol - at), nullptr, 16);
      if (size == 0) break;
      body += r.body.substr(eol + 2, size);
      at = eol + 2 + size + 2;
    }
    r.body = body;
  }
  return r;
}

// One request on a fresh connection (Connection: close).
inline HttpResponse http(std::uint16_t port, const std::string& method, const std::string& path,
                         const std::string& body = {},
                         const std::vector<std::string>& headers = {}) {
  const int fd = connect_to(port);
  REQUIRE(fd >= 0);
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const std::string& h : headers) req += h + "\r\n";
  if (!body.empty() || method == "POST")
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  send_all(fd, req);
  bool closed = false;
  const std::string raw = read_until_closed(fd, std::chrono::seconds(30), &closed);
  close(fd);
  return parse_response(raw);
}

// An open /api/events stream, read event by event.
class SseStream {
 public:
  SseStream(std::uint16_t port, const std::string& path,
            const std::vector<std::string>& headers = {}) {
    fd_ = connect_to(port);
    REQUIRE(fd_ >= 0);
    std::string req =
        "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
    for (const std::string& h : headers) req += h + "\r\n";
    send_all(fd_, req + "\r\n");
  }
  ~SseStream() {
    if (fd_ >= 0) close(fd_);
  }
  struct Event {
    std::string name;
    json data;
  };
  // Waits for an event named `name` whose data satisfies pred.
  std::optional<Event> wait_for(const std::string& name,
                                const std::function<bool(const json&)>& pred,
                                std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      for (std::size_t end; (end = buffer_.find("\n\n")) != std::string::npos;) {
        const std::string block = buffer_.substr(0, end);
        buffer_.erase(0, end + 2);
        Event e;
        std::istringstream lines(block);
        std::string line;
        std::string data;
        while (std::getline(lines, line)) {
          if (line.rfind("event: ", 0) == 0) e.name = line.substr(7);
          if (line.rfind("data: ", 0) == 0) data += line.substr(6);
        }
        if (e.name.empty()) continue;
        e.data = json::parse(data, nullptr, false);
        seen_.push_back(e.name);
        if (e.name == name && !e.data.is_discarded() && pred(e.data)) return e;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
      char buf[65536];
      const ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return std::nullopt;
      std::string chunk(buf, static_cast<std::size_t>(n));
      if (!headers_done_) {
        raw_head_ += chunk;
        const std::size_t end = raw_head_.find("\r\n\r\n");
        if (end == std::string::npos) continue;
        head_ = raw_head_.substr(0, end);
        chunk = raw_head_.substr(end + 4);
        headers_done_ = true;
      }
      // The stream is chunked: strip the chunk-size lines.
      dechunk_ += chunk;
      for (;;) {
        const std::size_t eol = dechunk_.find("\r\n");
        if (eol == std::string::npos) break;
        const std::size_t size = std::stoul(dechunk_.substr(0, eol), nullptr, 16);
        if (dechunk_.size() < eol + 2 + size + 2) break;
        buffer_ += dechunk_.substr(eol + 2, size);
        dechunk_.erase(0, eol + 2 + size + 2);
      }
    }
  }
  const std::string& head() const { return head_; }
  const std::vector<std::string>& seen() const { return seen_; }

 private:
  int fd_ = -1;
  bool headers_done_ = false;
  std::string raw_head_;
  std::string head_;
  std::string dechunk_;
  std::string buffer_;
  std::vector<std::string> seen_;
};

}  // namespace desaster::test::web
