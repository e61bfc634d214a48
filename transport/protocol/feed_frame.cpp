// The feed frame codec (feed_frame.hpp): positional msgpack, read strictly.
#include "transport/protocol/feed_frame.hpp"

#include <msgpack.hpp>

#include "transport/protocol/map_reader.hpp"

namespace desaster::protocol {

namespace {

constexpr std::uint32_t kFields = 6;
constexpr const char* kFieldNames[kFields] = {"version",   "index", "term",
                                              "timestamp", "kind",  "op"};

Status bad(std::size_t field, std::string_view problem) {
  return Status::error(
      ErrorCode::bad_request,
      std::string("feed frame field '") + kFieldNames[field] + "' " + std::string(problem));
}

}  // namespace

std::string encode_feed_frame(const LogEntry& entry) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(kFields);
  pk.pack(kFeedFrameVersion);
  pk.pack(entry.index);
  pk.pack(entry.term);
  pk.pack(entry.timestamp);
  pk.pack(static_cast<std::uint32_t>(entry.kind));
  pk.pack_bin(static_cast<std::uint32_t>(entry.op.size()));
  pk.pack_bin_body(entry.op.data(), static_cast<std::uint32_t>(entry.op.size()));
  return std::string(buffer.data(), buffer.size());
}

Result<LogEntry> decode_feed_frame(std::string_view frame) {
  Result<msgpack::object_handle> unpacked = codec::unpack_bounded(frame, "feed frame");
  if (!unpacked.ok()) return unpacked.status();
  const msgpack::object& obj = unpacked->get();
  if (obj.type != msgpack::type::ARRAY) {
    return Status::error(ErrorCode::bad_request, "feed frame must be an array");
  }
  const msgpack::object_array& a = obj.via.array;
  if (a.size < 1) return Status::error(ErrorCode::bad_request, "feed frame is an empty array");
  std::uint32_t version = 0;
  if (std::string p = codec::convert::as_integer(a.ptr[0], version); !p.empty()) return bad(0, p);
  if (version != kFeedFrameVersion) {
    return bad(0, "is " + std::to_string(version) + ", this build reads version " +
                      std::to_string(kFeedFrameVersion));
  }
  if (a.size != kFields) {
    return Status::error(ErrorCode::bad_request, "feed frame has " + std::to_string(a.size) +
                                                     " fields, version 1 has " +
                                                     std::to_string(kFields));
  }
  LogEntry entry;
  if (std::string p = codec::convert::as_integer(a.ptr[1], entry.index); !p.empty())
    return bad(1, p);
  if (entry.index == 0) return bad(1, "must be at least 1");
  if (std::string p = codec::convert::as_integer(a.ptr[2], entry.term); !p.empty())
    return bad(2, p);
  if (std::string p = codec::convert::as_integer(a.ptr[3], entry.timestamp); !p.empty())
    return bad(3, p);
  std::uint32_t kind = 0;
  if (std::string p = codec::convert::as_integer(a.ptr[4], kind); !p.empty()) return bad(4, p);
  if (kind >= kEntryKindCount) return bad(4, "has unknown value " + std::to_string(kind));
  entry.kind = static_cast<EntryKind>(kind);
  if (a.ptr[5].type != msgpack::type::BIN) return bad(5, "must be binary");
  entry.op.assign(a.ptr[5].via.bin.ptr, a.ptr[5].via.bin.size);
  return entry;
}

}  // namespace desaster::protocol
