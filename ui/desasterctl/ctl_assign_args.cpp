// Parsing of the worker assignment commands: options and operands in any
// order, every value checked before anything is sent.
#include "ui/desasterctl/ctl_assign_args.hpp"

#include <charconv>

#include "core/model/queue.hpp"
#include "ui/desasterctl/ctl_args.hpp"

namespace desaster {

namespace {

Status bad(const std::string& message) {
  return Status::error(ErrorCode::bad_request, message);
}

bool parse_weight(const std::string& text, std::uint32_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc{} && end == text.data() + text.size() && out > 0;
}

// QUEUE[:WEIGHT]; a queue name may hold ':' itself, so only a numeric tail
// is a weight.
Status parse_queue_weight(const std::string& text, protocol::AssignCommand& out) {
  out.queue = text;
  if (auto colon = text.rfind(':'); colon != std::string::npos && colon + 1 < text.size()) {
    std::uint32_t weight = 0;
    std::string tail = text.substr(colon + 1);
    if (tail.find_first_not_of("0123456789") == std::string::npos) {
      if (!parse_weight(tail, weight)) return bad("weight '" + tail + "' is not a number from 1");
      out.queue = text.substr(0, colon);
      out.weight = weight;
    }
  }
  if (out.queue != "*") {
    if (std::string why = check_queue_name(out.queue); !why.empty()) return bad(why);
  }
  return {};
}

}  // namespace

bool is_assign_command(const std::string& c) {
  return c == "attach" || c == "detach" || c == "pause" || c == "resume" || c == "drain" ||
         c == "undrain" || c == "pin" || c == "unpin";
}

Status parse_assign_args(const std::vector<std::string>& args, std::size_t pos, CtlArgs& out) {
  using protocol::AssignAction;
  const std::string c = out.command;
  protocol::AssignCommand& a = out.assign;
  std::vector<std::string> operands;
  std::string queue_flag;
  while (pos < args.size()) {
    const std::string& arg = args[pos++];
    if (arg == "--node" || arg == "--pool" || arg == "--queue") {
      if (pos >= args.size()) return bad(c + ": " + arg + " needs a value");
      const std::string& value = args[pos++];
      if (value.empty()) return bad(c + ": " + arg + " needs a value");
      (arg == "--node" ? a.node : arg == "--pool" ? a.pool : queue_flag) = value;
    } else if (arg.starts_with("-") && arg != "-" && arg != "*") {
      return bad(c + ": unknown option '" + arg + "'");
    } else {
      operands.push_back(arg);
    }
  }
  if (c == "attach" || c == "detach") {
    a.action = c == "attach" ? AssignAction::attach : AssignAction::detach;
    if (!a.pool.empty() || !queue_flag.empty()) return bad(c + ": give POOL QUEUE as operands");
    if (operands.size() != 2) {
      return bad(c + ": expected POOL QUEUE" + std::string(c == "attach" ? "[:WEIGHT]" : "") +
                 " [--node N]");
    }
    a.pool = operands[0];
    if (Status s = parse_queue_weight(operands[1], a); !s.ok()) return bad(c + ": " + s.message);
    if (c == "detach" && a.weight != 1) return bad("detach: a weight means nothing here");
    return {};
  }
  if (c == "pause" || c == "resume") {
    if (!operands.empty()) return bad(c + ": unexpected argument '" + operands[0] + "'");
    if (!queue_flag.empty()) {
      if (!a.pool.empty() || !a.node.empty()) return bad(c + ": --queue goes alone");
      out.command = "queue";
      out.queue.action =
          c == "pause" ? protocol::QueueAction::pause : protocol::QueueAction::resume;
      out.queue.name = queue_flag;
      return {};
    }
    if (a.pool.empty()) return bad(c + ": which pool? (--pool P [--node N], or --queue Q)");
    a.action = c == "pause" ? AssignAction::pause : AssignAction::resume;
    return {};
  }
  if (c == "drain" || c == "undrain") {
    if (!a.pool.empty() || !queue_flag.empty()) return bad(c + ": takes only a node");
    if (operands.size() > 1) return bad(c + ": give at most one node");
    if (!operands.empty()) {
      if (!a.node.empty()) return bad(c + ": give the node once");
      a.node = operands[0];
    }
    a.action = c == "drain" ? AssignAction::drain : AssignAction::undrain;
    return {};
  }
  // pin / unpin
  if (!queue_flag.empty()) return bad(c + ": unknown option '--queue'");
  if (operands.empty()) return bad(c + ": which job? (give one or more ids)");
  out.ids = std::move(operands);
  if (c == "pin") {
    if (a.node.empty() && a.pool.empty()) return bad("pin: where to? (--node N and/or --pool P)");
    a.action = AssignAction::pin;
  } else {
    if (!a.node.empty() || !a.pool.empty()) return bad("unpin: takes only job ids");
    a.action = AssignAction::unpin;
  }
  return {};
}

std::string ctl_assign_help_text() {
  return "  attach POOL QUEUE[:WEIGHT] [--node N]    the pool serves the queue (POOL: shell or\n"
         "                                           a Ruby pool; without --node on every node)\n"
         "  detach POOL QUEUE [--node N]             stop serving it (none left: the default)\n"
         "  pause|resume --pool P [--node N]         no new leases to the pool's workers\n"
         "  pause|resume --queue Q                   the same as queue pause|resume Q\n"
         "  drain|undrain [NODE]                     no new leases on the node [the one asked]\n"
         "  pin ID... [--node N] [--pool P]          run the jobs only there\n"
         "  unpin ID...                              run them anywhere again\n";
}

}  // namespace desaster
