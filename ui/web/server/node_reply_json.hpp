// A node's msgpack reply as JSON for the page (/api/workers, /api/resources,
// /api/blacklist): msgpack_to_json, except that job ids (the values of keys
// "job" and "id" that are integers) become 16 hex digits, as everywhere
// else in the API: JavaScript numbers keep only 53 bits. 0 (no job) is "".
#pragma once

#include <string>
#include <string_view>

#include "core/model/status.hpp"

namespace desaster::web {

Result<std::string> node_reply_json(std::string_view msgpack_body);

}  // namespace desaster::web
