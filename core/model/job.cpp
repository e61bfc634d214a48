#include "core/model/job.hpp"

#include <array>

namespace desaster {

namespace {
constexpr std::array<std::string_view, 4> kKindNames{"shell", "ruby", "http", "task"};
constexpr std::array<std::string_view, 7> kStateNames{"scheduled", "queued", "running", "succeeded",
                                                      "failed",    "dead",   "killed"};
constexpr std::array<std::string_view, 4> kOutcomeNames{"succeeded", "failed", "timed_out",
                                                        "killed"};

template <typename Enum, std::size_t N>
bool lookup(const std::array<std::string_view, N>& names, std::string_view name, Enum& out) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == name) {
      out = static_cast<Enum>(i);
      return true;
    }
  }
  return false;
}
}  // namespace

const char* to_string(JobKind kind) {
  return kKindNames.at(static_cast<std::size_t>(kind)).data();
}
const char* to_string(JobState state) {
  return kStateNames.at(static_cast<std::size_t>(state)).data();
}
bool job_kind_from_string(std::string_view name, JobKind& out) {
  return lookup(kKindNames, name, out);
}
bool job_state_from_string(std::string_view name, JobState& out) {
  return lookup(kStateNames, name, out);
}

const char* to_string(Outcome outcome) {
  return kOutcomeNames.at(static_cast<std::size_t>(outcome)).data();
}
bool outcome_from_string(std::string_view name, Outcome& out) {
  return lookup(kOutcomeNames, name, out);
}

}  // namespace desaster
