// The journal's record format, shared by files on disk and tests.
//
//   segment file = header, record*
//   header       = "DSTRJRNL" (8 bytes) | u32 format version (LE) | u32 reserved (0)
//   record       = u32 payload length (LE) | u32 CRC-32C of payload (LE) | payload
//   payload      = msgpack [term, index, timestamp, op bytes (bin), kind?]
//
// kind (EntryKind) is written only for entries that are not ops, so records
// of ops keep the four-element form every earlier build wrote and reads.
//
// A record over kMaxRecordBytes, a CRC mismatch or a payload that does not
// decode ends the valid part of a segment: recovery truncates from there.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/log_entry.hpp"
#include "core/model/status.hpp"

namespace desaster {

inline constexpr std::uint32_t kJournalFormatVersion = 1;
inline constexpr std::size_t kSegmentHeaderBytes = 16;
inline constexpr std::size_t kRecordHeaderBytes = 8;
inline constexpr std::size_t kMaxRecordBytes = 64u << 20;

std::uint32_t crc32c(const void* data, std::size_t size, std::uint32_t seed = 0);

std::string encode_segment_header();
Status check_segment_header(std::string_view bytes);

// Appends one record to out.
void encode_record(const LogEntry& entry, std::string& out);
// The number of bytes encode_record() appends for entry, without encoding it.
std::size_t encoded_record_size(const LogEntry& entry);

// Decodes the one record at the front of bytes. On success size is the
// record's length including its header; otherwise error says what is wrong
// with it (without an offset: the caller knows where it looked). Empty bytes
// give size 0 and an empty error.
struct DecodedRecord {
  LogEntry entry;
  std::size_t size = 0;
  std::string error;
};
DecodedRecord decode_record(std::string_view bytes);

// Decodes records from the front of bytes (which starts after the header).
// Stops at the first record that is incomplete, over size, fails its CRC or
// does not decode; valid_bytes says how far the good records reach and
// error says why it stopped early and at which offset into bytes (empty when
// bytes ended cleanly).
struct DecodedRecords {
  std::vector<LogEntry> entries;
  std::size_t valid_bytes = 0;
  std::string error;
};
DecodedRecords decode_records(std::string_view bytes);

}  // namespace desaster
