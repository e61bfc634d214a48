#include "ui/desasterctl/ctl_monitor_args.hpp"

#include <charconv>

#include "ui/common/durations.hpp"

namespace desaster {

namespace {

Status bad(const std::string& message) {
  return Status::error(ErrorCode::bad_request, message);
}

}  // namespace

Status parse_blacklist_args(const std::vector<std::string>& args, std::size_t pos, CtlArgs& out) {
  protocol::BlacklistCommand& b = out.blacklist;
  if (pos >= args.size()) return bad("blacklist: which action? (list, clear, window)");
  const std::string action = args[pos++];
  if (!protocol::blacklist_action_from_string(action, b.action)) {
    return bad("blacklist: unknown action '" + action + "' (list, clear, window)");
  }
  std::vector<std::string> operands;
  while (pos < args.size()) {
    const std::string& arg = args[pos++];
    if (arg == "--search" || arg == "--limit") {
      if (b.action != protocol::BlacklistAction::list) {
        return bad("blacklist " + action + ": " + arg + " is for list only");
      }
      if (pos >= args.size()) return bad(arg + " needs a value");
      const std::string& v = args[pos++];
      if (arg == "--search") {
        b.search = v;
      } else {
        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), b.limit);
        if (v.empty() || ec != std::errc{} || end != v.data() + v.size() || b.limit == 0 ||
            b.limit > 100'000) {
          return bad("--limit: '" + v + "' is not a number from 1 to 100000");
        }
      }
    } else if (arg.size() > 1 && arg[0] == '-') {
      return bad("blacklist " + action + ": unknown option '" + arg + "'");
    } else {
      operands.push_back(arg);
    }
  }
  switch (b.action) {
    case protocol::BlacklistAction::list:
      if (operands.size() > 1) return bad("blacklist list: give at most one queue");
      if (!operands.empty()) b.queue = operands[0];
      break;
    case protocol::BlacklistAction::clear:
      if (operands.size() > 2) return bad("blacklist clear: give a queue and at most one identity");
      if (!operands.empty()) b.queue = operands[0];
      if (operands.size() == 2) b.identity = operands[1];
      break;
    case protocol::BlacklistAction::window: {
      if (operands.size() != 2) {
        return bad("blacklist window: give a queue and a duration (0 turns it off)");
      }
      b.queue = operands[0];
      auto ms = parse_duration_ms(operands[1]);
      if (!ms.ok() || *ms < 0) {
        return bad("blacklist window: '" + operands[1] + "' is not a duration");
      }
      b.window_ms = static_cast<std::uint64_t>(*ms);
      break;
    }
  }
  if (!b.queue.empty()) {
    if (std::string why = check_queue_name(b.queue); !why.empty()) return bad(why);
  }
  return {};
}

Status parse_resources_args(const std::vector<std::string>& args, std::size_t pos, CtlArgs& out) {
  while (pos < args.size()) {
    const std::string& arg = args[pos++];
    if (arg != "--since" && arg != "--series") {
      return bad(out.command + ": unknown option '" + arg + "'");
    }
    if (pos >= args.size()) return bad(arg + " needs a value");
    const std::string& v = args[pos++];
    if (arg == "--since") {
      auto ms = parse_duration_ms(v);
      if (!ms.ok() || *ms <= 0) return bad("--since: '" + v + "' is not a duration");
      out.resources.since_ms = static_cast<std::uint64_t>(*ms);
    } else {
      if (v != "seconds" && v != "minutes" && v != "none") {
        return bad("--series: '" + v + "' is not seconds, minutes or none");
      }
      out.resources.series = v;
    }
  }
  return {};
}

}  // namespace desaster
