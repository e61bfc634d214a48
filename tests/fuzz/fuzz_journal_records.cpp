// Fuzzes the journal record decoder: arbitrary bytes after a segment header
// must decode to a prefix of good records and an error, never a crash, and
// the good records must survive a round trip. The input is also framed as
// one payload with a correct length and CRC, since random bytes almost never
// pass the CRC and would leave the msgpack half untested.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/journal/record_codec.hpp"

namespace {

void put_le32(std::string& out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

void check_framed_payload(std::string_view payload) {
  std::string framed;
  put_le32(framed, static_cast<std::uint32_t>(payload.size()));
  put_le32(framed, desaster::crc32c(payload.data(), payload.size()));
  framed.append(payload);
  desaster::DecodedRecord record = desaster::decode_record(framed);
  if (record.error.empty() != (record.size == framed.size()) && !payload.empty()) std::abort();
  if (!record.error.empty()) return;
  std::string reencoded;
  desaster::encode_record(record.entry, reencoded);
  desaster::DecodedRecord again = desaster::decode_record(reencoded);
  if (!again.error.empty() || again.entry.op != record.entry.op ||
      again.entry.index != record.entry.index || again.entry.term != record.entry.term ||
      again.entry.timestamp != record.entry.timestamp)
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  check_framed_payload(bytes);
  desaster::DecodedRecords decoded = desaster::decode_records(bytes);
  if (decoded.valid_bytes > bytes.size()) std::abort();
  if (decoded.error.empty() != (decoded.valid_bytes == bytes.size())) std::abort();
  std::string reencoded;
  for (const desaster::LogEntry& entry : decoded.entries) {
    const std::size_t before = reencoded.size();
    desaster::encode_record(entry, reencoded);
    if (reencoded.size() - before != desaster::encoded_record_size(entry)) std::abort();
  }
  // msgpack allows wider encodings than ours, so only the entries, not the
  // bytes, must survive a round trip.
  desaster::DecodedRecords again = desaster::decode_records(reencoded);
  if (!again.error.empty() || again.entries.size() != decoded.entries.size()) std::abort();
  for (std::size_t i = 0; i < again.entries.size(); ++i) {
    const auto& a = again.entries[i];
    const auto& b = decoded.entries[i];
    if (a.term != b.term || a.index != b.index || a.timestamp != b.timestamp || a.op != b.op)
      std::abort();
  }
  (void)desaster::check_segment_header(bytes);
  return 0;
}
