// The reply to "groups" (query_messages.hpp); replies.hpp includes this.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/job.hpp"
#include "core/model/status.hpp"

namespace desaster::protocol {

struct GroupSummary {
  std::string key;  // queue name, class, or error signature
  std::uint64_t count = 0;
  JobId example = 0;  // the newest job of the group
};

// "groups" -> {groups: [{key, count, example}], index, term}
struct GroupsReply {
  std::vector<GroupSummary> groups;
  std::uint64_t index = 0;  // the answering replica's applied index and term
  std::uint64_t term = 0;
};

std::string encode_body(const GroupsReply& body);
Status decode_body(std::string_view bytes, GroupsReply& out);

}  // namespace desaster::protocol
