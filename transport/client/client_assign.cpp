// The Client's worker assignment calls: one "assign" request each.
#include "transport/client/client.hpp"

namespace desaster {

namespace {

protocol::AssignCommand command(protocol::AssignAction action, std::string pool = {},
                                std::string queue = {}, std::string node = {}) {
  protocol::AssignCommand c;
  c.action = action;
  c.pool = std::move(pool);
  c.queue = std::move(queue);
  c.node = std::move(node);
  return c;
}

template <typename Body>
Result<Body> decoded(const Result<protocol::Reply>& reply) {
  if (!reply.ok()) return reply.status();
  Body body;
  Status status = protocol::decode_body(reply->body, body);
  if (!status.ok()) return Status::error(ErrorCode::internal, "bad reply: " + status.message);
  return body;
}

Status plain(const Result<protocol::Reply>& reply) {
  return reply.ok() ? Status::success() : reply.status();
}

}  // namespace

Status Client::attach(const std::string& pool, const std::string& queue, std::uint32_t weight,
                      const std::string& node) {
  protocol::AssignCommand c = command(protocol::AssignAction::attach, pool, queue, node);
  c.weight = weight;
  return plain(request(std::move(c)));
}

Status Client::detach(const std::string& pool, const std::string& queue, const std::string& node) {
  return plain(request(command(protocol::AssignAction::detach, pool, queue, node)));
}

Status Client::pause_pool(const std::string& pool, const std::string& node) {
  return plain(request(command(protocol::AssignAction::pause, pool, {}, node)));
}

Status Client::resume_pool(const std::string& pool, const std::string& node) {
  return plain(request(command(protocol::AssignAction::resume, pool, {}, node)));
}

Result<std::string> Client::drain(const std::string& node) {
  auto reply =
      decoded<protocol::DrainReply>(request(command(protocol::AssignAction::drain, {}, {}, node)));
  if (!reply.ok()) return reply.status();
  return std::move(reply->node);
}

Result<std::string> Client::undrain(const std::string& node) {
  auto reply = decoded<protocol::DrainReply>(
      request(command(protocol::AssignAction::undrain, {}, {}, node)));
  if (!reply.ok()) return reply.status();
  return std::move(reply->node);
}

Result<std::vector<Status>> Client::pin(const std::vector<JobId>& ids, const std::string& node,
                                        const std::string& pool) {
  protocol::AssignCommand c = command(protocol::AssignAction::pin, pool, {}, node);
  c.ids = ids;
  auto reply = decoded<protocol::ErrorsReply>(request(std::move(c)));
  if (!reply.ok()) return reply.status();
  return std::move(reply->errors);
}

Result<std::vector<Status>> Client::unpin(const std::vector<JobId>& ids) {
  protocol::AssignCommand c = command(protocol::AssignAction::unpin);
  c.ids = ids;
  auto reply = decoded<protocol::ErrorsReply>(request(std::move(c)));
  if (!reply.ok()) return reply.status();
  return std::move(reply->errors);
}

Result<protocol::AssignmentsReply> Client::assignments() {
  return decoded<protocol::AssignmentsReply>(request(command(protocol::AssignAction::list)));
}

}  // namespace desaster
