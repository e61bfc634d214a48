// "upgrade": a node's hot upgrade (core/node/upgrade/upgrader.hpp),
// as desasterctl upgrade asks for it and then watches it. Its codec is
// upgrade_wire.cpp.
//
// "upgrade" {start: bool, binary: str} -> {pid, upgrading: bool, last: str}
//   start: begins an upgrade to `binary` (an absolute path; empty: the
//   executable the node was started from) and answers at once; without
//   start it only says how things stand. pid: the process answering (a new
//   pid after the upgrade). last: the outcome of the last upgrade this
//   process did or came from. A clustered leader hands leadership to
//   another voter first. Refused (bad_request) for a listener ZeroMQ bound
//   by itself (a host name as -a), a path that is not an executable; conflict while
//   one is under way.
#pragma once

#include <cstdint>
#include <string>

namespace desaster::protocol {

struct Upgrade {
  bool start = false;
  std::string binary;
};

struct UpgradeReply {
  std::int64_t pid = 0;
  bool upgrading = false;
  std::string last;
};

}  // namespace desaster::protocol
