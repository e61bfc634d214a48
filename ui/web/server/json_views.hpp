// The API's JSON answers (API.md), written from the replica under its read
// lock: the overview, queues, pages of jobs, one job, groups, and the SSE
// events' bodies. Everything the page shows goes through here.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/qdisc/eta.hpp"
#include "core/state/state.hpp"
#include "transport/protocol/replies.hpp"
#include "ui/web/server/rate_series.hpp"
#include "ui/web/server/replica.hpp"

namespace desaster::web {

using EtaOf = std::function<std::optional<Eta>(const Job&)>;

// Worker slots of the cluster as the nodes list tells them (running + free
// of every node that reported them): what the ETA divides the work by.
std::uint32_t cluster_slots(const protocol::NodesReply& nodes);

struct OverviewInputs {
  ConnectionInfo connection;
  protocol::NodesReply nodes;
  std::pair<std::string, double> load;  // a node's id and its 1-minute load average
  std::vector<bool> alive;              // per node of nodes.nodes
  const RateSeries* rates = nullptr;
  std::uint64_t index = 0;
  std::uint64_t term = 0;
  TimeMs now = 0;
};
std::string overview_json(const State& state, const OverviewInputs& in);
std::string queues_json(const State& state);
std::string jobs_page_json(const ListPage& page, std::uint64_t index, const EtaOf& eta);
std::string job_json(const Job& job, const std::optional<Eta>& eta);
std::string groups_json(const std::vector<JobGroup>& groups, std::uint64_t index);
std::string op_event_json(const OpEvent& e);
std::string skipped_event_json(std::uint64_t index, std::uint64_t count);
std::string connection_json(const ConnectionInfo& c);
std::string error_json(const std::string& message);

}  // namespace desaster::web
