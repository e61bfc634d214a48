// `desasterctl watch` (ctl_watch.hpp).
#include "ui/desasterctl/ctl_watch.hpp"

#include <cstdio>
#include <set>

#include "core/model/job_id.hpp"
#include "core/state/op_codec.hpp"
#include "transport/client/state_feed.hpp"
#include "ui/common/json_writer.hpp"

namespace desaster {

namespace {

// Jobs listed per line; the rest are counted.
constexpr std::size_t kMaxJobsShown = 100;

std::string queue_of_op(const Op& op) {
  return std::visit(
      [](const auto& o) -> std::string {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, QueueCreateOp> || std::is_same_v<T, QueueConfigureOp> ||
                      std::is_same_v<T, QueueClearOp> || std::is_same_v<T, QueueDeleteOp>) {
          return o.name;
        } else {
          return {};
        }
      },
      op);
}

}  // namespace

WatchLine describe_applied(const LogEntry& entry, const Op& op, const ApplyResult& result,
                           const State& state) {
  WatchLine line;
  line.index = entry.index;
  line.term = entry.term;
  line.at = entry.timestamp;
  line.op = std::string(op_name(op));
  std::set<JobId> seen;
  std::set<std::string> queues;
  if (std::string q = queue_of_op(op); !q.empty()) queues.insert(q);
  for (const JobEvent& event : result.events) {
    if (!seen.insert(event.id).second) continue;
    line.jobs.push_back(event.id);
    if (const Job* job = state.find(event.id)) queues.insert(job->queue);
  }
  line.queues.assign(queues.begin(), queues.end());
  return line;
}

std::string format_watch_line(const WatchLine& line, bool json) {
  const std::size_t shown = std::min(line.jobs.size(), kMaxJobsShown);
  if (json) {
    JsonWriter w;
    w.begin_object().key("index").value(line.index).key("term").value(line.term);
    w.key("at").value(static_cast<std::int64_t>(line.at)).key("op").value(line.op);
    w.key("queues").begin_array();
    for (const std::string& q : line.queues) w.value(q);
    w.end_array().key("jobs").begin_array();
    for (std::size_t i = 0; i < shown; ++i) w.value(format_job_id(line.jobs[i]));
    w.end_array().key("jobs_total").value(static_cast<std::uint64_t>(line.jobs.size()));
    w.end_object();
    return w.str();
  }
  std::string out = std::to_string(line.index);
  out.resize(std::max<std::size_t>(out.size(), 10), ' ');
  out += " " + line.op;
  out.resize(std::max<std::size_t>(out.size(), 28), ' ');
  for (const std::string& q : line.queues) out += " queue " + q;
  if (!line.jobs.empty()) out += " job " + format_job_id(line.jobs.front());
  if (line.jobs.size() > 1) out += " (+" + std::to_string(line.jobs.size() - 1) + " more)";
  return out;
}

int run_watch(const CtlArgs& args) {
  StateFeedOptions options;
  options.endpoint = args.endpoint;
  options.group_key = args.group_key;
  options.timeout = std::chrono::milliseconds(args.timeout_ms);
  const bool json = args.json;
  options.on_snapshot = [json](std::uint64_t index, const State& state) {
    if (json) return;
    std::printf("# snapshot at index %llu: %llu jobs\n", static_cast<unsigned long long>(index),
                static_cast<unsigned long long>(state.counts().total()));
    std::fflush(stdout);
  };
  options.on_op = [json](const LogEntry& entry, const Op& op, const ApplyResult& result,
                         const State& state) {
    std::printf("%s\n",
                format_watch_line(describe_applied(entry, op, result, state), json).c_str());
    std::fflush(stdout);
  };
  auto feed = StateFeed::connect(options);
  if (!feed.ok()) {
    std::fprintf(stderr, "desasterctl: %s\n", feed.status().message.c_str());
    return feed.status().code == ErrorCode::unavailable ? 3 : 1;
  }
  for (;;) {
    Status s = (*feed)->poll(std::chrono::seconds(1));
    if (!s.ok()) {
      std::fprintf(stderr, "desasterctl: %s\n", s.message.c_str());
      return s.code == ErrorCode::unavailable ? 3 : 1;
    }
  }
}

}  // namespace desaster
