// Job ids: 64 bits, time-ordered, unique across the cluster.
//
//   | 42 bits: ms since 2024-01-01 | 10 bits: node tag | 12 bits: sequence |
//
// The node tag comes from the node id, the sequence counts within one
// millisecond. When the sequence runs out, or the clock steps back, the
// generator borrows from the next millisecond, so ids never repeat or go
// backwards on one node. Ids print as 16 lower-case hex digits, which sort
// the same way as the numbers.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/model/job.hpp"

namespace desaster {

inline constexpr TimeMs kJobIdEpochMs = 1704067200000;  // 2024-01-01T00:00:00Z

class JobIdGenerator {
 public:
  explicit JobIdGenerator(std::uint32_t node_tag) : node_tag_(node_tag & 0x3ff) {}

  // Never returns an id at or below one already seen (see observe()).
  JobId next(TimeMs now);
  // Called for ids found in recovered state so a restarted node keeps going up.
  void observe(JobId id);

 private:
  std::uint32_t node_tag_;
  std::uint64_t last_ms_ = 0;
  std::uint32_t sequence_ = 0;
};

TimeMs job_id_time(JobId id);
std::string format_job_id(JobId id);
std::optional<JobId> parse_job_id(std::string_view text);

}  // namespace desaster
