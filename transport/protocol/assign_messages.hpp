// The client protocol's worker assignment request (see messages.hpp for
// the frame): which queues the node pools serve, paused pools, draining
// nodes and pinned jobs.
//
// "assign" {action, pool?, queue?, weight?, node?, ids?}
//   attach {pool, queue, weight?, node?}  -> {}   the pool serves queue (node empty: every node)
//   detach {pool, queue, node?}           -> {}
//   pause / resume {pool, node?}          -> {}   resume without node: everywhere
//   drain / undrain {node?}               -> {node}  node empty: the node asked
//   pin {ids, node?, pool?}               -> {errors: [nil or {code, message}]}
//   unpin {ids}                           -> {errors}
//   list {}                               -> AssignmentsReply (assign_replies.hpp)
// Nodes may be given as an id prefix or a host name; the node asked
// resolves them against itself and the peers it knows.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/model/job.hpp"

namespace desaster::protocol {

class BodyWriter;
class MapReader;

enum class AssignAction : std::uint8_t {
  attach,
  detach,
  pause,
  resume,
  drain,
  undrain,
  pin,
  unpin,
  list
};

struct AssignCommand {
  AssignAction action = AssignAction::list;
  std::string pool;
  std::string queue;
  std::uint32_t weight = 1;
  std::string node;
  std::vector<JobId> ids;
};

const char* to_string(AssignAction action);
bool assign_action_from_string(std::string_view name, AssignAction& out);

// The body codec (request_codec_assign.cpp), used by request_codec.cpp.
void write(BodyWriter& w, const AssignCommand& b);
void read(MapReader& r, AssignCommand& b);

}  // namespace desaster::protocol
