// The Raft message codec, conf changes and node ids: round trips, and
// malformed input refused with an error that names the field.
#include <catch2/catch.hpp>
#include <msgpack.hpp>

#include "core/cluster/message_codec.hpp"
#include "core/cluster/node_id.hpp"
#include "core/cluster/raft_types.hpp"

namespace desaster::raft {
namespace {

Message full_message() {
  Message m;
  m.type = MessageType::append;
  m.from = NodeId{0x0123456789abcdefull, 0xfedcba9876543210ull};
  m.to = NodeId::from_u64(2);
  m.term = 7;
  m.log_term = 6;
  m.index = 41;
  m.commit = 40;
  m.reject = true;
  m.reject_hint = 39;
  m.entries = {LogEntry{7, 42, -5, std::string("op\0bytes", 8), EntryKind::op},
               LogEntry{7, 43, 1750000000000, "change", EntryKind::config_change}};
  Snapshot s;
  s.meta.index = 40;
  s.meta.term = 6;
  s.meta.conf.voters = {NodeId::from_u64(1), NodeId::from_u64(2)};
  s.meta.conf.learners = {NodeId::from_u64(3)};
  s.data = "state";
  m.snapshot = s;
  return m;
}

bool same(const Message& a, const Message& b) {
  auto entries_equal = [](const std::vector<LogEntry>& x, const std::vector<LogEntry>& y) {
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (x[i].term != y[i].term || x[i].index != y[i].index || x[i].timestamp != y[i].timestamp ||
          x[i].op != y[i].op || x[i].kind != y[i].kind)
        return false;
    }
    return true;
  };
  return a.type == b.type && a.from == b.from && a.to == b.to && a.term == b.term &&
         a.log_term == b.log_term && a.index == b.index && a.commit == b.commit &&
         a.reject == b.reject && a.reject_hint == b.reject_hint && a.transfer == b.transfer &&
         entries_equal(a.entries, b.entries) && a.snapshot.has_value() == b.snapshot.has_value() &&
         (!a.snapshot ||
          (a.snapshot->meta == b.snapshot->meta && a.snapshot->data == b.snapshot->data));
}

// The encoding of full_message() with field i replaced by a packed value.
template <typename T>
std::string with_field(std::size_t i, const T& value) {
  Result<msgpack::object_handle> original = [] {
    std::string bytes = encode_message(full_message());
    msgpack::object_handle h = msgpack::unpack(bytes.data(), bytes.size());
    return Result<msgpack::object_handle>(std::move(h));
  }();
  const msgpack::object& root = original->get();
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(root.via.array.size);
  for (std::size_t k = 0; k < root.via.array.size; ++k) {
    if (k == i) {
      pk.pack(value);
    } else {
      pk.pack(root.via.array.ptr[k]);
    }
  }
  return std::string(buffer.data(), buffer.size());
}

std::string error_of(const std::string& bytes) {
  Result<Message> m = decode_message(bytes);
  REQUIRE_FALSE(m.ok());
  CHECK(m.status().code == ErrorCode::bad_request);
  return m.status().message;
}

}  // namespace

TEST_CASE("every field of a raft message survives encoding", "[raft][codec]") {
  const Message m = full_message();
  Result<Message> back = decode_message(encode_message(m));
  REQUIRE(back.ok());
  CHECK(same(*back, m));
  Message plain;
  plain.type = MessageType::heartbeat_response;
  plain.from = NodeId::from_u64(1);
  plain.to = NodeId::from_u64(3);
  back = decode_message(encode_message(plain));
  REQUIRE(back.ok());
  CHECK(same(*back, plain));
}

TEST_CASE("a leadership transfer's vote and timeout_now survive encoding", "[raft][codec]") {
  Message vote;
  vote.type = MessageType::vote;
  vote.from = NodeId::from_u64(3);
  vote.to = NodeId::from_u64(1);
  vote.term = 9;
  vote.transfer = true;
  const std::string bytes = encode_message(vote);
  Result<Message> back = decode_message(bytes);
  REQUIRE(back.ok());
  CHECK(back->transfer);
  CHECK(same(*back, vote));
  vote.transfer = false;  // a plain vote keeps the 12 fields older builds read
  CHECK(encode_message(vote).size() + 1 == bytes.size());
  Message now;
  now.type = MessageType::timeout_now;
  now.from = NodeId::from_u64(1);
  now.to = NodeId::from_u64(3);
  now.term = 8;
  back = decode_message(encode_message(now));
  REQUIRE(back.ok());
  CHECK(back->type == MessageType::timeout_now);
  CHECK(same(*back, now));
}

TEST_CASE("a raft message's transfer field is checked", "[raft][codec]") {
  Message vote;
  vote.type = MessageType::vote;
  vote.from = NodeId::from_u64(3);
  vote.to = NodeId::from_u64(1);
  vote.transfer = true;
  const std::string bytes = encode_message(vote);
  // The last byte is the packed true (0xc3).
  REQUIRE(bytes.back() == '\xc3');
  const std::string head = bytes.substr(0, bytes.size() - 1);
  CHECK_THAT(error_of(head + '\xc2'),
             Catch::Contains("raft message.transfer: is written only when true"));
  CHECK_THAT(error_of(head + '\x01'), Catch::Contains("raft message.transfer: must be a boolean"));
  Message append = vote;
  append.type = MessageType::append;
  CHECK_THAT(error_of(encode_message(append)),
             Catch::Contains("raft message.transfer: only a vote can be a leadership transfer's"));
  // 14 fields: one too many.
  std::string longer = bytes + '\xc3';
  longer[0] = static_cast<char>(0x9e);
  CHECK_THAT(error_of(longer), Catch::Contains("raft message: expected 12 or 13 fields, got 14"));
  std::string shorter = encode_message(Message{});
  shorter[0] = static_cast<char>(0x9b);  // 11 fields, the last one dropped
  shorter.pop_back();
  CHECK_THAT(error_of(shorter), Catch::Contains("expected 12 or 13 fields, got 11"));
}

TEST_CASE("a raft message that is not msgpack or not an array is refused", "[raft][codec]") {
  CHECK_THAT(error_of(""), Catch::Contains("raft message is empty"));
  CHECK_THAT(error_of("\xc1"), Catch::Contains("is not valid msgpack"));
  CHECK_THAT(error_of(encode_message(full_message()) + "x"), Catch::Contains("trailing bytes"));
  const std::string whole = encode_message(full_message());
  CHECK_THAT(error_of(whole.substr(0, whole.size() - 3)), Catch::Contains("truncated"));
  msgpack::sbuffer map;
  msgpack::pack(map, std::map<int, int>{{1, 2}});
  CHECK_THAT(error_of(std::string(map.data(), map.size())),
             Catch::Contains("raft message: must be an array, not a map"));
  CHECK_THAT(error_of(with_field(0, 2u).substr(0, 1) + "\x01"), Catch::Contains("raft message"));
}

TEST_CASE("a raft message's fields are checked by type and range, naming the field",
          "[raft][codec]") {
  CHECK_THAT(error_of(with_field(0, 9u)),
             Catch::Contains("raft message.version: unsupported version 9"));
  CHECK_THAT(error_of(with_field(1, 10u)),
             Catch::Contains("raft message.type: has unknown value 10"));
  CHECK_THAT(error_of(with_field(2, std::string("short"))),
             Catch::Contains("raft message.from: a node id is 16 bytes, got 5"));
  CHECK_THAT(error_of(with_field(4, -1)),
             Catch::Contains("raft message.term: must be an integer in [0, 18446744073709551615]"));
  CHECK_THAT(error_of(with_field(8, 1u)),
             Catch::Contains("raft message.reject: must be a boolean, not an integer"));
  CHECK_THAT(error_of(with_field(10, 3u)),
             Catch::Contains("raft message.entries: must be an array, not an integer"));
  std::vector<std::vector<int>> bad_entries{{1, 2, 3}};
  CHECK_THAT(error_of(with_field(10, bad_entries)),
             Catch::Contains("raft message.entries[0]: expected 5 fields, got 3"));
  std::vector<std::vector<int>> bad_kind{{1, 2, 3, 7, 0}};
  CHECK_THAT(error_of(with_field(10, bad_kind)),
             Catch::Contains("raft message.entries[0].kind: has unknown value 7"));
  CHECK_THAT(error_of(with_field(11, 5u)),
             Catch::Contains("raft message.snapshot: must be an array, not an integer"));
}

TEST_CASE("a snapshot in a raft message must list each member once", "[raft][codec]") {
  Message m = full_message();
  m.snapshot->meta.conf.learners.insert(NodeId::from_u64(1));  // also a voter
  CHECK_THAT(error_of(encode_message(m)),
             Catch::Contains("raft message.snapshot.learners: a voter is also a learner"));
}

TEST_CASE("a raft message claiming more elements than its bytes is refused before allocating",
          "[raft][codec]") {
  // fixarray of 12 whose entries field claims 2^32-1 elements.
  std::string bytes = encode_message(full_message());
  std::string forged("\x9c\x01\x00", 3);
  forged += std::string("\xdd\xff\xff\xff\xff", 5);
  CHECK_THAT(error_of(forged),
             Catch::Contains("raft message is truncated (an array of 12 elements in 8 bytes)"));
  std::string deep(40, '\x91');
  deep += '\x00';
  CHECK_THAT(error_of(deep), Catch::Contains("nests deeper than"));
}

TEST_CASE("a conf change round-trips and malformed ones name their field", "[raft][codec]") {
  const ConfChange change{ConfChangeType::promote, NodeId{1, 2}};
  Result<ConfChange> back = decode_conf_change(encode_conf_change(change));
  REQUIRE(back.ok());
  CHECK(*back == change);
  CHECK_FALSE(decode_conf_change("").ok());
  msgpack::sbuffer buffer;
  msgpack::pack(buffer, std::vector<int>{1, 9, 0});
  Result<ConfChange> bad = decode_conf_change(std::string(buffer.data(), buffer.size()));
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.status().message, Catch::Contains("conf change.type: has unknown value 9"));
}

TEST_CASE("node ids print as 32 hex digits and parse back, refusing anything else",
          "[raft][codec]") {
  const NodeId id{0x0123456789abcdefull, 0x00000000000000ffull};
  CHECK(id.hex() == "0123456789abcdef00000000000000ff");
  CHECK(NodeId::from_hex(id.hex()) == id);
  CHECK(NodeId::from_hex("0123456789ABCDEF00000000000000FF") == id);
  CHECK_FALSE(NodeId::from_hex("0123").has_value());
  CHECK_FALSE(NodeId::from_hex("g123456789abcdef00000000000000ff").has_value());
  CHECK(NodeId{0, 5} < NodeId{1, 0});
  CHECK(NodeId{}.empty());
}

}  // namespace desaster::raft
