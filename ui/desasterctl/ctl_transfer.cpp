// desasterctl transfer-leadership (see ctl_transfer.hpp).
#include "ui/desasterctl/ctl_transfer.hpp"

#include <cstdio>

#include "ui/common/json_writer.hpp"

namespace desaster {

Status parse_transfer_args(const std::vector<std::string>& words, CtlArgs& out) {
  if (words.size() > 1) {
    return Status::error(ErrorCode::bad_request,
                         "transfer-leadership: unexpected argument '" + words[1] + "'");
  }
  if (!words.empty()) {
    const std::string& node = words.front();
    bool hex = node.size() >= 4 && node.size() <= 32;
    for (char c : node) hex = hex && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    if (!hex) {
      return Status::error(
          ErrorCode::bad_request,
          "transfer-leadership: '" + node + "' is not a node id (4 to 32 lower-case hex digits)");
    }
    out.transfer_node = node;
  }
  return Status::success();
}

std::string transfer_help_text() {
  return "  transfer-leadership [NODE]               ask the leader (-c) to hand leadership\n"
         "                                           to the voter NODE (an id or a unique\n"
         "                                           prefix of 4+ hex digits; default: the\n"
         "                                           most up-to-date voter); writes are\n"
         "                                           refused for the moment it takes. Exit 1\n"
         "                                           if the node does not lead or the target\n"
         "                                           did not take over in an election timeout\n";
}

int run_transfer_leadership(Client& client, const CtlArgs& args) {
  Result<protocol::TransferLeadershipReply> reply = client.transfer_leadership(args.transfer_node);
  if (!reply.ok()) {
    std::fprintf(stderr, "desasterctl: transfer-leadership: %s\n", reply.status().message.c_str());
    return 1;
  }
  const protocol::TransferLeadershipReply& r = *reply;
  if (args.json) {
    JsonWriter json;
    json.begin_object().key("from").value(r.from).key("to").value(r.to);
    json.key("leader").value(r.leader).key("term").value(r.term).end_object();
    std::printf("%s\n", json.str().c_str());
    return 0;
  }
  if (r.from == r.to) {
    std::printf("%s leads already (term %llu)\n", r.from.substr(0, 8).c_str(),
                static_cast<unsigned long long>(r.term));
    return 0;
  }
  std::printf("%s handed leadership to %s; leader now %s (term %llu)\n",
              r.from.substr(0, 8).c_str(), r.to.substr(0, 8).c_str(),
              r.leader.empty() ? "being elected" : r.leader.substr(0, 8).c_str(),
              static_cast<unsigned long long>(r.term));
  return 0;
}

}  // namespace desaster
