// Fuzzes decode_request: any bytes give a request or an error with a message,
// never a crash; a request that decodes re-encodes to a frame that decodes
// to the same request, and the id handed out for errors is the request's.
// A "list" request also runs its query check (the cursor decoder) and, when
// that passes, the query against an empty state.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/node/query_answers.hpp"
#include "core/state/list_query.hpp"
#include "transport/protocol/messages.hpp"

using namespace desaster::protocol;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view frame(reinterpret_cast<const char*>(data), size);
  std::uint64_t id = 0;
  auto decoded = decode_request(frame, &id);
  if (!decoded.ok()) {
    if (decoded.status().message.empty()) std::abort();
    return 0;
  }
  if (id != decoded->id || decoded->id == 0) std::abort();
  const std::string once = encode_request(*decoded);
  auto again = decode_request(once);
  if (!again.ok() || encode_request(*again) != once) std::abort();
  if (const List* list = std::get_if<List>(&decoded->body)) {
    static const desaster::State empty;
    const desaster::ListQuery query = desaster::to_list_query(*list);
    desaster::Status checked = desaster::check_list_query(query);
    if (!checked.ok() && checked.message.empty()) std::abort();
    if (checked.ok() &&
        (!empty.list(query).jobs.empty() || !desaster::answer_list(empty, *list).ok()))
      std::abort();
  }
  return 0;
}
