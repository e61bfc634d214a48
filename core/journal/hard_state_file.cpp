#include "core/journal/hard_state_file.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "core/journal/file_util.hpp"
#include "core/journal/record_codec.hpp"

namespace desaster {

namespace {

constexpr char kMagic[8] = {'D', 'S', 'T', 'R', 'H', 'A', 'R', 'D'};
constexpr std::size_t kFixedBytes = 8 + 4 + 8 + 2;  // before the vote
constexpr std::size_t kCrcBytes = 4;

void put_le(std::string& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

std::uint64_t get_le(std::string_view in, std::size_t at, int bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < bytes; ++i)
    value |= std::uint64_t{static_cast<unsigned char>(in[at + static_cast<std::size_t>(i)])}
             << (8 * i);
  return value;
}

Status corrupt(const std::string& what) {
  return Status::error(ErrorCode::corrupt, std::string(kHardStateFileName) + ": " + what);
}

}  // namespace

std::string encode_hard_state_file(const HardState& state) {
  std::string bytes(kMagic, sizeof kMagic);
  put_le(bytes, kHardStateFormatVersion, 4);
  put_le(bytes, state.term, 8);
  put_le(bytes, state.vote.size(), 2);
  bytes += state.vote;
  put_le(bytes, crc32c(bytes.data() + sizeof kMagic, bytes.size() - sizeof kMagic), 4);
  return bytes;
}

Result<HardState> decode_hard_state_file(std::string_view bytes) {
  if (bytes.size() < kFixedBytes + kCrcBytes)
    return corrupt("file of " + std::to_string(bytes.size()) + " bytes is shorter than " +
                   std::to_string(kFixedBytes + kCrcBytes));
  if (bytes.substr(0, sizeof kMagic) != std::string_view(kMagic, sizeof kMagic))
    return corrupt("bad magic");
  const auto version = static_cast<std::uint32_t>(get_le(bytes, 8, 4));
  if (version != kHardStateFormatVersion)
    return corrupt("format version " + std::to_string(version) + ", this build reads " +
                   std::to_string(kHardStateFormatVersion));
  const std::size_t vote_size = get_le(bytes, 20, 2);
  if (vote_size > kMaxVoteBytes)
    return corrupt("vote of " + std::to_string(vote_size) + " bytes is over the limit of " +
                   std::to_string(kMaxVoteBytes));
  if (bytes.size() != kFixedBytes + vote_size + kCrcBytes)
    return corrupt("file of " + std::to_string(bytes.size()) + " bytes where " +
                   std::to_string(kFixedBytes + vote_size + kCrcBytes) + " were expected");
  const std::size_t crc_at = kFixedBytes + vote_size;
  const auto stored = static_cast<std::uint32_t>(get_le(bytes, crc_at, 4));
  if (crc32c(bytes.data() + sizeof kMagic, crc_at - sizeof kMagic) != stored)
    return corrupt("checksum mismatch");
  HardState state;
  state.term = get_le(bytes, 12, 8);
  state.vote = std::string(bytes.substr(kFixedBytes, vote_size));
  return state;
}

Status write_hard_state_file(const std::string& data_dir, const HardState& state) {
  if (state.vote.size() > kMaxVoteBytes)
    return Status::error(ErrorCode::bad_request, "vote of " + std::to_string(state.vote.size()) +
                                                     " bytes is over the limit");
  return journal_fs::write_file_atomically(data_dir, kHardStateFileName,
                                           encode_hard_state_file(state));
}

Result<std::optional<HardState>> read_hard_state_file(const std::string& data_dir) {
  const std::string path = data_dir + "/" + kHardStateFileName;
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return std::optional<HardState>{};
    return journal_fs::io_error("cannot read " + path, errno);
  }
  auto bytes = journal_fs::read_file(path);
  if (!bytes.ok()) return bytes.status();
  auto state = decode_hard_state_file(*bytes);
  if (!state.ok()) return state.status();
  return std::optional<HardState>{std::move(*state)};
}

}  // namespace desaster
