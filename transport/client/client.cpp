// Client: one synchronous request at a time over a Connection; see client.hpp.
#include "transport/client/client.hpp"

#include "transport/client/client_impl.hpp"
#include "transport/client/msgpack_json.hpp"
#include "transport/protocol/map_reader.hpp"
#include "transport/security/key_source.hpp"

namespace desaster {

using std::chrono::milliseconds;

namespace {

EnqueueResult to_result(protocol::EnqueueReply&& reply) {
  return {std::move(reply.ids), std::move(reply.errors), std::move(reply.jobs)};
}

}  // namespace

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;

Result<std::unique_ptr<Client>> Client::connect(const ClientOptions& options) {
  Result<const GroupKeys*> keys = group_keys(resolve_group_key(options.group_key));
  if (!keys.ok()) return keys.status();
  auto impl = std::make_unique<Impl>(options, **keys);
  Status opened = impl->connection.open();
  if (!opened.ok()) return opened;
  Result<protocol::HelloReply> hello = impl->call<protocol::HelloReply>(
      protocol::Hello{protocol::kProtocolVersion, options.name}, options.timeout);
  if (!hello.ok()) return hello.status();
  if (hello->protocol != protocol::kProtocolVersion) {
    return Status::error(ErrorCode::unavailable,
                         "node at " + options.endpoint + " speaks protocol " +
                             std::to_string(hello->protocol) + ", this client speaks " +
                             std::to_string(protocol::kProtocolVersion));
  }
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

Result<EnqueueResult> Client::enqueue(const std::vector<protocol::JobSpec>& jobs) {
  Result<protocol::EnqueueReply> reply = impl_->call<protocol::EnqueueReply>(
      protocol::Enqueue{jobs, false, 0}, impl_->options.timeout);
  if (!reply.ok()) return reply.status();
  return to_result(std::move(reply.value()));
}

Result<JobId> Client::enqueue(const protocol::JobSpec& job) {
  Result<EnqueueResult> result = enqueue(std::vector<protocol::JobSpec>{job});
  if (!result.ok()) return result.status();
  if (result->ids.size() != 1) {
    return Status::error(ErrorCode::internal, "node answered one job with " +
                                                  std::to_string(result->ids.size()) + " ids");
  }
  if (!result->errors.at(0).ok()) return result->errors[0];
  return result->ids[0];
}

Result<EnqueueResult> Client::submit_and_wait(const std::vector<protocol::JobSpec>& jobs,
                                              milliseconds timeout) {
  protocol::Enqueue request{jobs, true, static_cast<std::uint32_t>(timeout.count())};
  Result<protocol::EnqueueReply> reply =
      impl_->call<protocol::EnqueueReply>(std::move(request), impl_->timeout_with(timeout));
  if (!reply.ok()) return reply.status();
  return to_result(std::move(reply.value()));
}

Result<std::vector<std::optional<Job>>> Client::wait(const std::vector<JobId>& ids,
                                                     milliseconds timeout) {
  protocol::Wait request{ids, static_cast<std::uint32_t>(timeout.count())};
  Result<protocol::WaitReply> reply =
      impl_->call<protocol::WaitReply>(std::move(request), impl_->timeout_with(timeout));
  if (!reply.ok()) return reply.status();
  return std::move(reply->jobs);
}

Result<Job> Client::get(JobId id) {
  Result<protocol::GetReply> reply =
      impl_->call<protocol::GetReply>(protocol::Get{id}, impl_->options.timeout);
  if (!reply.ok()) return reply.status();
  return std::move(reply->job);
}

Result<JobPage> Client::list(const protocol::List& query) {
  Result<protocol::ListReply> reply =
      impl_->call<protocol::ListReply>(query, impl_->options.timeout);
  if (!reply.ok()) return reply.status();
  return JobPage{std::move(reply->jobs), reply->next, reply->total, std::move(reply->etas)};
}

Result<std::vector<Status>> Client::retry(const std::vector<JobId>& ids) {
  Result<protocol::ErrorsReply> reply =
      impl_->call<protocol::ErrorsReply>(protocol::Retry{ids}, impl_->options.timeout);
  if (!reply.ok()) return reply.status();
  return std::move(reply->errors);
}

Result<std::vector<Status>> Client::remove(const std::vector<JobId>& ids) {
  Result<protocol::ErrorsReply> reply =
      impl_->call<protocol::ErrorsReply>(protocol::Delete{ids}, impl_->options.timeout);
  if (!reply.ok()) return reply.status();
  return std::move(reply->errors);
}

Result<std::vector<QueueSummary>> Client::queues() {
  Result<protocol::QueuesReply> reply =
      impl_->call<protocol::QueuesReply>(protocol::Queues{}, impl_->options.timeout);
  if (!reply.ok()) return reply.status();
  return std::move(reply->queues);
}

Status Client::queue_command(const protocol::QueueCommand& command) {
  Result<protocol::Reply> reply = impl_->call_raw(command, impl_->options.timeout);
  return reply.ok() ? Status::success() : reply.status();
}

Status Client::pool_add(const PoolSpec& spec) {
  protocol::PoolCommand command;
  command.action = protocol::PoolAction::add;
  command.name = spec.name;
  command.spec = spec;
  Result<protocol::Reply> reply = impl_->call_raw(std::move(command), impl_->options.timeout);
  return reply.ok() ? Status::success() : reply.status();
}

Status Client::pool_remove(const std::string& name) {
  Result<protocol::Reply> reply = impl_->call_raw(
      protocol::PoolCommand{protocol::PoolAction::remove, name, {}}, impl_->options.timeout);
  return reply.ok() ? Status::success() : reply.status();
}

Status Client::pool_reload(const std::string& name) {
  Result<protocol::Reply> reply = impl_->call_raw(
      protocol::PoolCommand{protocol::PoolAction::reload, name, {}}, impl_->options.timeout);
  return reply.ok() ? Status::success() : reply.status();
}

Result<protocol::NodesReply> Client::nodes() {
  return impl_->call<protocol::NodesReply>(protocol::Nodes{}, impl_->options.timeout);
}

Result<std::vector<PoolSummary>> Client::pools() {
  Result<protocol::PoolsReply> reply = impl_->call<protocol::PoolsReply>(
      protocol::PoolCommand{protocol::PoolAction::list, {}, {}}, impl_->options.timeout);
  if (!reply.ok()) return reply.status();
  return std::move(reply->pools);
}

Result<protocol::Reply> Client::request(protocol::RequestBody body) {
  return impl_->call_raw(std::move(body), impl_->options.timeout);
}

Result<std::string> Client::stats_json() {
  Result<protocol::Reply> reply = impl_->call_raw(protocol::Stats{}, impl_->options.timeout);
  if (!reply.ok()) return reply.status();
  Result<msgpack::object_handle> body = codec::unpack_bounded(reply->body, "reply body");
  if (!body.ok()) return body.status();
  return msgpack_to_json(body->get());
}

// Queries (issue 4).
Result<protocol::ListReply> Client::query(const protocol::List& query) {
  return impl_->call<protocol::ListReply>(query, impl_->options.timeout);
}

Result<protocol::GroupsReply> Client::failed_groups(GroupBy by,
                                                    const std::vector<JobState>& states) {
  return impl_->call<protocol::GroupsReply>(protocol::Groups{by, states}, impl_->options.timeout);
}

// Queueing disciplines and ETAs.
Result<protocol::GetReply> Client::get_with_eta(JobId id) {
  return impl_->call<protocol::GetReply>(protocol::Get{id}, impl_->options.timeout);
}

Result<protocol::QdiscReply> Client::qdisc(const protocol::QdiscCommand& command) {
  return impl_->call<protocol::QdiscReply>(command, impl_->options.timeout);
}

Result<protocol::UpgradeReply> Client::upgrade(bool start, const std::string& binary) {
  return impl_->call<protocol::UpgradeReply>(protocol::Upgrade{start, binary},
                                             impl_->options.timeout);
}

Result<protocol::TransferLeadershipReply> Client::transfer_leadership(const std::string& node) {
  return impl_->call<protocol::TransferLeadershipReply>(protocol::TransferLeadership{node},
                                                        impl_->options.timeout);
}

Result<protocol::ForceRecoveryReply> Client::force_recovery(bool accept_risk) {
  return impl_->call<protocol::ForceRecoveryReply>(protocol::ForceRecovery{accept_risk},
                                                   impl_->options.timeout);
}

Result<protocol::CronReply> Client::cron(const protocol::CronCommand& command) {
  return impl_->call<protocol::CronReply>(command, impl_->options.timeout);
}

}  // namespace desaster
