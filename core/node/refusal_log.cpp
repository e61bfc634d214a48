// RefusalLog; see refusal_log.hpp.
#include "core/node/refusal_log.hpp"

namespace desaster {

void RefusalLog::note(const std::string& reason, const std::string& who, TimeMs now) {
  ++total_;
  auto [it, first] = seen_.try_emplace(reason);
  Seen& seen = it->second;
  if (!first && now - seen.last_logged < kQuietMs) {
    ++seen.unlogged;
    return;
  }
  std::string line = "refused " + who + ": " + reason;
  if (seen.unlogged > 0) {
    line += " (and " + std::to_string(seen.unlogged) + " more like it since the last report)";
  }
  log_.warn(line);
  seen.last_logged = now;
  seen.unlogged = 0;
}

}  // namespace desaster
