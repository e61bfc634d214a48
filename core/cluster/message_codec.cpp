#include "core/cluster/message_codec.hpp"

#include "core/cluster/node_id_wire.hpp"
#include "core/codec/unpack.hpp"

namespace desaster::raft {

namespace {

using codec::Path;
using wire::pack_members;
using wire::read_members;

// A 13th field, `transfer`, is written only when true: a vote of a
// leadership transfer. Every other message stays readable by a build that
// knows 12 fields (a rolling upgrade mixes them).
constexpr std::size_t kMessageFields = 12;
constexpr std::size_t kMessageFieldsWithTransfer = 13;

void pack_entry(msgpack::packer<msgpack::sbuffer>& pk, const LogEntry& e) {
  pk.pack_array(5);
  pk.pack_uint64(e.term);
  pk.pack_uint64(e.index);
  pk.pack_int64(e.timestamp);
  pk.pack_uint8(static_cast<std::uint8_t>(e.kind));
  codec::pack_bytes(pk, e.op);
}

LogEntry read_entry(const msgpack::object& o, const Path& p) {
  const msgpack::object_array& f = codec::read_array(o, p, 5);
  LogEntry e;
  e.term = codec::read_u64(f.ptr[0], p.field("term"));
  e.index = codec::read_u64(f.ptr[1], p.field("index"));
  e.timestamp = codec::read_i64(f.ptr[2], p.field("timestamp"));
  e.kind = static_cast<EntryKind>(codec::read_enum(f.ptr[3], p.field("kind"), kEntryKindCount));
  e.op = std::string(codec::read_bytes(f.ptr[4], p.field("op")));
  return e;
}

Snapshot read_snapshot(const msgpack::object& o, const Path& p) {
  const msgpack::object_array& f = codec::read_array(o, p, 5);
  Snapshot s;
  s.meta.index = codec::read_u64(f.ptr[0], p.field("index"));
  s.meta.term = codec::read_u64(f.ptr[1], p.field("term"));
  s.meta.conf.voters = read_members(f.ptr[2], p.field("voters"));
  s.meta.conf.learners = read_members(f.ptr[3], p.field("learners"));
  for (const NodeId& id : s.meta.conf.learners) {
    if (s.meta.conf.voters.count(id)) codec::fail(p.field("learners"), "a voter is also a learner");
  }
  s.data = std::string(codec::read_bytes(f.ptr[4], p.field("data")));
  return s;
}

}  // namespace

const char* to_string(MessageType type) {
  switch (type) {
    case MessageType::append:
      return "append";
    case MessageType::append_response:
      return "append_response";
    case MessageType::vote:
      return "vote";
    case MessageType::vote_response:
      return "vote_response";
    case MessageType::pre_vote:
      return "pre_vote";
    case MessageType::pre_vote_response:
      return "pre_vote_response";
    case MessageType::heartbeat:
      return "heartbeat";
    case MessageType::heartbeat_response:
      return "heartbeat_response";
    case MessageType::snapshot:
      return "snapshot";
    case MessageType::timeout_now:
      return "timeout_now";
  }
  return "unknown";
}

std::string encode_message(const Message& m) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(m.transfer ? kMessageFieldsWithTransfer : kMessageFields);
  pk.pack_uint64(kRaftMessageVersion);
  pk.pack_uint8(static_cast<std::uint8_t>(m.type));
  wire::pack_node_id(pk, m.from);
  wire::pack_node_id(pk, m.to);
  pk.pack_uint64(m.term);
  pk.pack_uint64(m.log_term);
  pk.pack_uint64(m.index);
  pk.pack_uint64(m.commit);
  if (m.reject) {
    pk.pack_true();
  } else {
    pk.pack_false();
  }
  pk.pack_uint64(m.reject_hint);
  pk.pack_array(static_cast<std::uint32_t>(m.entries.size()));
  for (const LogEntry& e : m.entries) pack_entry(pk, e);
  if (m.snapshot) {
    pk.pack_array(5);
    pk.pack_uint64(m.snapshot->meta.index);
    pk.pack_uint64(m.snapshot->meta.term);
    pack_members(pk, m.snapshot->meta.conf.voters);
    pack_members(pk, m.snapshot->meta.conf.learners);
    codec::pack_bytes(pk, m.snapshot->data);
  } else {
    pk.pack_nil();
  }
  if (m.transfer) pk.pack_true();
  return std::string(buffer.data(), buffer.size());
}

Result<Message> decode_message(std::string_view bytes) {
  Result<msgpack::object_handle> handle = codec::unpack_bounded(bytes, "raft message");
  if (!handle.ok()) return handle.status();
  try {
    const Path root{nullptr, "raft message"};
    const msgpack::object_array& f = codec::read_array(handle->get(), root);
    if (f.size != kMessageFields && f.size != kMessageFieldsWithTransfer)
      codec::fail(root, "expected 12 or 13 fields, got " + std::to_string(f.size));
    const std::uint64_t version = codec::read_u64(f.ptr[0], root.field("version"));
    if (version != kRaftMessageVersion)
      codec::fail(root.field("version"), "unsupported version " + std::to_string(version) +
                                             " (this build speaks " +
                                             std::to_string(kRaftMessageVersion) + ")");
    Message m;
    m.type =
        static_cast<MessageType>(codec::read_enum(f.ptr[1], root.field("type"), kMessageTypeCount));
    m.from = wire::read_node_id(f.ptr[2], root.field("from"));
    m.to = wire::read_node_id(f.ptr[3], root.field("to"));
    m.term = codec::read_u64(f.ptr[4], root.field("term"));
    m.log_term = codec::read_u64(f.ptr[5], root.field("log_term"));
    m.index = codec::read_u64(f.ptr[6], root.field("index"));
    m.commit = codec::read_u64(f.ptr[7], root.field("commit"));
    m.reject = codec::read_bool(f.ptr[8], root.field("reject"));
    m.reject_hint = codec::read_u64(f.ptr[9], root.field("reject_hint"));
    const Path entries_path = root.field("entries");
    const msgpack::object_array& entries = codec::read_array(f.ptr[10], entries_path);
    m.entries.reserve(entries.size);
    for (std::size_t i = 0; i < entries.size; ++i)
      m.entries.push_back(read_entry(entries.ptr[i], entries_path.at(i)));
    if (f.ptr[11].type != msgpack::type::NIL)
      m.snapshot = read_snapshot(f.ptr[11], root.field("snapshot"));
    if (f.size == kMessageFieldsWithTransfer) {
      // Written only when true, so one encoding per message (the fuzz
      // target checks that what decodes encodes back the same).
      if (!codec::read_bool(f.ptr[12], root.field("transfer")))
        codec::fail(root.field("transfer"), "is written only when true");
      if (m.type != MessageType::vote)
        codec::fail(root.field("transfer"), "only a vote can be a leadership transfer's");
      m.transfer = true;
    }
    return m;
  } catch (const codec::DecodeError& e) {
    return Status::error(ErrorCode::bad_request, e.message);
  }
}

}  // namespace desaster::raft
