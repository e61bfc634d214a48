// Internal to core/state: the reading side shared by the op codec and the
// snapshot codec. Decoders never trust their input, so every read checks the
// type and range of the value and names the place of a mismatch
// ("enqueue.jobs[3].queue: expected a string, got an integer").
//
// Readers throw DecodeError; the public decoders (decode_op, unpack_job,
// State::decode_snapshot) catch it and turn it into a Status, so nothing
// escapes them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <msgpack.hpp>

#include "core/model/cron_entry.hpp"
#include "core/model/job.hpp"
#include "core/model/pool_spec.hpp"
#include "core/model/queue.hpp"
#include "core/model/status.hpp"

namespace desaster::codec {

struct DecodeError {
  std::string message;
};

// Where a value sits in the document, as a chain of stack frames: rendering
// happens only when a read fails, so the happy path allocates nothing.
struct Path {
  static constexpr std::size_t kNoIndex = static_cast<std::size_t>(-1);

  const Path* parent = nullptr;
  std::string_view name;
  std::size_t index = kNoIndex;

  Path field(std::string_view n) const { return {this, n, kNoIndex}; }
  Path at(std::size_t i) const { return {this, {}, i}; }
  std::string str() const;
};

[[noreturn]] void fail(const Path& where, const std::string& what);

// Parses `bytes` as exactly one msgpack object. Before anything is
// allocated, checks that the input is complete, has no trailing bytes, nests
// at most kMaxDepth deep and that no array or map claims more elements than
// the input could hold; an error names `what` ("op", "snapshot").
// Strings in the result point into `bytes`, which must outlive the handle.
inline constexpr std::size_t kMaxDepth = 32;
Result<msgpack::object_handle> unpack_bounded(std::string_view bytes, std::string_view what);

// Typed reads of one value; each checks type and range.
std::uint64_t read_u64(const msgpack::object& o, const Path& p);
std::int64_t read_i64(const msgpack::object& o, const Path& p);
std::uint32_t read_u32(const msgpack::object& o, const Path& p);
std::int32_t read_i32(const msgpack::object& o, const Path& p);
bool read_bool(const msgpack::object& o, const Path& p);
// Accepts str and bin alike: payloads and output are bytes, not text.
std::string read_string(const msgpack::object& o, const Path& p);
std::string_view read_string_view(const msgpack::object& o, const Path& p);
// Any array; a value below `count` for an enum with `count` enumerators.
const msgpack::object_array& read_array(const msgpack::object& o, const Path& p);
std::uint32_t read_enum(const msgpack::object& o, const Path& p, std::uint32_t count);

// A struct stored as a fixed-length array: checks the length once, then
// reads fields by position, naming them in errors.
class Fields {
 public:
  Fields(const msgpack::object& o, const Path& path, std::size_t count);
  // For records that grew trailing fields: any length from min_count to
  // max_count; fields past size() are absent and keep their defaults.
  Fields(const msgpack::object& o, const Path& path, std::size_t min_count, std::size_t max_count);
  Fields(const Fields&) = delete;  // paths handed out point at path_
  Fields& operator=(const Fields&) = delete;

  const msgpack::object& operator[](std::size_t i) const { return array_.ptr[i]; }
  std::size_t size() const { return array_.size; }
  Path path(std::string_view name) const { return path_.field(name); }

  std::uint64_t u64(std::size_t i, std::string_view name) const;
  std::int64_t i64(std::size_t i, std::string_view name) const;
  std::uint32_t u32(std::size_t i, std::string_view name) const;
  std::int32_t i32(std::size_t i, std::string_view name) const;
  bool boolean(std::size_t i, std::string_view name) const;
  std::string string(std::size_t i, std::string_view name) const;
  template <typename Enum>
  Enum enumeration(std::size_t i, std::string_view name, std::uint32_t count) const {
    return static_cast<Enum>(read_enum(array_.ptr[i], path_.field(name), count));
  }

 private:
  const msgpack::object_array& array_;
  Path path_;  // by value: callers pass temporaries such as p.at(i)
};

// Storage forms shared by ops and snapshots (op_codec.cpp).
void read_job(const msgpack::object& o, const Path& p, Job& out);
void pack_queue_config(msgpack::packer<msgpack::sbuffer>& pk, const QueueConfig& config);
QueueConfig read_queue_config(const msgpack::object& o, const Path& p);
void pack_pool_spec(msgpack::packer<msgpack::sbuffer>& pk, const PoolSpec& spec);
PoolSpec read_pool_spec(const msgpack::object& o, const Path& p);
// A cron entry (cron_codec.cpp): [name, schedule, zone, missed,
// starting_deadline_ms, overlap, paused, job, created_at, last_instant,
// runs [[instant, job, kind]...]].
void pack_cron_entry(msgpack::packer<msgpack::sbuffer>& pk, const CronEntry& entry);
CronEntry read_cron_entry(const msgpack::object& o, const Path& p);

// Writing helpers.
void pack_string(msgpack::packer<msgpack::sbuffer>& pk, std::string_view s);
void pack_bytes(msgpack::packer<msgpack::sbuffer>& pk, std::string_view s);

}  // namespace desaster::codec
