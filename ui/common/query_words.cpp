// Job state lists; see query_words.hpp.
#include "ui/common/query_words.hpp"

namespace desaster::ui {

Status parse_job_states(const std::string& name, std::string_view value,
                        std::vector<JobState>& out) {
  out.clear();
  std::size_t start = 0;
  while (start <= value.size()) {
    std::size_t comma = value.find(',', start);
    if (comma == std::string_view::npos) comma = value.size();
    const std::string_view word = value.substr(start, comma - start);
    JobState state{};
    if (!job_state_from_string(word, state)) {
      return bad_request(name + ": '" + std::string(word.substr(0, 64)) + "' is not one of " +
                         kJobStateNames);
    }
    bool seen = false;
    for (JobState s : out) seen = seen || s == state;
    if (!seen) out.push_back(state);
    start = comma + 1;
  }
  return {};
}

}  // namespace desaster::ui
