// The codec of monitor_messages.hpp's requests, in the style of
// request_codec.cpp: one writer and one reader per body, side by side.
#include <array>

#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/limits.hpp"
#include "transport/protocol/map_reader.hpp"
#include "transport/protocol/messages.hpp"

namespace desaster::protocol {

namespace {
constexpr std::array<const char*, 3> kBlacklistActionNames{"list", "clear", "window"};
constexpr std::uint32_t kMaxBlacklistLimit = 100'000;
}  // namespace

const char* to_string(BlacklistAction action) {
  return kBlacklistActionNames.at(static_cast<std::size_t>(action));
}

bool blacklist_action_from_string(std::string_view name, BlacklistAction& out) {
  for (std::size_t i = 0; i < kBlacklistActionNames.size(); ++i) {
    if (name == kBlacklistActionNames[i]) {
      out = static_cast<BlacklistAction>(i);
      return true;
    }
  }
  return false;
}

void write(BodyWriter& w, const Resources& b) {
  if (!b.series.empty()) w.add("series", b.series);
  if (b.since_ms != 0) w.add("since_ms", b.since_ms);
}
void read(MapReader& r, Resources& b) {
  r.read("series", b.series);
  r.read_in<std::uint64_t>("since_ms", b.since_ms, 0, kMaxDelayMs);
  if (r.ok() && !b.series.empty() && b.series != "seconds" && b.series != "minutes" &&
      b.series != "none") {
    r.fail("series", "must be seconds, minutes or none");
  }
}

void write(BodyWriter& w, const BlacklistCommand& b) {
  w.add("action", to_string(b.action));
  if (!b.queue.empty()) w.add("queue", b.queue);
  if (!b.search.empty()) w.add("search", b.search);
  if (!b.identity.empty()) w.add("identity", b.identity);
  if (b.action == BlacklistAction::window) w.add("window_ms", b.window_ms);
  if (b.limit != BlacklistCommand{}.limit) w.add("limit", b.limit);
}
void read(MapReader& r, BlacklistCommand& b) {
  r.require("action");
  r.read_enum("action", b.action, blacklist_action_from_string);
  r.read_name("queue", b.queue);
  r.read("search", b.search);
  r.read("identity", b.identity);
  r.read_in<std::uint64_t>("window_ms", b.window_ms, 0, kMaxDelayMs);
  r.read("limit", b.limit);  // at most kMaxBlacklistLimit, checked below
  if (!r.ok()) return;
  if (b.action == BlacklistAction::window) {
    r.require("queue");
    r.require("window_ms");
  }
  if (!b.identity.empty() && b.queue.empty()) r.require("queue");
  if (b.limit > kMaxBlacklistLimit) {
    r.fail("limit", "must be at most " + std::to_string(kMaxBlacklistLimit));
  }
}

}  // namespace desaster::protocol
