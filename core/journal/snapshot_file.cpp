// Snapshot files (format in snapshot_file.hpp).
#include "core/journal/snapshot_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/journal/file_util.hpp"
#include "core/journal/record_codec.hpp"

namespace desaster {

namespace {

constexpr char kSnapshotMagic[8] = {'D', 'S', 'T', 'R', 'S', 'N', 'A', 'P'};
constexpr std::string_view kSuffix = ".snap";
constexpr std::string_view kTmpSuffix = ".snap.tmp";
// The CRC sits after the fields it covers.
constexpr std::size_t kCrcOffset = 36;

void put_le(char* out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out[i] = static_cast<char>((value >> (8 * i)) & 0xFF);
}

std::uint64_t get_le(const char* in, int bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < bytes; ++i)
    value |= std::uint64_t{static_cast<unsigned char>(in[i])} << (8 * i);
  return value;
}

std::uint32_t snapshot_crc(std::string_view header, std::string_view state) {
  const std::uint32_t crc = crc32c(header.data() + 8, kCrcOffset - 8);
  return crc32c(state.data(), state.size(), crc);
}

Status corrupt(std::string what) {
  return Status::error(ErrorCode::corrupt, std::move(what));
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

}  // namespace

std::string encode_snapshot_file(const Snapshot& snapshot) {
  std::string bytes(kSnapshotHeaderBytes, '\0');
  std::memcpy(bytes.data(), kSnapshotMagic, sizeof kSnapshotMagic);
  put_le(bytes.data() + 8, kSnapshotFormatVersion, 4);
  put_le(bytes.data() + 12, snapshot.index, 8);
  put_le(bytes.data() + 20, snapshot.term, 8);
  put_le(bytes.data() + 28, snapshot.state.size(), 8);
  put_le(bytes.data() + kCrcOffset, snapshot_crc(bytes, snapshot.state), 4);
  bytes += snapshot.state;
  return bytes;
}

Result<Snapshot> decode_snapshot_file(std::string_view bytes) {
  if (bytes.size() < kSnapshotHeaderBytes)
    return corrupt("snapshot header truncated: " + std::to_string(bytes.size()) + " of " +
                   std::to_string(kSnapshotHeaderBytes) + " bytes");
  if (std::memcmp(bytes.data(), kSnapshotMagic, sizeof kSnapshotMagic) != 0)
    return corrupt("not a snapshot (bad magic)");
  const auto version = static_cast<std::uint32_t>(get_le(bytes.data() + 8, 4));
  if (version != kSnapshotFormatVersion)
    return corrupt("unsupported snapshot format version " + std::to_string(version) +
                   " (this build reads " + std::to_string(kSnapshotFormatVersion) + ")");
  const std::uint64_t length = get_le(bytes.data() + 28, 8);
  const std::size_t present = bytes.size() - kSnapshotHeaderBytes;
  if (length != present)
    return corrupt("snapshot state length " + std::to_string(length) + " but " +
                   std::to_string(present) + " bytes present");
  const std::string_view state = bytes.substr(kSnapshotHeaderBytes);
  const auto stored = static_cast<std::uint32_t>(get_le(bytes.data() + kCrcOffset, 4));
  if (snapshot_crc(bytes, state) != stored) return corrupt("snapshot crc mismatch");
  Snapshot snapshot;
  snapshot.index = get_le(bytes.data() + 12, 8);
  snapshot.term = get_le(bytes.data() + 20, 8);
  snapshot.state.assign(state);
  return snapshot;
}

std::string snapshot_file_name(std::uint64_t index) {
  return journal_fs::index_name(index, kSuffix);
}

Status write_snapshot_file(const std::string& snapshots_dir, const Snapshot& snapshot) {
  return journal_fs::write_file_atomically(snapshots_dir, snapshot_file_name(snapshot.index),
                                           encode_snapshot_file(snapshot));
}

Result<std::optional<Snapshot>> load_newest_snapshot(const std::string& snapshots_dir,
                                                     std::vector<std::string>& notes) {
  auto names = journal_fs::list_dir(snapshots_dir);
  if (!names.ok()) return names.status();
  std::vector<std::uint64_t> indexes;
  for (const std::string& name : *names) {
    std::uint64_t index = 0;
    if (journal_fs::parse_index_name(name, kSuffix, index))
      indexes.push_back(index);
    else if (ends_with(name, kTmpSuffix))
      (void)journal_fs::remove_file(snapshots_dir + "/" + name);  // a write a crash cut short
  }
  std::sort(indexes.rbegin(), indexes.rend());
  for (std::uint64_t index : indexes) {
    const std::string note_name = "snapshots/" + snapshot_file_name(index);
    auto bytes = journal_fs::read_file(snapshots_dir + "/" + snapshot_file_name(index));
    if (!bytes.ok()) {
      notes.push_back(note_name + ": skipped: " + bytes.status().message);
      continue;
    }
    auto snapshot = decode_snapshot_file(*bytes);
    if (!snapshot.ok()) {
      notes.push_back(note_name + ": skipped: " + snapshot.status().message);
      continue;
    }
    if (snapshot->index != index) {
      notes.push_back(note_name + ": skipped: it holds index " + std::to_string(snapshot->index));
      continue;
    }
    return std::optional<Snapshot>(std::move(*snapshot));
  }
  return std::optional<Snapshot>();
}

Status remove_snapshots_before(const std::string& snapshots_dir, std::uint64_t index) {
  auto names = journal_fs::list_dir(snapshots_dir);
  if (!names.ok()) return names.status();
  for (const std::string& name : *names) {
    std::uint64_t found = 0;
    const bool old = journal_fs::parse_index_name(name, kSuffix, found) && found < index;
    if (old || ends_with(name, kTmpSuffix)) {
      Status removed = journal_fs::remove_file(snapshots_dir + "/" + name);
      if (!removed.ok()) return removed;
    }
  }
  return journal_fs::fsync_dir(snapshots_dir);
}

}  // namespace desaster
