// The requests of resource monitoring and the de-duplication blacklist
// (included by messages.hpp; their codec is request_codec_monitor.cpp).
#pragma once

#include <cstdint>
#include <string>

#include "core/model/job.hpp"

namespace desaster::protocol {

class BodyWriter;
class MapReader;

// "resources" {series?, since_ms?} -> ResourcesReply (monitor_replies.hpp):
// the node's current sample, its workers, the completions per node and the
// history of the last since_ms (0: all it keeps). series "seconds" (1 s
// points, 10 minutes), "minutes" (1 min mean and max, 24 hours) or "none";
// empty picks seconds when since_ms is at most 10 minutes, else minutes.
struct Resources {
  std::string series;
  std::uint64_t since_ms = 0;
};

// "blacklist" {action: list|clear|window, queue?, search?, identity?,
// window_ms?, limit?}
//   list   -> BlacklistReply: per queue (every queue when none is named)
//             the window, rejections and entries whose identity contains search
//   clear  -> {}: one identity of the queue, all of its entries, or every
//             queue's (no queue)
//   window -> {}: sets the queue's de-duplication window (0: off)
enum class BlacklistAction : std::uint8_t { list, clear, window };
struct BlacklistCommand {
  BlacklistAction action = BlacklistAction::list;
  std::string queue;
  std::string search;
  std::string identity;
  std::uint64_t window_ms = 0;
  std::uint32_t limit = 1000;  // entries per queue in a list
};

const char* to_string(BlacklistAction action);
bool blacklist_action_from_string(std::string_view name, BlacklistAction& out);

void write(BodyWriter& w, const Resources& b);
void read(MapReader& r, Resources& b);
void write(BodyWriter& w, const BlacklistCommand& b);
void read(MapReader& r, BlacklistCommand& b);

}  // namespace desaster::protocol
