// Drops a request a client sent twice on one connection. The C++ client
// sends a request again, with the same id, when it sees the node close the
// connection before the reply came (connection.hpp); if that close happened
// just before the first send, both copies travel on the new connection.
// Request ids only go up on a connection, so the same id right after itself
// is that copy: its reply is the first copy's.
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

  // True when `id` is the last id seen on `connection` (drop it); else
  // remembers it. Id 0 (no reply wanted) always passes.
  bool repeated(std::string_view connection, std::uint64_t id) {
    if (id == 0) return false;
    auto it = last_.find(std::string(connection));
    if (it != last_.end()) {
      if (it->second == id) return true;
      it->second = id;
      return false;
    }
    if (last_.size() >= kMaxConnections) last_.clear();
    last_.emplace(std::string(connection), id);
    return false;
  }
  std::size_t size() const { return last_.size(); }

 private:
  std::unordered_map<std::string, std::uint64_t> last_;
};

}  // namespace desaster
