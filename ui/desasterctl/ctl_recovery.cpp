// desasterctl force-recovery: the operator's way out of a cluster that lost
// its majority for good. The flag is long on purpose: the command may lose
// acknowledged writes, and nobody should type it by accident.
#include "ui/desasterctl/ctl_recovery.hpp"

#include <cstdio>

#include "ui/common/json_writer.hpp"

namespace desaster {

namespace {
constexpr const char* kAcceptFlag = "--yes-i-accept-the-risk";
}

Status parse_force_recovery_args(const std::vector<std::string>& words, CtlArgs& out) {
  for (const std::string& word : words) {
    if (word != kAcceptFlag) {
      return Status::error(ErrorCode::bad_request,
                           "force-recovery: unexpected argument '" + word + "'");
    }
    out.accept_risk = true;
  }
  if (!out.accept_risk) {
    return Status::error(
        ErrorCode::bad_request,
        std::string("force-recovery makes the node asked the only voter of its cluster; writes "
                    "that only the lost voters had are lost for good. If the cluster lost its "
                    "majority for good and you accept that, run it again with ") +
            kAcceptFlag);
  }
  return Status::success();
}

std::string force_recovery_help_text() {
  return "  force-recovery --yes-i-accept-the-risk\n"
         "                                           make the node asked the only voter of\n"
         "                                           its cluster, keeping its log, when the\n"
         "                                           cluster lost its majority for good (a\n"
         "                                           two-node cluster whose voter died).\n"
         "                                           RISK: writes acknowledged by the lost\n"
         "                                           voters but not on this node are lost;\n"
         "                                           wipe the lost nodes' data dirs before\n"
         "                                           they return. Refused while the node\n"
         "                                           sees a leader or reaches a majority\n";
}

int run_force_recovery(Client& client, const CtlArgs& args) {
  Result<protocol::ForceRecoveryReply> reply = client.force_recovery(args.accept_risk);
  if (!reply.ok()) {
    std::fprintf(stderr, "desasterctl: %s\n", reply.status().message.c_str());
    return reply.status().code == ErrorCode::unavailable ? 3 : 1;
  }
  const protocol::ForceRecoveryReply& r = *reply;
  if (args.json) {
    JsonWriter json;
    json.begin_object().key("node").value(r.node).key("term").value(r.term);
    json.key("index").value(r.index).key("dropped").begin_array();
    for (const std::string& id : r.dropped) json.value(id);
    json.end_array().end_object();
    std::printf("%s\n", json.str().c_str());
    return 0;
  }
  std::printf("node %s is now the only voter of its cluster (log up to index %llu, term %llu)\n",
              r.node.substr(0, 8).c_str(), static_cast<unsigned long long>(r.index),
              static_cast<unsigned long long>(r.term));
  std::string dropped;
  for (const std::string& id : r.dropped)
    dropped += (dropped.empty() ? "" : ", ") + id.substr(0, 8);
  std::printf("dropped members: %s\n", dropped.empty() ? "none" : dropped.c_str());
  std::printf("wipe their data dirs before they return; new nodes join as learners\n");
  return 0;
}

}  // namespace desaster
