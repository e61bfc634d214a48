#include "core/node/client_api.hpp"

#include <algorithm>
#include <iterator>
#include <map>
#include <type_traits>
#include <unordered_map>

#include "core/model/cron_entry.hpp"
#include "core/model/shell_command.hpp"
#include "core/node/protected_mode.hpp"
#include "core/node/query_answers.hpp"
#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/replies.hpp"
#include "transport/protocol/transfer_wire.hpp"
#include "transport/protocol/upgrade_wire.hpp"

namespace desaster {

namespace {

void pack_counts(protocol::BodyWriter::Packer& pk, const StateCounts& counts) {
  pk.pack_map(7);
  for (int s = 0; s < 7; ++s) {
    protocol::BodyWriter::pack_string(pk, to_string(static_cast<JobState>(s)));
    pk.pack(counts.by_state[s]);
  }
}

std::vector<std::optional<Job>> find_jobs(const State& state, const std::vector<JobId>& ids) {
  std::vector<std::optional<Job>> jobs;
  jobs.reserve(ids.size());
  for (JobId id : ids) {
    const Job* job = id ? state.find(id) : nullptr;
    jobs.push_back(job ? std::optional<Job>(*job) : std::nullopt);
  }
  return jobs;
}

}  // namespace

// Checks a spec and turns it into a job; the error names the job's place.
Status make_job(const protocol::JobSpec& spec, TimeMs now, JobId id, Job& job) {
  if (std::string why = check_queue_name(spec.queue); !why.empty()) {
    return Status::error(ErrorCode::bad_request, why);
  }
  // A client may enqueue an http job (a Rack env for a pool with a rackup):
  // it is journaled like any job. The HTTP front end's requests will be the
  // transient ones DESIGN.md describes.
  if (spec.flow.size() > kMaxQdiscName) {
    return Status::error(ErrorCode::bad_request,
                         "flow: longer than " + std::to_string(kMaxQdiscName) + " bytes");
  }
  // The cron: prefix is the cron module's: a job's entry name and instant are
  // read back from it (cron_origin), so a client may not forge one.
  if (spec.unique_key.starts_with(kCronKeyPrefix)) {
    return Status::error(ErrorCode::bad_request,
                         "unique: the prefix 'cron:' is reserved for cron entries' jobs");
  }
  if (spec.kind == JobKind::shell) {
    if (auto command = decode_shell_command(spec.payload); !command.ok()) {
      return command.status();
    }
  }
  job.id = id;
  job.queue = spec.queue;
  job.kind = spec.kind;
  job.job_class = spec.job_class.empty() && spec.kind == JobKind::shell ? "shell" : spec.job_class;
  job.payload = spec.payload;
  job.unique_key = spec.unique_key;
  job.priority = spec.priority;
  job.run_at = spec.run_at ? spec.run_at : (spec.in_ms > 0 ? now + spec.in_ms : 0);
  job.timeout_ms = spec.timeout_ms;
  job.retry = spec.retry;
  job.flow = spec.flow;
  job.created_at = now;
  job.pin_node = spec.pin_node;  // resolved to a full node id by the caller
  job.pin_pool = spec.pin_pool;
  return {};
}

namespace {

// A read's reply: its body, or its error.
void reply_with(const Peer& peer, std::uint64_t id, const Result<std::string>& body) {
  if (body.ok()) {
    peer.reply(id, Status::success(), body.value());
  } else {
    peer.reply(id, body.status(), protocol::kEmptyMap);
  }
}

}  // namespace

std::string pack_enqueue_reply(const State& state, const std::vector<JobId>& ids,
                               const std::vector<Status>& errors, bool with_jobs) {
  protocol::EnqueueReply reply{ids, errors, {}};
  if (with_jobs) reply.jobs = find_jobs(state, ids);
  return protocol::encode_body(reply);
}

std::string pack_jobs_reply(const State& state, const std::vector<JobId>& ids, const EtaFn& eta) {
  protocol::WaitReply reply{find_jobs(state, ids), {}};
  if (eta) {
    for (const std::optional<Job>& job : reply.jobs)
      reply.etas.push_back(job ? eta(*job) : std::nullopt);
  }
  return protocol::encode_body(reply);
}

ClientApi::ClientApi(const State& state, Proposer& proposer, Dispatcher& dispatcher,
                     Waiters& waiters, Logger& log, NodeInfo info, Clock clock, JobIdGenerator& ids)
    : state_(state),
      proposer_(proposer),
      dispatcher_(dispatcher),
      waiters_(waiters),
      log_(log),
      info_(std::move(info)),
      clock_(std::move(clock)),
      ids_(ids),
      actions_(state, proposer, clock_) {}

namespace {
// The sender's IP address, as libzmq recorded it for the connection.
std::string peer_address(zmq::message_t& part) {
  const char* address = zmq_msg_gets(part.handle(), "Peer-Address");
  return address ? address : "";
}
}  // namespace

void ClientApi::on_message(ZmqWatcher* socket, std::vector<zmq::message_t>& parts) {
  if (parts.size() < 2) return;  // a ROUTER always prefixes the routing id
  Peer peer{socket, parts[0].to_string(), {}, {}, nullptr};
  const std::string_view frame = parts[1].to_string_view();
  std::uint64_t id_for_error = 0;
  if (protected_) {
    const std::string address = peer_address(parts[1]);
    if (!is_loopback_address(address)) {
      refusals_.note("protected mode: a client from another machine", address, clock_());
      protocol::decode_request(frame, &id_for_error);
      peer.reply(id_for_error, Status::error(ErrorCode::unavailable, protected_mode_refusal()),
                 protocol::kEmptyMap);
      return;
    }
  }
  if (parts.size() != 2) {
    ++bad_requests_;
    refusals_.note("a request of several frames", "a client", clock_());
    protocol::decode_request(frame, &id_for_error);
    peer.reply(
        id_for_error,
        Status::error(ErrorCode::bad_request, "a request is one frame; this message had " +
                                                  std::to_string(parts.size() - 1) + " frames"),
        protocol::kEmptyMap);
    return;
  }
  Result<protocol::Request> request = protocol::decode_request(frame, &id_for_error);
  if (!request.ok()) {
    ++bad_requests_;
    refusals_.note("bad requests", "a client (" + request.status().message + ")", clock_());
    peer.reply(id_for_error, request.status(), protocol::kEmptyMap);
    return;
  }
  if (!peer.relayed() && resends_[socket].repeated(peer.routing_id, request->id)) return;
  if (relay_ && is_worker_request(request->body)) {
    relay_->on_worker_request(peer, parts[1].to_string_view(), *request, clock_());
    return;
  }
  if (write_forwarder_ && is_write_request(request->body)) {
    // "drain" without a node means the node asked, which the leader cannot
    // know once the request has hopped to it: name this node first.
    std::string named;
    std::string_view frame = parts[1].to_string_view();
    if (auto* assign = std::get_if<protocol::AssignCommand>(&request->body);
        assign && assign->node.empty() &&
        (assign->action == protocol::AssignAction::drain ||
         assign->action == protocol::AssignAction::undrain)) {
      assign->node = info_.node_id;
      named = protocol::encode_request(*request);
      frame = named;
    }
    if (write_forwarder_(peer, frame)) return;
  }
  handle(peer, *request);
}

void ClientApi::resume_write(const Peer& peer, std::string_view frame) {
  // Decoded once already, when it came: it still decodes.
  Result<protocol::Request> request = protocol::decode_request(frame, nullptr);
  if (!request.ok()) return;
  if (write_forwarder_ && write_forwarder_(peer, frame)) return;
  handle(peer, *request);
}

void ClientApi::refuse_write(const Peer& peer, std::string_view frame, const Status& status) {
  std::uint64_t id = 0;
  protocol::decode_request(frame, &id);
  peer.reply(id, status, protocol::kEmptyMap);
}

bool is_write_request(const protocol::RequestBody& body) {
  return std::visit(
      [](const auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, protocol::PoolCommand>) {
          return b.action != protocol::PoolAction::list;
        } else if constexpr (std::is_same_v<T, protocol::QdiscCommand>) {
          return b.action == protocol::QdiscAction::set;
        } else if constexpr (std::is_same_v<T, protocol::AssignCommand>) {
          return b.action != protocol::AssignAction::list;
        } else if constexpr (std::is_same_v<T, protocol::BlacklistCommand>) {
          return b.action != protocol::BlacklistAction::list;
        } else if constexpr (std::is_same_v<T, protocol::JobAction>) {
          return true;
        } else if constexpr (std::is_same_v<T, protocol::CronCommand>) {
          return b.action != protocol::CronAction::list && b.action != protocol::CronAction::show;
        } else {
          return std::is_same_v<T, protocol::Enqueue> || std::is_same_v<T, protocol::Retry> ||
                 std::is_same_v<T, protocol::Delete> || std::is_same_v<T, protocol::QueueCommand>;
        }
      },
      body);
}

bool ClientApi::refuse_while_draining(const Peer& peer, std::uint64_t id) {
  if (!draining_) return false;
  peer.reply(id, Status::error(ErrorCode::unavailable, "the node is shutting down"),
             protocol::kEmptyMap);
  return true;
}

void ClientApi::handle(const Peer& peer, protocol::Request& request) {
  const std::uint64_t id = request.id;
  TimeMs now = clock_();
  std::visit(
      [&](auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, protocol::Hello>) {
          peer.reply(id, Status::success(),
                     protocol::encode_body(protocol::HelloReply{info_.node_id, info_.version,
                                                                protocol::kProtocolVersion}));
        } else if constexpr (std::is_same_v<T, protocol::Enqueue>) {
          enqueue(peer, id, body);
        } else if constexpr (std::is_same_v<T, protocol::Wait>) {
          waiters_.add(std::move(body.ids), body.timeout_ms,
                       [this, peer, id](const std::vector<JobId>& ids) {
                         TimeMs at = clock_();
                         peer.reply(id, Status::success(),
                                    pack_jobs_reply(state_, ids, [&](const Job& job) {
                                      return eta_of(job, at);
                                    }));
                       });
        } else if constexpr (std::is_same_v<T, protocol::Get>) {
          const Job* job = state_.find(body.id);
          if (!job) {
            peer.reply(id, Status::error(ErrorCode::not_found, "no job " + format_job_id(body.id)),
                       protocol::kEmptyMap);
            return;
          }
          protocol::GetReply reply;
          reply.job = *job;
          reply.index = state_.applied_index();
          reply.term = state_.applied_term();
          reply.eta = eta_of(*job, now);
          peer.reply(id, Status::success(), protocol::encode_body(reply));
        } else if constexpr (std::is_same_v<T, protocol::List>) {
          reply_with(peer, id,
                     answer_list(state_, body, [&](const Job& job) { return eta_of(job, now); }));
        } else if constexpr (std::is_same_v<T, protocol::Retry>) {
          if (refuse_while_draining(peer, id)) return;
          ids_op(peer, id, RetryOp{std::move(body.ids)});
        } else if constexpr (std::is_same_v<T, protocol::Delete>) {
          ids_op(peer, id, DeleteOp{std::move(body.ids)});
        } else if constexpr (std::is_same_v<T, protocol::Queues>) {
          protocol::QueuesReply reply;
          for (const QueueInfo& q : state_.queues()) {
            protocol::QueueSummary summary;
            summary.name = q.name;
            summary.paused = q.config.paused;
            summary.qdisc = to_string(q.config.qdisc.kind);
            std::copy(std::begin(q.counts.by_state), std::end(q.counts.by_state), summary.counts);
            reply.queues.push_back(std::move(summary));
          }
          peer.reply(id, Status::success(), protocol::encode_body(reply));
        } else if constexpr (std::is_same_v<T, protocol::QueueCommand>) {
          queue_command(peer, id, body);
        } else if constexpr (std::is_same_v<T, protocol::Stats>) {
          stats(peer, id);
        } else if constexpr (std::is_same_v<T, protocol::WorkerHello>) {
          dispatcher_.on_worker_hello(peer, id, body, now);
        } else if constexpr (std::is_same_v<T, protocol::Credit>) {
          dispatcher_.on_credit(peer, id, body.slots, body.withdraw, now);
        } else if constexpr (std::is_same_v<T, protocol::Report>) {
          dispatcher_.on_report(peer, id, body, now);
        } else if constexpr (std::is_same_v<T, protocol::Reports>) {
          dispatcher_.on_reports(peer, id, body, now);
        } else if constexpr (std::is_same_v<T, protocol::Heartbeat>) {
          dispatcher_.on_heartbeat(peer, id, now);
        } else if constexpr (std::is_same_v<T, protocol::PoolCommand>) {
          pool_command(peer, id, body);
        } else if constexpr (std::is_same_v<T, protocol::Nodes>) {
          protocol::NodesReply reply = nodes_lister_ ? nodes_lister_() : protocol::NodesReply{};
          peer.reply(id, Status::success(), protocol::encode_body(reply));
        } else if constexpr (std::is_same_v<T, protocol::JobAction>) {
          // Retry is refused while shutting down, as the retry request is; a
          // kill is welcome then (a running job may be what holds shutdown up).
          if (body.action == protocol::JobActionKind::retry && refuse_while_draining(peer, id))
            return;
          actions_.handle(peer, id, body);
        } else if constexpr (std::is_same_v<T, protocol::Groups>) {
          reply_with(peer, id, answer_groups(state_, body));
        } else if constexpr (std::is_same_v<T, protocol::AssignCommand>) {
          assign_command(peer, id, body);
        } else if constexpr (std::is_same_v<T, protocol::Resources>) {
          resources(peer, id, body);
        } else if constexpr (std::is_same_v<T, protocol::BlacklistCommand>) {
          blacklist(peer, id, body);
        } else if constexpr (std::is_same_v<T, protocol::QdiscCommand>) {
          qdisc_command(peer, id, body);
        } else if constexpr (std::is_same_v<T, protocol::CronCommand>) {
          cron_command(peer, id, body);
        } else if constexpr (std::is_same_v<T, protocol::ForceRecovery>) {
          force_recovery(peer, id, body);
        } else if constexpr (std::is_same_v<T, protocol::TransferLeadership>) {
          transfer_leadership(peer, id, body);
        } else if constexpr (std::is_same_v<T, protocol::FeedSnapshot>) {
          feed_snapshot(peer, id, body);
        } else if constexpr (std::is_same_v<T, protocol::FeedOps>) {
          feed_ops(peer, id, body);
        } else if constexpr (std::is_same_v<T, protocol::Upgrade>) {
          Result<protocol::UpgradeReply> answer =
              upgrade_handler_ ? upgrade_handler_(body)
                               : Result<protocol::UpgradeReply>(Status::error(
                                     ErrorCode::bad_request, "this node cannot upgrade"));
          if (!answer.ok()) {
            peer.reply(id, answer.status(), protocol::kEmptyMap);
          } else {
            peer.reply(id, Status::success(), protocol::encode_body(*answer));
          }
        } else {
          static_assert(sizeof(T) == 0, "every request type needs a handler");
        }
      },
      request.body);
}

void ClientApi::enqueue(const Peer& peer, std::uint64_t id, protocol::Enqueue& request) {
  if (refuse_while_draining(peer, id)) return;
  const TimeMs now = clock_();
  const std::size_t n = request.jobs.size();
  // Refused jobs keep their place in the reply with id 0 and their error.
  std::vector<JobId> ids(n, 0);
  std::vector<Status> errors(n);
  std::vector<std::size_t> places;
  EnqueueOp op;
  op.jobs.reserve(n);
  std::map<std::string, std::string> pinned_nodes;  // as given -> resolved, once per batch
  for (std::size_t i = 0; i < n; ++i) {
    Job job;
    errors[i] = make_job(request.jobs[i], now, ids_.next(now), job);
    if (!errors[i].ok()) continue;
    if (!job.pin_node.empty()) {
      auto [it, fresh] = pinned_nodes.try_emplace(job.pin_node);
      if (fresh) it->second = resolve_node(job.pin_node);
      job.pin_node = it->second;
    }
    places.push_back(i);
    op.jobs.push_back(std::move(job));
  }
  for (std::size_t k = 0; k < places.size(); ++k) ids[places[k]] = op.jobs[k].id;

  auto answer = [this, peer, id, wait = request.wait, timeout = request.timeout_ms](
                    std::vector<JobId> ids, std::vector<Status> errors) {
    auto send = [this, peer, id, errors = std::move(errors), wait](const std::vector<JobId>& ids) {
      peer.reply(id, Status::success(), pack_enqueue_reply(state_, ids, errors, wait));
    };
    if (wait) {
      waiters_.add(std::move(ids), timeout, std::move(send));
    } else {
      send(ids);
    }
  };

  if (op.jobs.empty()) {
    answer(std::move(ids), std::move(errors));
    return;
  }
  proposer_.propose(std::move(op), [answer, ids = std::move(ids), errors = std::move(errors),
                                    places = std::move(places), peer,
                                    id](const Status& status, const ApplyResult& result) mutable {
    if (!status.ok()) {
      peer.reply(id, status, protocol::kEmptyMap);
      return;
    }
    for (std::size_t k = 0; k < places.size() && k < result.statuses.size(); ++k) {
      if (!result.statuses[k].ok()) {
        errors[places[k]] = result.statuses[k];
        ids[places[k]] = 0;
      }
    }
    answer(std::move(ids), std::move(errors));
  });
}

void ClientApi::ids_op(const Peer& peer, std::uint64_t id, Op op) {
  proposer_.propose(std::move(op), [peer, id](const Status& status, const ApplyResult& result) {
    if (!status.ok()) {
      peer.reply(id, status, protocol::kEmptyMap);
      return;
    }
    peer.reply(id, Status::success(),
               protocol::encode_body(protocol::ErrorsReply{result.statuses}));
  });
}

void ClientApi::queue_command(const Peer& peer, std::uint64_t id,
                              const protocol::QueueCommand& command) {
  if (std::string why = check_queue_name(command.name); !why.empty()) {
    peer.reply(id, Status::error(ErrorCode::bad_request, why), protocol::kEmptyMap);
    return;
  }
  Op op;
  std::optional<QueueInfo> existing = state_.queue(command.name);
  switch (command.action) {
    case protocol::QueueAction::create:
      op = QueueCreateOp{command.name, command.config.value_or(QueueConfig{})};
      break;
    case protocol::QueueAction::pause:
    case protocol::QueueAction::resume: {
      if (!existing) {
        peer.reply(id, Status::error(ErrorCode::not_found, "no queue '" + command.name + "'"),
                   protocol::kEmptyMap);
        return;
      }
      QueueConfig config = existing->config;
      config.paused = command.action == protocol::QueueAction::pause;
      op = QueueConfigureOp{command.name, config};
      break;
    }
    case protocol::QueueAction::clear:
      op = QueueClearOp{command.name};
      break;
    case protocol::QueueAction::remove:
      op = QueueDeleteOp{command.name};
      break;
  }
  proposer_.propose(std::move(op), [peer, id](const Status& status, const ApplyResult& result) {
    Status answer = status;
    if (answer.ok() && !result.statuses.empty()) answer = result.statuses.front();
    peer.reply(id, answer, protocol::kEmptyMap);
  });
}

void ClientApi::pool_command(const Peer& peer, std::uint64_t id, protocol::PoolCommand& command) {
  Op op;
  switch (command.action) {
    case protocol::PoolAction::list: {
      protocol::PoolsReply reply;
      if (pool_lister_) reply.pools = pool_lister_();
      peer.reply(id, Status::success(), protocol::encode_body(reply));
      return;
    }
    case protocol::PoolAction::add: {
      if (refuse_while_draining(peer, id)) return;
      PoolSpec spec = std::move(*command.spec);
      spec.generation = 0;  // the state assigns it
      if (std::string why = check_pool_spec(spec); !why.empty()) {
        peer.reply(id, Status::error(ErrorCode::bad_request, why), protocol::kEmptyMap);
        return;
      }
      op = PoolDeclareOp{std::move(spec)};
      break;
    }
    case protocol::PoolAction::remove:
      op = PoolRemoveOp{command.name};
      break;
    case protocol::PoolAction::reload:
      op = PoolReloadOp{command.name};
      break;
  }
  if (refuse_while_draining(peer, id)) return;
  proposer_.propose(std::move(op), [peer, id](const Status& status, const ApplyResult& result) {
    Status answer = status;
    if (answer.ok() && !result.statuses.empty()) answer = result.statuses.front();
    peer.reply(id, answer, protocol::kEmptyMap);
  });
}

void ClientApi::stats(const Peer& peer, std::uint64_t id) {
  const Totals& totals = state_.totals();
  DispatchStats dispatch = dispatcher_.stats();
  protocol::BodyWriter body;
  body.add("node", info_.node_id).add("version", info_.version);
  body.add("term", proposer_.term()).add("index", state_.applied_index());
  pack_counts(body.key("counts"), state_.counts());
  protocol::BodyWriter t;
  t.add("enqueued", totals.enqueued).add("succeeded", totals.succeeded);
  t.add("failed_attempts", totals.failed_attempts).add("dead", totals.dead);
  t.add("killed", totals.killed).add("duplicate_runs", totals.duplicate_runs);
  t.add("purged", totals.purged);
  body.add_packed("totals", t.finish());
  protocol::BodyWriter w;
  w.add("connected", static_cast<std::uint64_t>(dispatch.workers));
  w.add("free_slots", dispatch.free_slots).add("leases_pushed", dispatch.leases_pushed);
  w.add("lost", dispatch.workers_lost);
  w.add("cancels_sent", dispatch.cancels_sent);
  body.add_packed("workers", w.finish());
  body.add("bad_requests", bad_requests_);
  body.add("draining", state_.assignments().node_draining(info_.node_id));
  if (stats_extra_) stats_extra_(body);
  peer.reply(id, Status::success(), body.finish());
}

}  // namespace desaster
