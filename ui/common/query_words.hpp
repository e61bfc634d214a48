// The words of a job query that desasterctl's flags and desaster-web's query
// strings share: job states, sort columns, whole-text integers. One place, so
// the two front ends accept and refuse the same input with the same words.
#pragma once

#include <charconv>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/job.hpp"
#include "core/model/status.hpp"

namespace desaster::ui {

inline constexpr const char* kJobStateNames =
    "scheduled, queued, running, succeeded, failed, dead, killed";
inline constexpr const char* kSortColumnNames =
    "id, queue, class, state, priority, attempts, created_at, started_at, finished_at, run_at";

inline Status bad_request(const std::string& message) {
  return Status::error(ErrorCode::bad_request, message);
}

// All of text as a number of type Int (no sign for unsigned, no blanks, no
// trailing characters, in range).
template <typename Int>
bool parse_int(std::string_view text, Int& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc{} && end == text.data() + text.size();
}

// "failed,dead" into out, each state once, in the order given. An unknown word
// is refused as "<name>: 'word' is not one of <kJobStateNames>" (the word cut
// at 64 bytes).
Status parse_job_states(const std::string& name, std::string_view value,
                        std::vector<JobState>& out);

}  // namespace desaster::ui
