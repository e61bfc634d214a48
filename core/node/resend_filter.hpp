// Drops a request a client sent twice on one connection. A client sends a
// request again, with the same id, when it sees the node close the
// connection before the reply came (the C++ client: connection.hpp; the Ruby
// gem: connection.rb); if that close happened just before the first send,
// both copies travel on the new connection. A client with several requests
// on the socket (the gem's threads share one) resends them all, so the
// copies need not follow their originals: [5 6 5 6].
//
// Request ids only go up on a connection, so the filter keeps, per
// connection, the highest id seen and which of the kWindow ids below it were
// seen (a bitmap, as IPsec's anti-replay window): an id seen is a copy, its
// reply the first copy's. A client keeps fewer than kWindow requests on the
// socket (the gem: Connection::RESEND_WINDOW); an id further back than that
// passes, as it would without the filter.
//
// Bounded: past kMaxConnections it forgets everything (a copy then slips
// through, as it would without the filter).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace desaster {

class ResendFilter {
 public:
  static constexpr std::size_t kMaxConnections = 65'536;
  static constexpr std::uint64_t kWindow = 64;

  // True when `id` was seen on `connection` within the window (drop it);
  // else remembers it. Id 0 (no reply wanted) always passes.
  bool repeated(std::string_view connection, std::uint64_t id) {
    if (id == 0) return false;
    auto it = seen_.find(std::string(connection));
    if (it == seen_.end()) {
      if (seen_.size() >= kMaxConnections) seen_.clear();
      seen_.emplace(std::string(connection), Window{id, 1});
      return false;
    }
    Window& w = it->second;
    if (id > w.highest) {
      const std::uint64_t ahead = id - w.highest;
      w.bits = ahead >= kWindow ? 0 : w.bits << ahead;
      w.bits |= 1;
      w.highest = id;
      return false;
    }
    const std::uint64_t behind = w.highest - id;
    if (behind >= kWindow) return false;
    const std::uint64_t bit = std::uint64_t{1} << behind;
    if (w.bits & bit) return true;
    w.bits |= bit;
    return false;
  }
  std::size_t size() const { return seen_.size(); }

 private:
  // Bit i: id highest - i was seen.
  struct Window {
    std::uint64_t highest;
    std::uint64_t bits;
  };
  std::unordered_map<std::string, Window> seen_;
};

}  // namespace desaster
