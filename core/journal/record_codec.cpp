// Journal records: a length and CRC-32C frame around a four-element msgpack
// array (five for entries that are not ops). The decoder is the first thing
// recovery runs on bytes a crash may have torn, so it trusts nothing: the
// length is bounded before anything is read, the CRC is checked before
// msgpack sees the payload, and msgpack runs with limits so a forged header
// cannot make it allocate.
#include "core/journal/record_codec.hpp"

#include <cstdio>
#include <cstring>
#include <exception>

#include <msgpack.hpp>

namespace desaster {

namespace {

constexpr char kSegmentMagic[8] = {'D', 'S', 'T', 'R', 'J', 'R', 'N', 'L'};

void put_le32(char* out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((value >> (8 * i)) & 0xFF);
}

std::uint32_t get_le32(const char* in) {
  std::uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value |= std::uint32_t{static_cast<unsigned char>(in[i])} << (8 * i);
  return value;
}

// msgpack's packer wants a write(); append straight into the caller's string.
struct StringSink {
  std::string& out;
  void write(const char* data, std::size_t size) { out.append(data, size); }
};

std::size_t packed_uint_size(std::uint64_t value) {
  if (value < 128) return 1;
  if (value <= 0xFF) return 2;
  if (value <= 0xFFFF) return 3;
  if (value <= 0xFFFFFFFF) return 5;
  return 9;
}

std::size_t packed_int_size(std::int64_t value) {
  if (value >= 0) return packed_uint_size(static_cast<std::uint64_t>(value));
  if (value >= -32) return 1;
  if (value >= -128) return 2;
  if (value >= -32768) return 3;
  if (value >= -2147483648LL) return 5;
  return 9;
}

std::size_t packed_bin_header_size(std::size_t size) {
  if (size <= 0xFF) return 2;
  if (size <= 0xFFFF) return 3;
  return 5;
}

// Payloads are referenced, not copied, while they are checked: the op bytes
// are copied once into the LogEntry.
bool reference_everything(msgpack::type::object_type, std::size_t, void*) {
  return true;
}

std::string hex32(std::uint32_t value) {
  char text[11];
  std::snprintf(text, sizeof text, "0x%08x", value);
  return text;
}

// Fills entry from a decoded payload; returns what is wrong, or "".
std::string entry_from_object(const msgpack::object& object, LogEntry& entry) {
  const char* expected = "payload is not [term, index, timestamp, op, kind?]";
  if (object.type != msgpack::type::ARRAY) return expected;
  if (object.via.array.size != 4 && object.via.array.size != 5) return expected;
  const msgpack::object* fields = object.via.array.ptr;
  if (fields[0].type != msgpack::type::POSITIVE_INTEGER) return "term is not an unsigned integer";
  if (fields[1].type != msgpack::type::POSITIVE_INTEGER) return "index is not an unsigned integer";
  if (fields[2].type == msgpack::type::POSITIVE_INTEGER) {
    if (fields[2].via.u64 > static_cast<std::uint64_t>(INT64_MAX)) return "timestamp out of range";
    entry.timestamp = static_cast<TimeMs>(fields[2].via.u64);
  } else if (fields[2].type == msgpack::type::NEGATIVE_INTEGER) {
    entry.timestamp = fields[2].via.i64;
  } else {
    return "timestamp is not an integer";
  }
  if (fields[3].type != msgpack::type::BIN) return "op is not bin";
  entry.term = fields[0].via.u64;
  entry.index = fields[1].via.u64;
  entry.kind = EntryKind::op;
  if (object.via.array.size == 5) {
    if (fields[4].type != msgpack::type::POSITIVE_INTEGER || fields[4].via.u64 >= kEntryKindCount)
      return "kind is not a known entry kind";
    entry.kind = static_cast<EntryKind>(fields[4].via.u64);
  }
  entry.op.assign(fields[3].via.bin.ptr, fields[3].via.bin.size);
  return "";
}

}  // namespace

std::string encode_segment_header() {
  std::string header(kSegmentHeaderBytes, '\0');
  std::memcpy(header.data(), kSegmentMagic, sizeof kSegmentMagic);
  put_le32(header.data() + 8, kJournalFormatVersion);
  put_le32(header.data() + 12, 0);
  return header;
}

Status check_segment_header(std::string_view bytes) {
  if (bytes.size() < kSegmentHeaderBytes)
    return Status::error(ErrorCode::corrupt,
                         "segment header truncated: " + std::to_string(bytes.size()) + " of " +
                             std::to_string(kSegmentHeaderBytes) + " bytes");
  if (std::memcmp(bytes.data(), kSegmentMagic, sizeof kSegmentMagic) != 0)
    return Status::error(ErrorCode::corrupt, "not a journal segment (bad magic)");
  const std::uint32_t version = get_le32(bytes.data() + 8);
  if (version != kJournalFormatVersion)
    return Status::error(ErrorCode::corrupt, "unsupported journal format version " +
                                                 std::to_string(version) + " (this build reads " +
                                                 std::to_string(kJournalFormatVersion) + ")");
  return Status::success();
}

void encode_record(const LogEntry& entry, std::string& out) {
  const std::size_t start = out.size();
  out.append(kRecordHeaderBytes, '\0');
  StringSink sink{out};
  msgpack::packer<StringSink> packer(sink);
  const bool with_kind = entry.kind != EntryKind::op;
  packer.pack_array(with_kind ? 5 : 4);
  packer.pack_uint64(entry.term);
  packer.pack_uint64(entry.index);
  packer.pack_int64(entry.timestamp);
  packer.pack_bin(static_cast<std::uint32_t>(entry.op.size()));
  packer.pack_bin_body(entry.op.data(), static_cast<std::uint32_t>(entry.op.size()));
  if (with_kind) packer.pack_uint8(static_cast<std::uint8_t>(entry.kind));
  const std::size_t payload_size = out.size() - start - kRecordHeaderBytes;
  const char* payload = out.data() + start + kRecordHeaderBytes;
  put_le32(out.data() + start, static_cast<std::uint32_t>(payload_size));
  put_le32(out.data() + start + 4, crc32c(payload, payload_size));
}

std::size_t encoded_record_size(const LogEntry& entry) {
  return kRecordHeaderBytes + 1 + packed_uint_size(entry.term) + packed_uint_size(entry.index) +
         packed_int_size(entry.timestamp) + packed_bin_header_size(entry.op.size()) +
         entry.op.size() + (entry.kind != EntryKind::op ? 1 : 0);
}

DecodedRecord decode_record(std::string_view bytes) {
  DecodedRecord result;
  if (bytes.empty()) return result;
  if (bytes.size() < kRecordHeaderBytes) {
    result.error = "truncated record header: " + std::to_string(bytes.size()) + " of " +
                   std::to_string(kRecordHeaderBytes) + " bytes";
    return result;
  }
  const std::uint32_t length = get_le32(bytes.data());
  const std::uint32_t stored_crc = get_le32(bytes.data() + 4);
  if (length > kMaxRecordBytes) {
    result.error = "record length " + std::to_string(length) + " over the maximum " +
                   std::to_string(kMaxRecordBytes);
    return result;
  }
  const std::size_t available = bytes.size() - kRecordHeaderBytes;
  if (length > available) {
    result.error = "truncated record: length " + std::to_string(length) + " but only " +
                   std::to_string(available) + " bytes follow";
    return result;
  }
  const char* payload = bytes.data() + kRecordHeaderBytes;
  const std::uint32_t computed_crc = crc32c(payload, length);
  if (computed_crc != stored_crc) {
    result.error =
        "crc mismatch: stored " + hex32(stored_crc) + ", computed " + hex32(computed_crc);
    return result;
  }
  try {
    std::size_t used = 0;
    // One array of four or five scalars: anything bigger or deeper is not
    // ours, and the limits stop msgpack before it allocates for a forged count.
    const msgpack::unpack_limit limit(5, 0, kMaxRecordBytes, kMaxRecordBytes, 0, 1);
    msgpack::object_handle handle =
        msgpack::unpack(payload, length, used, reference_everything, nullptr, limit);
    if (used != length) {
      result.error = "trailing bytes in payload: " + std::to_string(length - used) + " of " +
                     std::to_string(length) + " bytes unused";
      return result;
    }
    std::string what = entry_from_object(handle.get(), result.entry);
    if (!what.empty()) {
      result.error = std::move(what);
      return result;
    }
  } catch (const std::exception& e) {
    result.error = std::string("payload does not decode: ") + e.what();
    return result;
  }
  result.size = kRecordHeaderBytes + length;
  return result;
}

DecodedRecords decode_records(std::string_view bytes) {
  DecodedRecords result;
  while (result.valid_bytes < bytes.size()) {
    DecodedRecord record = decode_record(bytes.substr(result.valid_bytes));
    if (!record.error.empty()) {
      result.error = "record at offset " + std::to_string(result.valid_bytes) + ": " + record.error;
      break;
    }
    result.valid_bytes += record.size;
    result.entries.push_back(std::move(record.entry));
  }
  return result;
}

}  // namespace desaster
