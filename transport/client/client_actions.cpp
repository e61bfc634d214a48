// Client's job actions: the "action" request (protocol/action_messages.hpp).
#include "transport/client/client_impl.hpp"

namespace desaster {

Result<protocol::JobActionReply> Client::job_action(const protocol::JobAction& action) {
  return impl_->call<protocol::JobActionReply>(action, impl_->options.timeout);
}

Result<protocol::JobActionReply> Client::kill(const std::vector<JobId>& ids) {
  protocol::JobAction action;
  action.action = protocol::JobActionKind::kill;
  action.ids = ids;
  return job_action(action);
}

}  // namespace desaster
