// Client methods of resource monitoring and the de-duplication blacklist.
#include "transport/client/client_impl.hpp"

namespace desaster {

Result<protocol::ResourcesReply> Client::resources(const protocol::Resources& query) {
  return impl_->call<protocol::ResourcesReply>(query, impl_->options.timeout);
}

Result<protocol::BlacklistReply> Client::blacklist(const std::string& queue,
                                                   const std::string& search, std::uint32_t limit) {
  protocol::BlacklistCommand command;
  command.action = protocol::BlacklistAction::list;
  command.queue = queue;
  command.search = search;
  command.limit = limit;
  return impl_->call<protocol::BlacklistReply>(std::move(command), impl_->options.timeout);
}

Status Client::blacklist_clear(const std::string& queue, const std::string& identity) {
  protocol::BlacklistCommand command;
  command.action = protocol::BlacklistAction::clear;
  command.queue = queue;
  command.identity = identity;
  Result<protocol::Reply> reply = impl_->call_raw(std::move(command), impl_->options.timeout);
  return reply.ok() ? Status::success() : reply.status();
}

Status Client::set_dedup_window(const std::string& queue, std::uint64_t window_ms) {
  protocol::BlacklistCommand command;
  command.action = protocol::BlacklistAction::window;
  command.queue = queue;
  command.window_ms = window_ms;
  Result<protocol::Reply> reply = impl_->call_raw(std::move(command), impl_->options.timeout);
  return reply.ok() ? Status::success() : reply.status();
}

}  // namespace desaster
