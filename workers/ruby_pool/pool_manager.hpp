// The Ruby pools this node runs, kept in line with the replicated state: a
// pool runs here when its declaration names no node, this node's id (or a
// prefix of it) or this host's name. reconcile() after recovery and after
// every applied op starts the pools that should run, reloads those whose
// generation changed and stops those that are gone.
//
// Threading: loop thread only. Owns its pools.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/state/state.hpp"
#include "transport/protocol/replies.hpp"
#include "workers/ruby_pool/ruby_pool.hpp"

namespace desaster::ruby_pool {

// Where the gem lives: $DESASTER_RUBY_DIR, else the source tree's workers/ruby.
std::string default_gem_dir();

bool pool_runs_on(const PoolSpec& spec, const std::string& node_id, const std::string& host_name);

class PoolManager {
 public:
  // base: the options every pool gets (endpoint, log, tunables); node_tag is
  // filled in from node_id.
  PoolManager(uv_loop_t* loop, zmq::context_t& context, const State& state, RubyPoolOptions base,
              std::string node_id, std::string host_name);
  ~PoolManager();

  void reconcile();
  // SIGHUP: every pool here loads its application again.
  void reload_all();
  // Every declared pool; those running here with their workers.
  std::vector<protocol::PoolSummary> summaries() const;
  // A resource sample of one of a local pool's processes (the monitor's).
  void on_sample(const std::string& pool, std::int64_t pid, double cpu_percent,
                 std::uint64_t rss_kb);
  void close(std::function<void()> done);

  // Transient http jobs (the HTTP front end's local path). serves_http: a
  // pool here takes http jobs of queue (it may have no idle worker now).
  bool serves_http(const std::string& queue) const;
  // Starts job on the local pool serving queue with the most idle workers,
  // else behind a busy worker's short request; false when no pool can take
  // it now (see RubyPool::run_transient).
  bool run_http(const std::string& queue, Job job, TransientDone done);
  // run_http would start a job of queue now.
  bool can_run_http(const std::string& queue) const;
  // Called when a pool has an idle worker and no lease waiting for it.
  void set_idle_hook(std::function<void()> hook) { idle_hook_ = std::move(hook); }

 private:
  bool serves(const RubyPool& pool, const std::string& queue) const;
  void stop(std::map<std::string, std::unique_ptr<RubyPool>>::iterator it);
  void maybe_all_closed();

  uv_loop_t* loop_;
  zmq::context_t& context_;
  const State& state_;
  RubyPoolOptions base_;
  std::string node_id_;
  std::string host_name_;
  bool closing_ = false;
  std::map<std::string, std::unique_ptr<RubyPool>> pools_;
  std::size_t closing_count_ = 0;  // pools still closing
  std::function<void()> on_all_closed_;
  std::function<void()> idle_hook_;
};

}  // namespace desaster::ruby_pool
