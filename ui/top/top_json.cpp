// desaster-top --json (top_json.hpp).
#include "ui/top/top_json.hpp"

#include "core/model/job_id.hpp"
#include "ui/common/json_writer.hpp"

namespace desaster::top {

namespace {

void counts(JsonWriter& w, const std::uint64_t* by_state) {
  w.begin_object();
  for (std::size_t i = 0; i < kJobStates; ++i) {
    w.key(to_string(static_cast<JobState>(i))).value(by_state[i]);
  }
  w.end_object();
}

}  // namespace

std::string top_json(const TopData& d) {
  JsonWriter w;
  w.begin_object();
  w.key("endpoint").value(d.endpoint).key("notice").value(d.notice).key("mode").value(d.mode);
  w.key("index").value(d.index).key("term").value(d.term);
  w.key("counts");
  counts(w, d.counts);
  w.key("processed_per_second").value(d.processed_rate);
  w.key("failed_per_second").value(d.failed_rate);
  w.key("nodes").begin_array();
  for (const protocol::NodeSummary& n : d.nodes) {
    w.begin_object().key("node").value(n.node).key("address").value(n.address);
    w.key("role").value(n.role).key("self").value(n.self);
    w.key("running").value(static_cast<std::uint64_t>(n.running));
    w.key("free_slots").value(static_cast<std::uint64_t>(n.free_slots));
    w.key("draining").value(n.draining).key("lag");
    if (n.lag) {
      w.value(*n.lag);
    } else {
      w.null();
    }
    w.end_object();
  }
  w.end_array().key("queues").begin_array();
  for (const QueueStat& q : d.queues) {
    w.begin_object().key("name").value(q.name).key("counts");
    counts(w, q.counts);
    w.key("paused").value(q.paused).key("qdisc").value(q.qdisc);
    w.key("processed_per_second").value(q.processed_rate);
    w.key("failed_per_second").value(q.failed_rate);
    w.key("oldest_queued_ms");
    if (q.oldest_queued > 0) {
      w.value(static_cast<std::int64_t>(d.now - q.oldest_queued));
    } else {
      w.null();
    }
    w.end_object();
  }
  w.end_array().key("workers").begin_array();
  for (const protocol::ResourcesReply& node : d.resources) {
    for (const protocol::WorkerResources& r : node.workers) {
      w.begin_object().key("pid").value(static_cast<std::int64_t>(r.pid));
      w.key("node").value(node.node).key("pool").value(r.pool);
      w.key("role").value(r.role).key("job");
      if (r.job) {
        w.value(format_job_id(r.job));
      } else {
        w.null();
      }
      w.key("cpu_percent").value(r.cpu_percent).key("rss_kb").value(r.rss_kb);
      w.key("job_started_ms");
      auto started = d.job_started.find(r.job);
      if (r.job && started != d.job_started.end()) {
        w.value(static_cast<std::int64_t>(started->second));
      } else {
        w.null();
      }
      w.end_object();
    }
  }
  w.end_array().key("failed_by").value(to_string(d.failed_by)).key("failed").begin_array();
  for (const FailedGroup& g : d.failed) {
    w.begin_object().key("key").value(g.key).key("count").value(g.count).end_object();
  }
  w.end_array().key("cron").begin_array();
  auto instant = [&](TimeMs at) {
    if (at > 0) {
      w.value(static_cast<std::int64_t>(at));
    } else {
      w.null();
    }
  };
  for (const CronRow& c : d.cron) {
    w.begin_object().key("name").value(c.name).key("schedule").value(c.schedule);
    w.key("zone").value(c.zone.empty() ? std::string("UTC") : c.zone);
    w.key("queue").value(c.queue).key("paused").value(c.paused);
    w.key("next_ms");
    instant(c.next.value_or(0));
    w.key("last_run_ms");
    instant(c.last_run);
    w.key("last_kind");
    if (c.last_kind.empty()) {
      w.null();
    } else {
      w.value(c.last_kind);
    }
    w.key("last_job");
    if (c.last_job) {
      w.value(format_job_id(c.last_job));
    } else {
      w.null();
    }
    w.end_object();
  }
  w.end_array().end_object();
  return w.str();
}

}  // namespace desaster::top
