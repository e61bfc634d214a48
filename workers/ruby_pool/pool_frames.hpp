// The messages between the node and a Ruby pool (workers/ruby/PROTOCOL.md):
// the worker channel's frames (4-byte big-endian length + one msgpack map)
// and the control channel's messages (one msgpack map per SEQPACKET
// message). Decoders are strict about what they read: a missing or mistyped
// field is an error that names it ("worker message field 'error.class' must
// be a string"); fields they do not know are skipped, so the Ruby side may
// add some.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/model/job.hpp"
#include "core/model/status.hpp"

namespace desaster::ruby_pool {

inline constexpr std::size_t kMaxFrameBytes = 16u << 20;

// Cuts a byte stream into frames. After an error the stream is unusable:
// the reader of the channel closes it.
class FrameReader {
 public:
  // Takes more bytes; fails when a frame announces more than kMaxFrameBytes.
  Status feed(std::string_view bytes);
  // The payload of the next complete frame, if one is buffered.
  std::optional<std::string> next();
  std::size_t buffered() const { return buffer_.size() - offset_; }

 private:
  std::string buffer_;
  std::size_t offset_ = 0;
  bool failed_ = false;
};

// The length prefix and the payload.
std::string frame(std::string_view payload);

// An exception as the Ruby side describes it.
struct RubyError {
  std::string error_class;
  std::string message;
  std::vector<std::string> backtrace;
};

// A Rack reply as a worker sent it (the http_front module checks it).
struct RackReply {
  std::int32_t status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // in the worker's order
  // Set instead when "headers" held a name or value that is not a string.
  std::string headers_problem;
  std::string body;
};

// worker -> node
struct WorkerReady {
  std::int64_t pid = 0;
};
struct WorkerDone {
  JobId id = 0;
  bool ok = false;
  std::optional<RubyError> error;  // when !ok
  std::uint64_t rss_kb = 0;
  // A Rack reply (http jobs): present when the message has a status.
  std::optional<RackReply> rack;
};
using WorkerMessage = std::variant<WorkerReady, WorkerDone>;
Result<WorkerMessage> decode_worker_message(std::string_view payload);

// node -> worker. A ruby job's payload is the msgpack array of its
// arguments (empty: no arguments); an http job's is {"env": map, "body":
// bin}. A payload of the wrong shape is an error for the job, not the pool.
Result<std::string> encode_job_message(const Job& job);
// The http message of a request the node's own front end encoded
// (http_front::encode_rack_payload: the map {"env", "body"}): its entries
// are spliced in after "t" and "id" as they are, not unpacked and packed
// again as encode_job_message does for a job a client sent. Only the head
// is checked (a map of two entries).
Result<std::string> encode_local_http_message(JobId id, std::string_view rack_payload);
std::string encode_worker_stop();

// master -> node
struct MasterLoaded {
  std::int64_t pid = 0;
};
struct MasterLoadFailed {
  RubyError error;
};
struct MasterSpawned {
  std::uint32_t slot = 0;
  std::int64_t pid = 0;
};
struct MasterExited {
  std::int64_t pid = 0;
  std::optional<std::int32_t> status;  // exit status, or
  std::optional<std::int32_t> signal;  // the signal that ended it
};
using MasterMessage = std::variant<MasterLoaded, MasterLoadFailed, MasterSpawned, MasterExited>;
Result<MasterMessage> decode_master_message(std::string_view payload);

// node -> master
std::string encode_spawn(std::uint32_t slot);
std::string encode_master_stop();

// "Class: message" and the backtrace as lines, for a job's error and output.
std::string describe(const RubyError& error);
std::string backtrace_text(const RubyError& error);

}  // namespace desaster::ruby_pool
