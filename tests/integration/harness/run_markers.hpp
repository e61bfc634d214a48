// The lines a test's jobs appended to one file, counted by their first word
// (a marker such as "m17"): proof of which jobs ran, and how often.
#pragma once

#include <fstream>
#include <map>
#include <string>

namespace desaster::test {

class RunMarkers {
 public:
  explicit RunMarkers(const std::string& path) {
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) ++times_[line.substr(0, line.find(' '))];
  }

  int times(const std::string& marker) const {
    auto it = times_.find(marker);
    return it == times_.end() ? 0 : it->second;
  }
  // Markers that ran more than once.
  int twice() const {
    int n = 0;
    for (const auto& [marker, times] : times_) n += times > 1;
    return n;
  }
  // Of the acknowledged jobs (id -> number), those whose marker prefix +
  // number did not run exactly once.
  template <typename Acknowledged>
  int missing(const Acknowledged& acknowledged, const std::string& prefix) const {
    int n = 0;
    for (const auto& [id, number] : acknowledged) n += times(prefix + std::to_string(number)) != 1;
    return n;
  }

 private:
  std::map<std::string, int> times_;
};

}  // namespace desaster::test
