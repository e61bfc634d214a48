// Logs the peers the node's CURVE sockets refuse without flooding the log:
// a client with the wrong key reconnects ten times a second, forever.
// The first refusal for a reason is logged at once; later ones at most
// once a minute per reason, with how many there were in between.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/model/job.hpp"
#include "core/node/log.hpp"

namespace desaster {

class RefusalLog {
 public:
  static constexpr TimeMs kQuietMs = 60'000;

  explicit RefusalLog(const Logger& log) : log_(log) {}

  // reason: what was refused and why, without the varying parts (the
  // address goes into `who`), so that repeats group together.
  void note(const std::string& reason, const std::string& who, TimeMs now);
  std::uint64_t total() const { return total_; }

 private:
  struct Seen {
    TimeMs last_logged = 0;
    std::uint64_t unlogged = 0;
  };
  const Logger& log_;
  std::map<std::string, Seen> seen_;
  std::uint64_t total_ = 0;
};

}  // namespace desaster
