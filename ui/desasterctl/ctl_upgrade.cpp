// desasterctl upgrade (see ctl_upgrade.hpp). The node answers the start at
// once; the outcome is read by asking again: a new pid answering means the
// new process serves, the old pid no longer upgrading means a rollback.
#include "ui/desasterctl/ctl_upgrade.hpp"

#include <chrono>
#include <cstdio>
#include <thread>

namespace desaster {

Status parse_upgrade_args(const std::vector<std::string>& words, CtlArgs& out) {
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (words[i] == "--binary" && i + 1 < words.size()) {
      out.upgrade_binary = words[++i];
    } else if (words[i].rfind("--binary=", 0) == 0) {
      out.upgrade_binary = words[i].substr(9);
    } else {
      return Status::error(ErrorCode::bad_request,
                           "upgrade: unexpected argument '" + words[i] + "'");
    }
  }
  if (out.upgrade_binary.size() > protocol::kMaxUpgradeBinaryBytes) {
    return Status::error(ErrorCode::bad_request, "upgrade: the binary's path is too long");
  }
  return Status::success();
}

std::string upgrade_help_text() {
  return "  upgrade [--binary PATH]                  hot-upgrade the node: PATH (default: the\n"
         "                                           binary it was started from) takes over\n"
         "                                           its sockets and data dir (a leader hands\n"
         "                                           leadership to another voter first);\n"
         "                                           exit 1 on rollback\n";
}

int run_upgrade(Client& client, const CtlArgs& args) {
  Result<protocol::UpgradeReply> started = client.upgrade(true, args.upgrade_binary);
  if (!started.ok()) {
    std::fprintf(stderr, "desasterctl: upgrade refused: %s\n", started.status().message.c_str());
    return 1;
  }
  const std::int64_t old_pid = started->pid;
  // The node bounds each phase by its --upgrade-timeout; this only guards
  // against a node that stopped answering altogether.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(10);
  while (std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    Result<protocol::UpgradeReply> now = client.upgrade(false);
    if (!now.ok()) continue;  // the switch itself: ask again
    if (now->pid != old_pid) {
      std::printf("upgraded: pid %lld serves now (was %lld)\n", static_cast<long long>(now->pid),
                  static_cast<long long>(old_pid));
      return 0;
    }
    if (!now->upgrading) {
      std::printf("%s\n", now->last.c_str());
      return 1;
    }
  }
  std::fprintf(stderr, "desasterctl: upgrade: no outcome within 10 minutes\n");
  return 3;
}

}  // namespace desaster
