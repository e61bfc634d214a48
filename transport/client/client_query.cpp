// Client::query and Client::failed_groups (client.hpp).
#include "transport/client/client.hpp"
#include "transport/client/client_impl.hpp"

namespace desaster {

Result<protocol::ListReply> Client::query(const protocol::List& query) {
  return impl_->call<protocol::ListReply>(query, impl_->options.timeout);
}

Result<protocol::GroupsReply> Client::failed_groups(GroupBy by,
                                                    const std::vector<JobState>& states) {
  return impl_->call<protocol::GroupsReply>(protocol::Groups{by, states}, impl_->options.timeout);
}

}  // namespace desaster
