// The reply to "assign" list: each pool's queues, weights and paused state,
// cluster-wide (node empty) and wherever a node has its own, and the
// draining nodes.
//
// {pools: [{pool, node, queues: [{name, weight}], default, paused}], draining: [node]}
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/model/pool_spec.hpp"
#include "core/model/status.hpp"

namespace desaster::protocol {

struct PoolAssignmentSummary {
  std::string pool;  // "shell" or a Ruby pool's name
  std::string node;  // empty: every node (what a node without its own entries uses)
  std::vector<PoolQueue> queues;
  bool is_default = false;  // "default": nothing attached; the pool's own list
  bool paused = false;
};
struct AssignmentsReply {
  std::vector<PoolAssignmentSummary> pools;
  std::vector<std::string> draining;
};

// drain / undrain -> {node}: the node the request resolved to.
struct DrainReply {
  std::string node;
};

std::string encode_body(const AssignmentsReply& body);
Status decode_body(std::string_view bytes, AssignmentsReply& out);
std::string encode_body(const DrainReply& body);
Status decode_body(std::string_view bytes, DrainReply& out);

}  // namespace desaster::protocol
