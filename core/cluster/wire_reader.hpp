// Strict msgpack reading for the cluster's codecs. core/cluster may not use
// core/state, so this is its own small version of core/state/codec_detail:
// a bounds pre-scan before msgpack-c allocates, and typed reads that name the
// place of a mismatch ("raft message.entries[2].term: expected an unsigned
// integer, got a string"). Reads throw WireError; the public decoders catch
// it and return a Status.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <msgpack.hpp>

#include "core/cluster/node_id.hpp"
#include "core/model/status.hpp"

namespace desaster::raft::wire {

struct WireError {
  std::string message;
};

// A value's place: a chain of stack frames, rendered only on failure.
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

// Exactly one msgpack object, complete, no trailing bytes, nested at most
// kMaxDepth deep, no container claiming more elements than bytes remain.
// Strings in the result point into `bytes`.
inline constexpr std::size_t kMaxDepth = 16;
Result<msgpack::object_handle> unpack_bounded(std::string_view bytes, std::string_view what);

std::uint64_t read_u64(const msgpack::object& o, const Path& p);
std::int64_t read_i64(const msgpack::object& o, const Path& p);
bool read_bool(const msgpack::object& o, const Path& p);
std::string_view read_bytes(const msgpack::object& o, const Path& p);  // str or bin
std::uint32_t read_enum(const msgpack::object& o, const Path& p, std::uint32_t count);
NodeId read_node_id(const msgpack::object& o, const Path& p);  // bin of 16 bytes
// An array of exactly `count` elements (count 0: any length).
const msgpack::object_array& read_array(const msgpack::object& o, const Path& p,
                                        std::size_t count = 0);

void pack_bytes(msgpack::packer<msgpack::sbuffer>& pk, std::string_view bytes);
void pack_node_id(msgpack::packer<msgpack::sbuffer>& pk, const NodeId& id);

}  // namespace desaster::raft::wire
