// The "cron" request (cron_messages.hpp): entries are checked here (the
// schedule and zone parse, the job is a job an enqueue would take) and
// become cron ops; reads show each entry with its next instants.
#include "core/cron/cron_plan.hpp"
#include "core/cron/schedule.hpp"
#include "core/node/client_api.hpp"
#include "transport/protocol/cron_wire.hpp"

namespace desaster {

namespace {

protocol::CronEntryView view_of(const CronEntry& entry) {
  return protocol::CronEntryView{entry, cron::next_instants(entry, protocol::kCronNextShown)};
}

Status bad(std::string message) {
  return Status::error(ErrorCode::bad_request, std::move(message));
}

// The entry an add asks for, or why not.
Result<CronEntry> entry_of(const protocol::CronCommand& c, TimeMs now) {
  if (Result<cron::Schedule> s = cron::parse_schedule(c.schedule, c.zone); !s.ok()) {
    return s.status();
  }
  CronEntry entry;
  entry.name = c.name;
  entry.schedule = c.schedule;
  entry.zone = c.zone == "UTC" ? "" : c.zone;
  entry.missed = c.missed;
  entry.starting_deadline_ms = c.starting_deadline_ms;
  entry.overlap = c.overlap;
  const protocol::JobSpec& spec = *c.job;
  if (spec.run_at != 0 || spec.in_ms != 0) {
    return bad("job: a cron entry's jobs run at its instants; run_at and in_ms are not allowed");
  }
  if (!spec.unique_key.empty()) {
    return bad(
        "job: a cron entry's jobs get the unique key cron:NAME@INSTANT; unique is not allowed");
  }
  if (Status st = make_job(spec, now, 0, entry.job); !st.ok()) return st;
  entry.job.created_at = 0;
  return entry;
}

}  // namespace

void ClientApi::cron_command(const Peer& peer, std::uint64_t id, protocol::CronCommand& c) {
  using protocol::CronAction;
  auto answer = [peer, id](const Status& status, const std::string& body) {
    peer.reply(id, status, status.ok() ? std::string_view(body) : protocol::kEmptyMap);
  };
  if (c.action == CronAction::list) {
    protocol::CronReply reply;
    for (const CronEntry& entry : state_.cron_entries()) reply.entries.push_back(view_of(entry));
    answer(Status::success(), protocol::encode_body(reply));
    return;
  }
  if (std::string why = check_cron_name(c.name); !why.empty()) {
    answer(bad(why), {});
    return;
  }
  if (c.action == CronAction::show) {
    const CronEntry* entry = state_.cron_entry(c.name);
    if (entry == nullptr) {
      answer(Status::error(ErrorCode::not_found, "no cron entry '" + c.name + "'"), {});
      return;
    }
    answer(Status::success(), protocol::encode_body(protocol::CronReply{{view_of(*entry)}, 0}));
    return;
  }
  if (refuse_while_draining(peer, id)) return;
  const TimeMs now = clock_();
  Op op;
  JobId job_id = 0;
  switch (c.action) {
    case CronAction::add: {
      Result<CronEntry> entry = entry_of(c, now);
      if (!entry.ok()) {
        answer(entry.status(), {});
        return;
      }
      if (!entry->job.pin_node.empty()) entry->job.pin_node = resolve_node(entry->job.pin_node);
      op = CronAddOp{std::move(entry.value())};
      break;
    }
    case CronAction::remove:
      op = CronRemoveOp{c.name};
      break;
    case CronAction::pause:
      op = CronPauseOp{c.name, true};
      break;
    case CronAction::resume:
      op = CronPauseOp{c.name, false};
      break;
    case CronAction::run:
      if (state_.cron_entry(c.name) == nullptr) {
        answer(Status::error(ErrorCode::not_found, "no cron entry '" + c.name + "'"), {});
        return;
      }
      job_id = ids_.next(now);
      op = CronFireOp{c.name, now, CronRunKind::manual, job_id};
      break;
    case CronAction::list:
    case CronAction::show:
      return;  // answered above
  }
  std::string name = c.name;
  const bool show_after = c.action == CronAction::add;
  proposer_.propose(std::move(op), [this, answer, name, job_id, show_after](
                                       const Status& status, const ApplyResult& result) {
    Status st = status;
    if (st.ok() && !result.statuses.empty()) st = result.statuses.front();
    if (!st.ok()) {
      answer(st, {});
      return;
    }
    protocol::CronReply reply;
    reply.job = job_id;
    if (show_after) {
      if (const CronEntry* entry = state_.cron_entry(name))
        reply.entries.push_back(view_of(*entry));
    }
    answer(Status::success(), protocol::encode_body(reply));
  });
}

}  // namespace desaster
