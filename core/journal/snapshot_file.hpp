// Snapshot files: snapshots/INDEX.snap, one per snapshot, INDEX being the
// 20-digit index of the last entry the state includes.
//
//   file   = header (40 bytes) | state bytes
//   header = "DSTRSNAP" | u32 version | u64 index | u64 term | u64 state length
//            | u32 CRC-32C   (all little-endian)
//
// The CRC covers the header from version through length, then the state, so
// a flipped index is caught as surely as a flipped state byte. A file is
// written to INDEX.snap.tmp, synced, renamed and the dir synced: a crash
// leaves either the old set of snapshots or the new one, plus maybe a .tmp
// that open() deletes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/journal/journal.hpp"
#include "core/model/status.hpp"

namespace desaster {

inline constexpr std::uint32_t kSnapshotFormatVersion = 1;
inline constexpr std::size_t kSnapshotHeaderBytes = 40;

std::string encode_snapshot_file(const Snapshot& snapshot);
// The parser: corrupt with what is wrong for anything but an intact file.
Result<Snapshot> decode_snapshot_file(std::string_view bytes);

std::string snapshot_file_name(std::uint64_t index);

// Writes snapshots_dir/INDEX.snap durably (tmp, fsync, rename, fsync dir).
Status write_snapshot_file(const std::string& snapshots_dir, const Snapshot& snapshot);

// The newest snapshot in snapshots_dir whose checksum passes; newer files that
// fail are skipped with one note each ("snapshots/X.snap: skipped: why").
// Deletes leftover .tmp files. Fails only when the dir cannot be listed.
Result<std::optional<Snapshot>> load_newest_snapshot(const std::string& snapshots_dir,
                                                     std::vector<std::string>& notes);

// Deletes every snapshot file older than index, and leftover .tmp files.
Status remove_snapshots_before(const std::string& snapshots_dir, std::uint64_t index);

}  // namespace desaster
