#include "ui/web/server/node_reply_json.hpp"

#include <msgpack.hpp>

#include "core/model/job_id.hpp"
#include "transport/client/msgpack_json.hpp"

namespace desaster::web {

namespace {

bool is_id_key(const msgpack::object& key) {
  if (key.type != msgpack::type::STR) return false;
  const std::string_view k(key.via.str.ptr, key.via.str.size);
  return k == "job" || k == "id";
}

void write(std::string& out, const msgpack::object& o, int depth) {
  if (depth > 32) {
    out += "null";
    return;
  }
  if (o.type == msgpack::type::MAP) {
    out += '{';
    for (std::uint32_t i = 0; i < o.via.map.size; ++i) {
      const msgpack::object_kv& kv = o.via.map.ptr[i];
      if (i) out += ',';
      out += kv.key.type == msgpack::type::STR ? msgpack_to_json(kv.key)
                                               : "\"" + msgpack_to_json(kv.key) + "\"";
      out += ':';
      if (is_id_key(kv.key) && kv.val.type == msgpack::type::POSITIVE_INTEGER) {
        out += kv.val.via.u64 == 0 ? "\"\"" : "\"" + format_job_id(kv.val.via.u64) + "\"";
      } else {
        write(out, kv.val, depth + 1);
      }
    }
    out += '}';
  } else if (o.type == msgpack::type::ARRAY) {
    out += '[';
    for (std::uint32_t i = 0; i < o.via.array.size; ++i) {
      if (i) out += ',';
      write(out, o.via.array.ptr[i], depth + 1);
    }
    out += ']';
  } else {
    out += msgpack_to_json(o);
  }
}

}  // namespace

Result<std::string> node_reply_json(std::string_view body) {
  if (body.empty()) return std::string("{}");
  try {
    msgpack::object_handle h = msgpack::unpack(body.data(), body.size());
    std::string out;
    write(out, h.get(), 0);
    return out;
  } catch (const std::exception& e) {
    return Status::error(ErrorCode::internal, std::string("bad reply from the node: ") + e.what());
  }
}

}  // namespace desaster::web
