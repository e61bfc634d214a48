#include "core/model/job_query.hpp"

#include <array>

namespace desaster {

namespace {
constexpr std::array<std::string_view, 10> kSortNames{
    "id",       "queue",      "class",      "state",       "priority",
    "attempts", "created_at", "started_at", "finished_at", "run_at"};
constexpr std::array<std::string_view, 3> kGroupNames{"queue", "class", "error"};

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

const char* to_string(SortColumn column) {
  return kSortNames.at(static_cast<std::size_t>(column)).data();
}
bool sort_column_from_string(std::string_view name, SortColumn& out) {
  return lookup(kSortNames, name, out);
}
const char* to_string(GroupBy by) {
  return kGroupNames.at(static_cast<std::size_t>(by)).data();
}
bool group_by_from_string(std::string_view name, GroupBy& out) {
  return lookup(kGroupNames, name, out);
}

}  // namespace desaster
