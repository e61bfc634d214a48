// What a node exposes on /metrics: the replicated state (per queue depth,
// jobs per state, oldest job, the cluster's totals), this node's counters
// and histograms (JobMetrics), its Raft view, its pools and its host.
// NodeMetrics is the metrics module's only face to the node: the node hands
// it every applied op and a few readers, and it answers scrapes.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/metrics/exposition.hpp"
#include "core/metrics/histogram.hpp"
#include "core/model/status.hpp"
#include "core/node/dispatcher.hpp"
#include "core/node/log.hpp"
#include "core/node/metrics/job_metrics.hpp"
#include "core/state/state.hpp"
#include "transport/protocol/monitor_replies.hpp"
#include "transport/protocol/replies.hpp"

typedef struct uv_loop_s uv_loop_t;

namespace desaster::metrics {

// How the module reads the node; each is called on the loop thread during
// a scrape.
struct MetricsSources {
  const State* state = nullptr;
  std::function<protocol::NodesReply()> nodes;
  std::function<std::vector<protocol::PoolSummary>()> pools;  // this node's Ruby pools
  std::function<protocol::ResourcesReply()> resources;        // latest sample, no series
  std::function<std::vector<WorkerSlots>()> workers;          // registered here; may be unset
  std::function<TimeMs()> now;
  std::string version;
  // A module's own families (the HTTP front end's per-route counters); may be unset.
  std::function<void(Exposition&)> extra;
};

// The whole exposition, from the sources, the applied-op counters and the
// journal's sync times.
std::string render_node_metrics(const MetricsSources& sources, const JobMetrics& jobs,
                                const Histogram& journal_sync);

class MetricsServer;

class NodeMetrics {
 public:
  NodeMetrics(uv_loop_t* loop, const Logger& log, MetricsSources sources);
  ~NodeMetrics();

  // Listens on address:port (IPv4) for GET /metrics; on fd if not -1 (a
  // listening socket to adopt, see MetricsServer::start).
  Status start(const std::string& address, std::uint16_t port, int fd = -1);
  // A hot upgrade's old process: no new scrape; quiet once open ones ended.
  void stop_accepting();
  bool quiet() const;
  void on_applied(const Op& op, const ApplyResult& result);
  // One group commit's fdatasync took this long (Journal's sync observer).
  void on_journal_sync(double seconds);
  // Stops listening and closes open scrapes; done runs once all are closed.
  void close(std::function<void()> done);

 private:
  MetricsSources sources_;
  JobMetrics jobs_;
  Histogram journal_sync_{kSyncBuckets};
  std::unique_ptr<MetricsServer> server_;
};

}  // namespace desaster::metrics
