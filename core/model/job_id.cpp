#include "core/model/job_id.hpp"

#include <algorithm>
#include <cstddef>

namespace desaster {

namespace {
constexpr int kSequenceBits = 12;
constexpr int kNodeBits = 10;
constexpr std::uint32_t kSequenceMax = (1u << kSequenceBits) - 1;
}  // namespace

JobId JobIdGenerator::next(TimeMs now) {
  std::uint64_t ms = now > kJobIdEpochMs ? static_cast<std::uint64_t>(now - kJobIdEpochMs) : 0;
  if (ms > last_ms_) {
    last_ms_ = ms;
    sequence_ = 0;
  } else if (sequence_ < kSequenceMax) {
    ++sequence_;
  } else {
    ++last_ms_;
    sequence_ = 0;
  }
  return (last_ms_ << (kNodeBits + kSequenceBits)) |
         (static_cast<std::uint64_t>(node_tag_) << kSequenceBits) | sequence_;
}

void JobIdGenerator::observe(JobId id) {
  std::uint64_t ms = id >> (kNodeBits + kSequenceBits);
  // Equal counts too: another node's id in our current millisecond may carry
  // a higher node tag or sequence than our next one would.
  if (ms >= last_ms_) {
    last_ms_ = ms;
    sequence_ = kSequenceMax;  // the next id moves on to the next millisecond
  }
}

TimeMs job_id_time(JobId id) {
  return static_cast<TimeMs>(id >> (kNodeBits + kSequenceBits)) + kJobIdEpochMs;
}

// As "%016llx", without snprintf: an id is formatted for every HTTP
// request's worker frame and every log line naming a job.
std::string format_job_id(JobId id) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (std::size_t i = 16; i-- > 0;) {
    out[i] = kHex[id & 0xf];
    id >>= 4;
  }
  return out;
}

std::optional<JobId> parse_job_id(std::string_view text) {
  if (text.empty() || text.size() > 16) return std::nullopt;
  JobId id = 0;
  for (char c : text) {
    int digit;
    if (c >= '0' && c <= '9')
      digit = c - '0';
    else if (c >= 'a' && c <= 'f')
      digit = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      digit = c - 'A' + 10;
    else
      return std::nullopt;
    id = (id << 4) | static_cast<JobId>(digit);
  }
  return id;
}

}  // namespace desaster
