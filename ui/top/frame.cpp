// Plain text of a frame (frame.hpp).
#include "ui/top/frame.hpp"

namespace desaster::top {

std::string Line::text() const {
  std::string out;
  for (const Segment& s : segments) out += s.text;
  return out;
}

std::vector<std::size_t> changed_lines(const Frame& prev, const Frame& next) {
  const bool same_size = prev.size() == next.size() &&
                         (prev.empty() || prev.front().text().size() == next.front().text().size());
  std::vector<std::size_t> out;
  for (std::size_t y = 0; y < next.size(); ++y) {
    if (!same_size || !(prev[y] == next[y])) out.push_back(y);
  }
  return out;
}

std::string plain_text(const Frame& frame) {
  std::string out;
  for (const Line& line : frame) {
    std::string t = line.text();
    while (!t.empty() && t.back() == ' ') t.pop_back();
    out += t;
    out += '\n';
  }
  return out;
}

}  // namespace desaster::top
