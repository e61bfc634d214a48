// Codecs of the node <-> Ruby pool messages; see pool_frames.hpp.
#include "workers/ruby_pool/pool_frames.hpp"

#include "core/model/job_id.hpp"
#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/map_reader.hpp"

namespace desaster::ruby_pool {

using protocol::BodyWriter;
using protocol::MapReader;

namespace {

constexpr std::size_t kMaxBacktrace = 1000;

Status bad(std::string message) {
  return Status::error(ErrorCode::bad_request, std::move(message));
}

// bin or str, the way Ruby packs binary and UTF-8 strings.
void read_text_array(MapReader& r, std::string_view key, std::vector<std::string>& out) {
  const msgpack::object_array* array = r.find_array(key, kMaxBacktrace);
  if (!array) return;
  out.resize(array->size);
  for (std::uint32_t i = 0; i < array->size; ++i) {
    std::string problem = codec::convert::as_bytes(array->ptr[i], out[i]);
    if (!problem.empty()) return r.fail_at(r.item_path(key, i), problem);
  }
}

void read_error(MapReader& r, std::string_view key, RubyError& out) {
  const msgpack::object* obj = r.find(key);
  if (!obj) return;
  MapReader e(*obj, r.what(), r.field_path(key));
  e.treat_nil_as_absent();
  e.require("class");
  e.read_bytes("class", out.error_class);
  e.read_bytes("message", out.message);
  read_text_array(e, "backtrace", out.backtrace);
  r.merge(e.status());
}

void read_pid(MapReader& r, std::int64_t& pid) {
  r.require("pid");
  r.read("pid", pid);
  if (r.ok() && pid <= 0) r.fail("pid", "must be a positive integer");
}

// Names and values as they are; one that is not a string leaves the
// headers out with the problem noted: the front end answers 502 for it,
// the worker and its channel are fine.
void read_reply_headers(const msgpack::object_map& map, RackReply& rack) {
  rack.headers.reserve(map.size);
  for (std::uint32_t i = 0; i < map.size; ++i) {
    const msgpack::object_kv& kv = map.ptr[i];
    if (kv.key.type != msgpack::type::STR || kv.val.type != msgpack::type::STR) {
      rack.headers.clear();
      rack.headers_problem = "header names and values must be strings";
      return;
    }
    rack.headers.emplace_back(std::string(kv.key.via.str.ptr, kv.key.via.str.size),
                              std::string(kv.val.via.str.ptr, kv.val.via.str.size));
  }
}

std::string pack_object(const msgpack::object& obj) {
  msgpack::sbuffer buffer;
  msgpack::pack(buffer, obj);
  return std::string(buffer.data(), buffer.size());
}

// Unpacks one message and reads its type into t.
template <typename Decode>
auto decode_typed(std::string_view payload, std::string_view what, Decode decode)
    -> decltype(decode(std::declval<MapReader&>(), std::string())) {
  Result<msgpack::object_handle> unpacked = codec::unpack_bounded(payload, what);
  if (!unpacked.ok()) return unpacked.status();
  MapReader r(unpacked->get(), std::string(what));
  r.treat_nil_as_absent();  // PROTOCOL.md: "S or G nil"
  std::string t;
  r.require("t");
  r.read("t", t);
  if (!r.ok()) return r.status();
  return decode(r, t);
}

}  // namespace

Status FrameReader::feed(std::string_view bytes) {
  if (failed_) return bad("the channel already sent an oversized frame");
  if (offset_ > 0 && offset_ == buffer_.size()) {
    buffer_.clear();
    offset_ = 0;
  }
  buffer_.append(bytes);
  if (buffered() >= 4) {
    const auto* p = reinterpret_cast<const unsigned char*>(buffer_.data() + offset_);
    std::uint32_t length = (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
                           (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
    if (length > kMaxFrameBytes) {
      failed_ = true;
      return bad("frame of " + std::to_string(length) + " bytes is over the limit of " +
                 std::to_string(kMaxFrameBytes));
    }
  }
  return {};
}

std::optional<std::string> FrameReader::next() {
  if (failed_ || buffered() < 4) return std::nullopt;
  const auto* p = reinterpret_cast<const unsigned char*>(buffer_.data() + offset_);
  std::uint32_t length = (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
                         (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
  if (length > kMaxFrameBytes) {
    failed_ = true;
    return std::nullopt;
  }
  if (buffered() - 4 < length) return std::nullopt;
  std::string payload = buffer_.substr(offset_ + 4, length);
  offset_ += 4 + length;
  // Compact once the consumed part dominates, so a long-lived channel does
  // not keep every byte it ever read.
  if (offset_ > 65536 && offset_ * 2 > buffer_.size()) {
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
  return payload;
}

std::string frame(std::string_view payload) {
  const auto n = static_cast<std::uint32_t>(payload.size());
  std::string out;
  out.reserve(4 + payload.size());
  out.push_back(static_cast<char>(n >> 24));
  out.push_back(static_cast<char>(n >> 16));
  out.push_back(static_cast<char>(n >> 8));
  out.push_back(static_cast<char>(n));
  out.append(payload);
  return out;
}

Result<WorkerMessage> decode_worker_message(std::string_view payload) {
  return decode_typed(
      payload, "worker message", [](MapReader& r, const std::string& t) -> Result<WorkerMessage> {
        if (t == "ready") {
          WorkerReady ready;
          read_pid(r, ready.pid);
          if (!r.ok()) return r.status();
          return WorkerMessage{ready};
        }
        if (t != "done") return bad("worker message type '" + codec::printable(t) + "' is unknown");
        WorkerDone done;
        std::string id;
        r.require("id");
        r.require("ok");
        r.read("id", id);
        if (r.ok()) {
          std::optional<JobId> parsed = parse_job_id(id);
          if (!parsed || id.size() != 16) {
            r.fail("id", "must be a job id of 16 hex digits");
          } else {
            done.id = *parsed;
          }
        }
        r.read("ok", done.ok);
        r.read("rss_kb", done.rss_kb);
        if (!done.ok && r.ok()) {
          r.require("error");
          RubyError error;
          read_error(r, "error", error);
          done.error = std::move(error);
        }
        RackReply rack;
        const msgpack::object* status = r.find("status");
        if (status) {
          std::string problem = codec::convert::as_integer(*status, rack.status);
          if (!problem.empty()) r.fail("status", problem);
        }
        if (const msgpack::object* headers = r.find("headers")) {
          if (headers->type != msgpack::type::MAP) {
            r.fail("headers", "must be a map");
          } else {
            read_reply_headers(headers->via.map, rack);
          }
        }
        r.read_bytes("body", rack.body);
        if (!r.ok()) return r.status();
        if (status) done.rack = std::move(rack);
        return WorkerMessage{std::move(done)};
      });
}

Result<std::string> encode_job_message(const Job& job) {
  BodyWriter w;
  if (job.kind == JobKind::http) {
    if (job.payload.empty()) return bad("http job payload is empty");
    Result<msgpack::object_handle> unpacked =
        codec::unpack_bounded(job.payload, "http job payload");
    if (!unpacked.ok()) return unpacked.status();
    MapReader r(unpacked->get(), "http job payload");
    r.treat_nil_as_absent();
    r.require("env");
    const msgpack::object* env = r.find("env");
    if (env && env->type != msgpack::type::MAP) r.fail("env", "must be a map");
    std::string body;
    r.read_bytes("body", body);
    if (!r.ok()) return r.status();
    w.add("t", "http").add("id", format_job_id(job.id));
    w.add_packed("env", pack_object(*env));
    w.add_bytes("body", body);
    return frame(w.finish());
  }
  if (job.kind != JobKind::ruby) {
    return bad(std::string("a Ruby pool cannot run ") + to_string(job.kind) + " jobs");
  }
  if (job.job_class.empty()) return bad("ruby job has no class");
  std::string args = "\x90";  // []
  if (!job.payload.empty()) {
    Result<msgpack::object_handle> unpacked =
        codec::unpack_bounded(job.payload, "ruby job payload");
    if (!unpacked.ok()) return unpacked.status();
    if (unpacked->get().type != msgpack::type::ARRAY) {
      return bad("ruby job payload must be a msgpack array of arguments");
    }
    args = job.payload;
  }
  w.add("t", "job").add("id", format_job_id(job.id)).add("class", job.job_class);
  w.add_packed("args", args);
  w.add("attempt", job.attempts).add("queue", job.queue);
  return frame(w.finish());
}

Result<std::string> encode_local_http_message(JobId id, std::string_view rack_payload) {
  if (rack_payload.size() < 2 || static_cast<unsigned char>(rack_payload[0]) != 0x82)
    return bad("http request payload is not a map of env and body");
  BodyWriter head;
  head.add("t", "http").add("id", format_job_id(id));
  const std::string h = head.finish();  // a fixmap of 2: 0x82, then t and id
  const std::string_view entries = rack_payload.substr(1);
  const std::size_t length = h.size() + entries.size();
  if (length > kMaxFrameBytes) return bad("http request is over the frame limit");
  std::string out;
  out.reserve(4 + length);
  const auto n = static_cast<std::uint32_t>(length);
  out.push_back(static_cast<char>(n >> 24));
  out.push_back(static_cast<char>(n >> 16));
  out.push_back(static_cast<char>(n >> 8));
  out.push_back(static_cast<char>(n));
  out.push_back(static_cast<char>(0x84));  // t, id, env, body
  out.append(h, 1);
  out.append(entries);
  return out;
}

std::string encode_worker_stop() {
  BodyWriter w;
  w.add("t", "stop");
  return frame(w.finish());
}

Result<MasterMessage> decode_master_message(std::string_view payload) {
  return decode_typed(payload, "master message",
                      [](MapReader& r, const std::string& t) -> Result<MasterMessage> {
                        if (t == "loaded") {
                          MasterLoaded loaded;
                          read_pid(r, loaded.pid);
                          if (!r.ok()) return r.status();
                          return MasterMessage{loaded};
                        }
                        if (t == "load_failed") {
                          MasterLoadFailed failed;
                          r.require("error");
                          read_error(r, "error", failed.error);
                          if (!r.ok()) return r.status();
                          return MasterMessage{std::move(failed)};
                        }
                        if (t == "spawned") {
                          MasterSpawned spawned;
                          r.require("slot");
                          r.read("slot", spawned.slot);
                          read_pid(r, spawned.pid);
                          if (!r.ok()) return r.status();
                          return MasterMessage{spawned};
                        }
                        if (t == "exited") {
                          MasterExited exited;
                          read_pid(r, exited.pid);
                          std::int32_t value = 0;
                          if (r.find("status")) {
                            r.read("status", value);
                            exited.status = value;
                          }
                          if (r.find("signal")) {
                            r.read("signal", value);
                            exited.signal = value;
                          }
                          if (!r.ok()) return r.status();
                          return MasterMessage{exited};
                        }
                        return bad("master message type '" + codec::printable(t) + "' is unknown");
                      });
}

std::string encode_spawn(std::uint32_t slot) {
  BodyWriter w;
  w.add("t", "spawn").add("slot", slot);
  return w.finish();
}

std::string encode_master_stop() {
  BodyWriter w;
  w.add("t", "stop");
  return w.finish();
}

std::string describe(const RubyError& error) {
  if (error.message.empty()) return error.error_class;
  return error.error_class + ": " + error.message;
}

std::string backtrace_text(const RubyError& error) {
  std::string out;
  for (const std::string& line : error.backtrace) out += line + "\n";
  return out;
}

}  // namespace desaster::ruby_pool
