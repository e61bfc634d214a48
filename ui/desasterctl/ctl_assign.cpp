// desasterctl's worker assignment commands: one "assign" request each, a
// short confirmation or JSON; and the assignment table of `pool list`.
#include "ui/desasterctl/ctl_assign.hpp"

#include <cstdio>

#include "core/model/job_id.hpp"
#include "ui/common/json_writer.hpp"

namespace desaster {

namespace {

constexpr int kExitOk = 0;
constexpr int kExitRefused = 1;
constexpr int kExitUnreachable = 3;

int fail(const Status& status) {
  std::fprintf(stderr, "desasterctl: %s\n", status.message.c_str());
  return status.code == ErrorCode::unavailable ? kExitUnreachable : kExitRefused;
}

std::string queue_list(const std::vector<PoolQueue>& queues) {
  std::string out;
  for (const PoolQueue& q : queues)
    out +=
        (out.empty() ? "" : ",") + q.name + (q.weight != 1 ? ":" + std::to_string(q.weight) : "");
  return out.empty() ? "-" : out;
}

std::string where(const std::string& node) {
  return node.empty() ? "every node" : "node " + node.substr(0, 16);
}

int run_pins(Client& client, const CtlArgs& args) {
  std::vector<JobId> ids;
  for (const std::string& text : args.ids) {
    std::optional<JobId> id = parse_job_id(text);
    if (!id) return fail(Status::error(ErrorCode::bad_request, "'" + text + "' is not a job id"));
    ids.push_back(*id);
  }
  const protocol::AssignCommand& a = args.assign;
  auto statuses =
      a.action == protocol::AssignAction::pin ? client.pin(ids, a.node, a.pool) : client.unpin(ids);
  if (!statuses.ok()) return fail(statuses.status());
  int exit_code = kExitOk;
  JsonWriter json;
  json.begin_array();
  for (std::size_t i = 0; i < ids.size(); ++i) {
    Status s = i < statuses->size() ? (*statuses)[i] : Status{};
    json.begin_object().key("id").value(format_job_id(ids[i])).key("ok").value(s.ok());
    if (!s.ok()) json.key("error").value(s.message);
    json.end_object();
    if (!s.ok()) {
      exit_code = kExitRefused;
      if (!args.json)
        std::fprintf(stderr, "%s: %s\n", format_job_id(ids[i]).c_str(), s.message.c_str());
    } else if (!args.json) {
      std::printf("%s %s\n", a.action == protocol::AssignAction::pin ? "pinned" : "unpinned",
                  format_job_id(ids[i]).c_str());
    }
  }
  json.end_array();
  if (args.json) std::printf("%s\n", json.str().c_str());
  return exit_code;
}

}  // namespace

int run_assign_command(Client& client, const CtlArgs& args) {
  using protocol::AssignAction;
  const protocol::AssignCommand& a = args.assign;
  switch (a.action) {
    case AssignAction::pin:
    case AssignAction::unpin:
      return run_pins(client, args);
    case AssignAction::drain:
    case AssignAction::undrain: {
      auto node = a.action == AssignAction::drain ? client.drain(a.node) : client.undrain(a.node);
      if (!node.ok()) return fail(node.status());
      if (args.json) {
        JsonWriter json;
        json.begin_object().key("node").value(*node);
        json.key("draining").value(a.action == AssignAction::drain).end_object();
        std::printf("%s\n", json.str().c_str());
      } else {
        std::printf(
            "node %s %s\n", node->c_str(),
            a.action == AssignAction::drain ? "draining: no new leases" : "takes leases again");
      }
      return kExitOk;
    }
    case AssignAction::attach:
    case AssignAction::detach:
    case AssignAction::pause:
    case AssignAction::resume:
    case AssignAction::list:
      break;
  }
  Status status;
  std::string done;
  switch (a.action) {
    case AssignAction::attach:
      status = client.attach(a.pool, a.queue, a.weight, a.node);
      done = "pool " + a.pool + " serves " + a.queue + " (weight " + std::to_string(a.weight) +
             ") on " + where(a.node);
      break;
    case AssignAction::detach:
      status = client.detach(a.pool, a.queue, a.node);
      done = "pool " + a.pool + " no longer serves " + a.queue + " on " + where(a.node);
      break;
    case AssignAction::pause:
      status = client.pause_pool(a.pool, a.node);
      done = "pool " + a.pool + " paused on " + where(a.node);
      break;
    case AssignAction::resume:
      status = client.resume_pool(a.pool, a.node);
      done = "pool " + a.pool + " resumed on " + where(a.node);
      break;
    default: {
      auto list = client.assignments();
      if (!list.ok()) return fail(list.status());
      return kExitOk;
    }
  }
  if (!status.ok()) return fail(status);
  if (args.json) {
    std::printf("{\"ok\":true}\n");
  } else {
    std::printf("%s\n", done.c_str());
  }
  return kExitOk;
}

bool print_assignments(Client& client) {
  auto reply = client.assignments();
  if (!reply.ok()) return false;
  std::printf("%-20s %-18s %-7s %s\n", "POOL", "NODE", "PAUSED", "QUEUES (NAME:WEIGHT)");
  for (const protocol::PoolAssignmentSummary& p : reply->pools) {
    std::printf("%-20s %-18s %-7s %s%s\n", p.pool.c_str(),
                p.node.empty() ? "*" : p.node.substr(0, 16).c_str(), p.paused ? "yes" : "no",
                queue_list(p.queues).c_str(), p.is_default ? "  (default)" : "");
  }
  for (const std::string& node : reply->draining)
    std::printf("node %s is draining\n", node.c_str());
  return true;
}

std::string pin_wait_reason(Client& client, const Job& job) {
  if (job.state != JobState::queued || (job.pin_node.empty() && job.pin_pool.empty())) return {};
  std::string reason = "pinned to";
  if (!job.pin_node.empty()) {
    reason += " node " + job.pin_node;
    auto nodes = client.nodes();
    bool known = false;
    if (nodes.ok()) {
      for (const protocol::NodeSummary& n : nodes->nodes) {
        if (n.node == job.pin_node) known = true;
        if (n.node == job.pin_node && n.draining) reason += " (draining)";
      }
      if (!known) reason += " (no such node is known)";
    }
  }
  if (!job.pin_pool.empty()) {
    reason += (job.pin_node.empty() ? " pool " : ", pool ") + job.pin_pool;
    auto pools = client.assignments();
    if (pools.ok()) {
      bool exists = false;
      for (const protocol::PoolAssignmentSummary& p : pools->pools) {
        if (p.pool == job.pin_pool) exists = true;
      }
      if (!exists) reason += " (no such pool)";
    }
  }
  return reason + ": waits for a matching worker";
}

}  // namespace desaster
