// Fuzzes desaster-web's API query decoding: the input as a query string
// (then as /api/jobs and /api/failed/groups parameters) and as the JSON
// bodies of POST /api/actions, /api/queues, qdisc and /login. Nothing may
// crash; every refusal must say why.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ui/web/server/query/query_string.hpp"
#include "ui/web/server/query/web_query.hpp"

using namespace desaster;
using namespace desaster::web;

namespace {

template <typename T>
void check(const Result<T>& result) {
  if (!result.ok() && result.status().message.empty()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  Result<QueryParams> params = parse_query_string(bytes);
  check(params);
  if (params.ok()) {
    for (const auto& [name, value] : *params) {
      if (!is_clean_utf8(name) || !is_clean_utf8(value)) std::abort();
    }
    Result<ListQuery> jobs = decode_jobs_query(*params);
    check(jobs);
    if (jobs.ok() && (jobs->limit == 0 || jobs->limit > kMaxPageRows)) std::abort();
    check(decode_jobs_query(*params, false));
    check(decode_groups_query(*params));
  }
  Result<WebAction> action = decode_action_request(bytes);
  check(action);
  if (action.ok() && action->filter.has_value() == !action->ids.empty()) std::abort();
  if (action.ok() && action->ids.size() > kMaxActionIds) std::abort();
  check(decode_queue_create(bytes));
  check(decode_qdisc_words(bytes));
  check(decode_login(bytes, true));
  check(decode_login(bytes, false));
  return 0;
}
