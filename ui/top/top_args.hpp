// desaster-top's command line: the connection flags of desasterctl
// (-c HOST[:PORT], -k KEY), --delay SECONDS between resource samples,
// --once / -b to print one screen as plain text and exit, and --poll to
// ask the node every refresh instead of keeping a replica of its state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/model/status.hpp"

namespace desaster::top {

struct TopArgs {
  std::string endpoint = "tcp://127.0.0.1:2691";
  std::string group_key;  // empty: $DESASTER_KEY, else "default"
  std::int64_t delay_ms = 1000;
  bool once = false;
  bool poll = false;
  bool json = false;  // --json: the --once data as JSON             // ask the node every refresh
                      // instead of keeping a replica
  std::size_t once_width = 120;  // --once: the screen's size
  std::size_t once_height = 60;
  bool help = false;
};

// args excludes argv[0]; the error says which flag was wrong.
Result<TopArgs> parse_top_args(const std::vector<std::string>& args);
std::string top_help_text();

}  // namespace desaster::top
