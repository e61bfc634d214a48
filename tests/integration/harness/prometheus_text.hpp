// Reading Prometheus' text format in tests: the node's /metrics and
// desaster-web's.
#pragma once

#include <sstream>
#include <string>

namespace desaster::test {

// The value of the sample whose name and labels are exactly `series`, or -1.
inline double sample(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return -1;
}

}  // namespace desaster::test
