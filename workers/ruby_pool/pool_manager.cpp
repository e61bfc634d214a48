#include "workers/ruby_pool/pool_manager.hpp"

#include <algorithm>
#include <cstdlib>

namespace desaster::ruby_pool {

std::string default_gem_dir() {
  if (const char* dir = std::getenv("DESASTER_RUBY_DIR"); dir && *dir) return dir;
  return DESASTER_RUBY_DIR;
}

bool pool_runs_on(const PoolSpec& spec, const std::string& node_id, const std::string& host_name) {
  if (spec.node.empty()) return true;
  if (spec.node == host_name) return true;
  return node_id.compare(0, spec.node.size(), spec.node) == 0;
}

PoolManager::PoolManager(uv_loop_t* loop, zmq::context_t& context, const State& state,
                         RubyPoolOptions base, std::string node_id, std::string host_name)
    : loop_(loop),
      context_(context),
      state_(state),
      base_(std::move(base)),
      node_id_(std::move(node_id)),
      host_name_(std::move(host_name)) {
  base_.node_tag = node_id_.substr(0, 8);
  base_.on_worker_idle = [this] {
    if (idle_hook_) idle_hook_();
  };
  if (base_.gem_dir.empty()) base_.gem_dir = default_gem_dir();
}

PoolManager::~PoolManager() = default;

void PoolManager::reconcile() {
  if (closing_) return;
  for (const PoolSpec& spec : state_.pools()) {
    if (!pool_runs_on(spec, node_id_, host_name_)) continue;
    auto it = pools_.find(spec.name);
    if (it == pools_.end()) {
      auto pool = std::make_unique<RubyPool>(loop_, context_, spec, base_);
      if (Status s = pool->start(); !s.ok()) {
        if (base_.log) base_.log("pool " + spec.name + " not started: " + s.message);
        pool->close(nullptr);
        continue;
      }
      pools_.emplace(spec.name, std::move(pool));
    } else if (it->second->spec().generation != spec.generation) {
      it->second->reload(spec);
    }
  }
  for (auto it = pools_.begin(); it != pools_.end();) {
    auto next = std::next(it);
    const PoolSpec* spec = state_.pool(it->first);
    if (!spec || !pool_runs_on(*spec, node_id_, host_name_)) {
      if (base_.log) base_.log("pool " + it->first + ": removed; stopping it");
      stop(it);
    }
    it = next;
  }
}

void PoolManager::stop(std::map<std::string, std::unique_ptr<RubyPool>>::iterator it) {
  std::shared_ptr<RubyPool> pool(std::move(it->second));
  pools_.erase(it);
  ++closing_count_;
  // The pool lives until its handles are closed.
  pool->close([this, pool]() mutable {
    --closing_count_;
    maybe_all_closed();
    // Released after the callback returns, from the loop.
    uv_loop_t* loop = loop_;
    auto* holder = new std::shared_ptr<RubyPool>(std::move(pool));
    auto* idle = new uv_idle_t;
    uv_idle_init(loop, idle);
    idle->data = holder;
    uv_idle_start(idle, [](uv_idle_t* h) noexcept {
      delete static_cast<std::shared_ptr<RubyPool>*>(h->data);
      uv_idle_stop(h);
      uv_close(reinterpret_cast<uv_handle_t*>(h),
               [](uv_handle_t* handle) { delete reinterpret_cast<uv_idle_t*>(handle); });
    });
  });
}

void PoolManager::reload_all() {
  for (auto& [name, pool] : pools_) pool->reload(pool->spec());
}

std::vector<protocol::PoolSummary> PoolManager::summaries() const {
  std::vector<protocol::PoolSummary> out;
  for (const PoolSpec& spec : state_.pools()) {
    protocol::PoolSummary summary;
    summary.spec = spec;
    auto it = pools_.find(spec.name);
    if (it != pools_.end()) {
      PoolStatus s = it->second->status();
      summary.local = true;
      summary.master_state = s.master_state;
      summary.master_pid = s.master_pid;
      summary.generation = s.generation;
      summary.last_error = s.last_error;
      summary.target = s.target;
      summary.waiting = s.waiting;
      summary.spawned = s.spawned;
      summary.died = s.died;
      summary.killed_past_timeout = s.killed_past_timeout;
      summary.replaced_over_memory = s.replaced_over_memory;
      summary.replaced_over_cpu = s.replaced_over_cpu;
      summary.killed_over_cpu = s.killed_over_cpu;
      summary.killed_over_memory = s.killed_over_memory;
      summary.jobs_done = s.jobs_done;
      for (const PoolWorkerStatus& w : s.workers) {
        summary.workers.push_back(protocol::PoolWorkerSummary{w.slot, w.pid, w.state, w.job,
                                                              w.rss_kb, w.restarts, w.outdated});
      }
    }
    out.push_back(std::move(summary));
  }
  return out;
}

void PoolManager::on_sample(const std::string& pool, std::int64_t pid, double cpu_percent,
                            std::uint64_t rss_kb) {
  auto it = pools_.find(pool);
  if (it != pools_.end() && it->second) it->second->on_sample(pid, cpu_percent, rss_kb);
}

bool PoolManager::serves(const RubyPool& pool, const std::string& queue) const {
  const PoolSpec& spec = pool.spec();
  const std::vector<JobKind> kinds = pool_kinds(spec);
  if (std::find(kinds.begin(), kinds.end(), JobKind::http) == kinds.end()) return false;
  const Assignments& assigned = state_.assignments();
  if (assigned.pool_paused(spec.name, node_id_) || assigned.node_draining(node_id_)) return false;
  std::vector<PoolQueue> queues =
      assigned.attached_queues(spec.name, node_id_).value_or(spec.queues);
  if (queues.empty()) return true;  // a pool without queues serves them all
  return std::any_of(queues.begin(), queues.end(),
                     [&](const PoolQueue& q) { return q.name == queue || q.name == "*"; });
}

bool PoolManager::serves_http(const std::string& queue) const {
  if (closing_) return false;
  for (const auto& [name, pool] : pools_)
    if (serves(*pool, queue)) return true;
  return false;
}

bool PoolManager::can_run_http(const std::string& queue) const {
  if (closing_) return false;
  for (const auto& [name, pool] : pools_)
    if (serves(*pool, queue) && pool->transient_slots() > 0) return true;
  return false;
}

bool PoolManager::run_http(const std::string& queue, Job job, TransientDone done) {
  if (closing_) return false;
  // The pool with the most idle workers; with none idle anywhere, one
  // whose busy worker takes the request behind its own.
  RubyPool* best = nullptr;
  std::size_t best_idle = 0;
  for (auto& [name, pool] : pools_) {
    if (!serves(*pool, queue)) continue;
    const std::size_t idle = pool->idle_workers();
    if (idle > best_idle || (!best && pool->transient_slots() > 0)) {
      best = pool.get();
      best_idle = idle;
    }
  }
  return best && best->run_transient(std::move(job), std::move(done));
}

void PoolManager::maybe_all_closed() {
  if (closing_count_ != 0 || !on_all_closed_) return;
  auto done = std::move(on_all_closed_);
  on_all_closed_ = nullptr;
  done();
}

void PoolManager::close(std::function<void()> done) {
  closing_ = true;
  on_all_closed_ = std::move(done);
  ++closing_count_;  // held while stopping, so no pool closing at once ends it early
  while (!pools_.empty()) stop(pools_.begin());
  --closing_count_;
  maybe_all_closed();
}

}  // namespace desaster::ruby_pool
