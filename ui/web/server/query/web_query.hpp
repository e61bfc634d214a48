// The API's query decoding: /api/jobs and /api/failed/groups parameters
// into the state's ListQuery and group request, and the JSON body of
// POST /api/actions into a job action. Pure (no clock: relative times are
// not accepted, the page sends milliseconds). Every error is bad_request
// with a message that starts with the parameter's name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/job_query.hpp"
#include "core/model/status.hpp"
#include "core/state/state.hpp"
#include "transport/protocol/action_messages.hpp"
#include "ui/web/server/query/query_string.hpp"

namespace desaster::web {

inline constexpr std::size_t kDefaultPageRows = 50;
inline constexpr std::size_t kMaxPageRows = 1000;
inline constexpr std::size_t kMaxActionIds = 10'000;
inline constexpr std::size_t kMaxJsonDepth = 16;

// /api/jobs. With paging false (an action's filter) sort, desc, limit and
// cursor are refused, and "all" is accepted (a filter that may select
// every job must say so).
Result<ListQuery> decode_jobs_query(const QueryParams& params, bool paging = true);

// Takes error_signature=KEY (a failed-set group's key, exact) out of params:
// neither the state's ListQuery nor the node's query selection has it, so
// desaster-web filters by it itself. Empty when not given.
Result<std::string> take_error_signature(QueryParams& params);

struct GroupsRequest {
  GroupBy by = GroupBy::queue;
  std::vector<JobState> states;  // empty: failed and dead
};
Result<GroupsRequest> decode_groups_query(const QueryParams& params);

// Parameters no endpoint takes: refused by name ("foo: unknown parameter").
Status check_known(const QueryParams& params, std::initializer_list<std::string_view> known);

enum class WebActionKind : std::uint8_t { job_action, pin, unpin };

struct WebAction {
  WebActionKind kind = WebActionKind::job_action;
  protocol::JobAction job;          // kind, arguments (and ids) for job_action
  std::vector<JobId> ids;           // the selection by ids (also in job.ids)
  std::optional<ListQuery> filter;  // the selection by filter
  std::string error_signature;      // with filter: only jobs of this error group
  // True when the filter is only queue and/or one state: the node can then
  // select the jobs itself, in one "action" request (all: true).
  bool node_selectable = false;
  std::string pin_node;  // pin
  std::string pin_pool;  // pin
};

// The body of POST /api/actions (API.md). Errors name the field.
Result<WebAction> decode_action_request(std::string_view body);

// Bodies of the queue endpoints: {"name", ...} for create, {"spec"} for qdisc.
struct QueueCreateRequest {
  std::string name;
  std::uint32_t max_attempts = 0;
  std::uint32_t backoff_base_ms = 0;
  std::uint32_t backoff_max_ms = 0;
};
Result<QueueCreateRequest> decode_queue_create(std::string_view body);
Result<std::vector<std::string>> decode_qdisc_words(std::string_view body);
// A small JSON object of named fields (the admin endpoints' bodies): each
// field a string or an unsigned integer; required ones must be there, and
// any other field is refused by name. An empty body is {}.
struct FieldSpec {
  const char* name;
  bool number;  // uint32 (else a string of at most 256 bytes)
  bool required;
};
struct Fields {
  std::vector<std::pair<std::string, std::string>> strings;
  std::vector<std::pair<std::string, std::uint32_t>> numbers;
  std::optional<std::string> string(std::string_view name) const;
  std::optional<std::uint32_t> number(std::string_view name) const;
};
Result<Fields> decode_fields(std::string_view body, std::initializer_list<FieldSpec> spec);

// The password of POST /login: form-encoded password=... or JSON {"password"}.
Result<std::string> decode_login(std::string_view body, bool json);

}  // namespace desaster::web
