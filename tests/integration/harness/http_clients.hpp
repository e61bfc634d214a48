// HTTP clients in threads of their own, each sending one GET at a time on a
// fresh connection until stopped, counting how every request ended: what an
// upgrade test checks (nothing refused, lost or failed) and reports.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness/http_get.hpp"

namespace desaster::test {

class HttpClients {
 public:
  HttpClients(int count, std::uint16_t port, std::string path)
      : port_(port), path_(std::move(path)) {
    for (int i = 0; i < count; ++i) threads_.emplace_back([this] { run(); });
  }
  ~HttpClients() { stop(); }
  HttpClients(const HttpClients&) = delete;
  HttpClients& operator=(const HttpClients&) = delete;

  void stop() {
    stop_ = true;
    for (std::thread& t : threads_)
      if (t.joinable()) t.join();
  }

  std::atomic<int> sent{0}, answered{0}, refused{0}, lost{0}, not_ok{0};
  std::atomic<long> longest_ms{0};
  std::string first_failure() {
    std::lock_guard lock(mutex_);
    return first_failure_;
  }

 private:
  void run() {
    while (!stop_) {
      ++sent;
      const auto started = std::chrono::steady_clock::now();
      const HttpAnswer a = http_get(port_, path_);
      const long took = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - started)
                            .count();
      if (took > longest_ms) longest_ms = took;
      if (a.status == 200) {
        ++answered;
        continue;
      }
      (a.refused ? refused : a.status == 0 ? lost : not_ok)++;
      std::lock_guard lock(mutex_);
      if (first_failure_.empty()) first_failure_ = a.text.substr(0, 300);
    }
  }

  std::uint16_t port_;
  std::string path_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::string first_failure_;
  std::vector<std::thread> threads_;
};

}  // namespace desaster::test
