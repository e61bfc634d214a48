// desasterctl's command line, parsed into a command without touching the
// network, so it can be tested and fuzzed on its own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/model/status.hpp"
#include "transport/protocol/messages.hpp"

namespace desaster {

struct CtlArgs {
  std::string endpoint = "tcp://127.0.0.1:2691";
  std::string group_key;  // empty: $DESASTER_KEY, else "default"
  bool json = false;
  std::int64_t timeout_ms = 10'000;
  std::string
      command;  // enqueue, job, jobs, queues, queue, failed, retry, delete, wait, stats, pool, help

  // enqueue
  protocol::JobSpec job;
  bool wait = false;
  // job, retry, delete, wait
  std::vector<std::string> ids;
  // jobs, failed
  protocol::List list;
  // queue
  protocol::QueueCommand queue;
  // pool
  protocol::PoolCommand pool;
  // kill, relocate, re-role, retry, delete, reschedule (ctl_actions.hpp);
  // the ids as typed are in ids
  protocol::JobAction action;

  // failed --group-by (ctl_query_args.cpp; the query flags fill list)
  std::optional<GroupBy> group_by;
  // attach, detach, pause, resume, drain, undrain, pin, unpin (ctl_assign_args.hpp)
  protocol::AssignCommand assign;
  // blacklist, resources (ctl_monitor_args.cpp)
  protocol::BlacklistCommand blacklist;
  protocol::Resources resources;
  // qdisc (ctl_qdisc_args.cpp)
  protocol::QdiscCommand qdisc;
  // force-recovery (ctl_recovery.cpp)
  bool accept_risk = false;
  std::string upgrade_binary;  // upgrade --binary
  std::string transfer_node;   // transfer-leadership NODE (empty: the most up-to-date voter)
  // cron (ctl_cron.cpp)
  protocol::CronCommand cron;
};

// args excludes argv[0]. The error says what was wrong and where.
Result<CtlArgs> parse_ctl_args(const std::vector<std::string>& args);
// qdisc show|set QUEUE ...: ctl_qdisc_args.cpp.
Status parse_qdisc_args(const std::vector<std::string>& words, CtlArgs& out);
std::string qdisc_help_text();
// force-recovery --yes-i-accept-the-risk: ctl_recovery.cpp.
Status parse_force_recovery_args(const std::vector<std::string>& words, CtlArgs& out);
std::string force_recovery_help_text();
// upgrade [--binary PATH] (ctl_upgrade.cpp)
Status parse_upgrade_args(const std::vector<std::string>& words, CtlArgs& out);
std::string upgrade_help_text();
// transfer-leadership [NODE] (ctl_transfer.cpp)
Status parse_transfer_args(const std::vector<std::string>& words, CtlArgs& out);
std::string transfer_help_text();
std::string ctl_help_text();

}  // namespace desaster
