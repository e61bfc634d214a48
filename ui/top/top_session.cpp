// desaster-top's connection to the cluster (top_session.hpp).
#include "ui/top/top_session.hpp"

#include "core/model/job_id.hpp"

namespace desaster::top {

namespace {

// Short, so a dead node freezes the screen for a moment, not for long.
constexpr std::chrono::milliseconds kRequestTimeout{1500};
// A snapshot of a big state takes the node a while to encode.
constexpr std::chrono::milliseconds kSnapshotTimeout{10'000};
// Past this many jobs top polls the node rather than keep a replica, so it
// starts in well under a second and stays small (--poll forces it always).
constexpr std::uint64_t kMaxReplicaJobs = 20'000;
constexpr std::size_t kMaxGroupAction = 10'000;
// The other nodes are asked for their workers with a shorter timeout (a
// dead one stalls a refresh by this much) and then rested, so a lost node
// costs one stall per kPeerRetryMs, not one per refresh.
constexpr std::chrono::milliseconds kPeerTimeout{500};
constexpr std::int64_t kPeerRetryMs = 10'000;
constexpr std::size_t kMaxPeers = 32;

std::string first_error(const std::vector<Status>& statuses) {
  for (const Status& s : statuses) {
    if (!s.ok()) return s.message;
  }
  return {};
}

std::pair<std::string, bool> from_statuses(const Result<std::vector<Status>>& r,
                                           const std::string& done) {
  if (!r.ok()) return {r.status().message, true};
  std::string err = first_error(r.value());
  if (!err.empty()) return {err, true};
  return {done, false};
}

std::pair<std::string, bool> from_status(const Status& s, const std::string& done) {
  if (!s.ok()) return {s.message, true};
  return {done, false};
}

Result<std::unique_ptr<Client>> connect_client(const std::string& endpoint,
                                               const std::string& group_key,
                                               std::chrono::milliseconds timeout) {
  ClientOptions co;
  co.endpoint = endpoint;
  co.timeout = timeout;
  co.name = "desaster-top";
  co.group_key = group_key;
  return Client::connect(co);
}

}  // namespace

Session::Session(std::string endpoint, std::string group_key, bool polled)
    : endpoint_(std::move(endpoint)), group_key_(std::move(group_key)), polled_(polled) {}

Status Session::connect() {
  return connect_to(endpoint_);
}

Status Session::connect_to(const std::string& endpoint) {
  auto client = connect_client(endpoint, group_key_, kRequestTimeout);
  if (!client.ok()) return client.status();
  // The connection is lazy: ask once, so that a node that is gone fails
  // here, quickly, before the slower snapshot.
  if (auto nodes = (*client)->nodes(); !nodes.ok()) return nodes.status();
  if (!polled_) {
    // A replica costs about 3 KB a job and its snapshot seconds at a
    // million: past kMaxReplicaJobs top keeps a screen's worth instead.
    if (auto queues = (*client)->queues(); queues.ok()) {
      std::uint64_t jobs = 0;
      for (const protocol::QueueSummary& q : *queues)
        for (std::uint64_t n : q.counts) jobs += n;
      if (jobs > kMaxReplicaJobs) {
        notice_ = "polling the node (" + std::to_string(jobs) + " jobs: too many to keep a copy)";
        polled_ = true;
      }
    }
  }
  if (!polled_) {
    StateFeedOptions fo;
    fo.endpoint = endpoint;
    fo.group_key = group_key_;
    fo.timeout = kSnapshotTimeout;
    // Rates come from the ops applied: every attempt that ends shows up as
    // an event of the job turning succeeded, failed or dead.
    fo.on_op = [this](const LogEntry&, const Op&, const ApplyResult& result, const State& state) {
      for (const JobEvent& e : result.events) {
        if (e.removed) continue;
        const bool ok = e.state == JobState::succeeded;
        if (!ok && e.state != JobState::failed && e.state != JobState::dead) continue;
        if (const Job* job = state.find(e.id)) rates_.count(job->queue, ok);
      }
    };
    auto feed = StateFeed::connect(std::move(fo));
    if (feed.ok()) {
      feed_ = std::move(*feed);
    } else {
      // The node answers but gives no snapshot (an older node whose state
      // is too big for one reply frame, or too slow to make): ask it every
      // refresh instead.
      notice_ = "polling the node (no state feed: " + feed.status().message + ")";
      polled_ = true;
    }
  }
  client_ = std::move(*client);
  endpoint_ = endpoint;
  return Status::success();
}

bool Session::poll_feed() {
  if (!feed_) return false;
  const std::uint64_t before = feed_->index();
  // Bounded: under a storm of ops the screen still gets its turn.
  for (int i = 0; i < 64; ++i) {
    const std::uint64_t at = feed_->index();
    Status s = feed_->poll(std::chrono::milliseconds(0));
    if (!s.ok()) {
      failover(s.message);
      return true;
    }
    if (feed_->index() == at) break;
  }
  return feed_ && feed_->index() != before;
}

void Session::sample(std::int64_t now_ms) {
  rates_.tick(now_ms);
  if (!client_) {
    failover("not connected");
    return;
  }
  auto nodes = client_->nodes();
  if (!nodes.ok()) {
    failover(nodes.status().message);
    return;
  }
  nodes_ = std::move(*nodes);
  protocol::Resources query;
  query.series = "none";
  auto resources = client_->resources(query);
  if (resources.ok()) {
    resources_ = std::move(*resources);
  } else {
    // An older node without "resources": the panes show what they can.
    resources_.reset();
  }
  sample_peers(now_ms);
}

void Session::sample_peers(std::int64_t now_ms) {
  peer_resources_.clear();
  std::map<std::string, Peer> kept;
  std::size_t asked = 0;
  for (const protocol::NodeSummary& n : nodes_->nodes) {
    // The client port is two below the peer port a node announces.
    if (n.self || n.address.empty() || n.address == "0.0.0.0" || n.port < 3) continue;
    if (n.role == "discovered" || asked >= kMaxPeers) continue;
    const std::string endpoint = "tcp://" + n.address + ":" + std::to_string(n.port - 2);
    if (endpoint == endpoint_ || kept.count(endpoint)) continue;
    ++asked;
    Peer peer;
    if (auto it = peers_.find(endpoint); it != peers_.end()) peer = std::move(it->second);
    if (peer.retry_at > now_ms) {
      kept[endpoint] = std::move(peer);
      continue;
    }
    if (!peer.client) {
      auto client = connect_client(endpoint, group_key_, kPeerTimeout);
      if (client.ok()) peer.client = std::move(*client);
    }
    bool answered = false;
    if (peer.client) {
      protocol::Resources query;
      query.series = "none";
      auto r = peer.client->resources(query);
      // Only the node the list names: an address reused by another node
      // would show its workers twice or under the wrong name.
      if (r.ok() && r->node == n.node) {
        peer_resources_.push_back(std::move(*r));
        answered = true;
      }
    }
    if (!answered) {
      // A Client drops its socket after a timeout: make a new one next time.
      peer.client.reset();
      peer.retry_at = now_ms + kPeerRetryMs;
    }
    kept[endpoint] = std::move(peer);
  }
  peers_ = std::move(kept);  // nodes no longer listed are let go
}

void Session::failover(const std::string& reason) {
  const std::string lost = endpoint_;
  feed_.reset();
  client_.reset();
  std::vector<std::string> candidates;
  if (nodes_) {
    for (const protocol::NodeSummary& n : nodes_->nodes) {
      // The client port is two below the peer port a node announces.
      if (n.self || n.address.empty() || n.port < 3) continue;
      if (n.role == "discovered") continue;
      std::string endpoint = "tcp://" + n.address + ":" + std::to_string(n.port - 2);
      if (endpoint != lost) candidates.push_back(std::move(endpoint));
    }
  }
  candidates.push_back(lost);  // it may be back already (a restart)
  for (const std::string& endpoint : candidates) {
    if (connect_to(endpoint).ok()) {
      notice_ = endpoint == lost
                    ? "reconnected to " + endpoint + " (was lost: " + reason + ")"
                    : "node " + lost + " lost; now on " + endpoint + " (" + reason + ")";
      return;
    }
  }
  endpoint_ = lost;
  notice_ = "node " + lost + " lost (" + reason + "); no node answers, retrying";
}

void Session::collect(TopData& data, std::size_t job_limit) {
  data.endpoint = endpoint_;
  data.notice = notice_;
  data.mode = nodes_ ? nodes_->mode : std::string();
  data.nodes = nodes_ ? nodes_->nodes : std::vector<protocol::NodeSummary>{};
  data.resources.clear();
  if (resources_) data.resources.push_back(*resources_);
  for (const protocol::ResourcesReply& r : peer_resources_) {
    if (!resources_ || r.node != resources_->node) data.resources.push_back(r);
  }
  if (feed_) {
    collect_from_state(feed_->state(), rates_, job_limit, data);
  } else if (client_) {
    Status s = collect_from_node(*client_, rates_, polled_counts_, job_limit, data);
    if (!s.ok()) failover(s.message);
  } else {
    // The header says the node is lost.
    data.resources.clear();
  }
}

std::pair<std::string, bool> Session::perform(const Action& a) {
  if (!client_) return {"not connected", true};
  const std::string what = describe(a);
  auto id = parse_job_id(a.target);
  switch (a.kind) {
    case ActionKind::kill_job: {
      if (!id) return {"bad job id " + a.target, true};
      auto r = client_->kill({*id});
      if (!r.ok()) return {r.status().message, true};
      if (r->done == 0) {
        return {r->errors.empty() ? "job " + a.target + " not killed" : r->errors[0].status.message,
                true};
      }
      return {"done: " + what, false};
    }
    case ActionKind::retry_job:
      if (!id) return {"bad job id " + a.target, true};
      return from_statuses(client_->retry({*id}), "done: " + what);
    case ActionKind::delete_job:
      if (!id) return {"bad job id " + a.target, true};
      return from_statuses(client_->remove({*id}), "done: " + what);
    case ActionKind::pause_queue:
    case ActionKind::resume_queue: {
      protocol::QueueCommand c;
      c.action = a.kind == ActionKind::pause_queue ? protocol::QueueAction::pause
                                                   : protocol::QueueAction::resume;
      c.name = a.target;
      return from_status(client_->queue_command(c), "done: " + what);
    }
    case ActionKind::drain_node: {
      auto r = client_->drain(a.target);
      return r.ok() ? std::make_pair("done: " + what, false)
                    : std::make_pair(r.status().message, true);
    }
    case ActionKind::undrain_node: {
      auto r = client_->undrain(a.target);
      return r.ok() ? std::make_pair("done: " + what, false)
                    : std::make_pair(r.status().message, true);
    }
    case ActionKind::reload_pool:
      return from_status(client_->pool_reload(a.target), "done: " + what);
    case ActionKind::pause_cron:
    case ActionKind::resume_cron: {
      protocol::CronCommand c;
      c.action = a.kind == ActionKind::pause_cron ? protocol::CronAction::pause
                                                  : protocol::CronAction::resume;
      c.name = a.target;
      auto r = client_->cron(c);
      return r.ok() ? std::make_pair("done: " + what, false)
                    : std::make_pair(r.status().message, true);
    }
    case ActionKind::retry_group:
    case ActionKind::delete_group: {
      const JobsScope scope{true, a.group_by, a.target};
      std::vector<JobId> ids;
      if (feed_) {
        ids = jobs_in_scope(feed_->state(), scope, kMaxGroupAction);
      } else {
        auto polled = scope_ids_from_node(*client_, scope, kMaxGroupAction);
        if (!polled.ok()) return {polled.status().message, true};
        ids = std::move(polled.value());
      }
      if (ids.empty()) return {"no jobs in that group any more", true};
      auto r = a.kind == ActionKind::retry_group ? client_->retry(ids) : client_->remove(ids);
      if (!r.ok()) return {r.status().message, true};
      std::size_t done = 0;
      for (const Status& s : *r) done += s.ok();
      return {
          "done: " + what + " (" + std::to_string(done) + " of " + std::to_string(ids.size()) + ")",
          done == 0};
    }
  }
  return {"unknown action", true};
}

}  // namespace desaster::top
