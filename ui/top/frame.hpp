// A screen as text: lines of styled segments, exactly as wide and as many
// as the terminal. The view model (top_view.hpp) produces frames; the
// terminal layer (top_term.hpp) draws the lines that differ from the last
// frame, and --once prints one as plain text.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace desaster::top {

enum class Style : std::uint8_t {
  normal,
  header,         // the cluster lines at the top
  title,          // a pane's title
  title_focused,  // the focused pane's title
  columns,        // a pane's column names
  selected,       // the selected row of the focused pane
  warn,
  error,
  good,
  prompt,  // the filter prompt, a confirmation
};

struct Segment {
  std::string text;
  Style style = Style::normal;
  bool operator==(const Segment&) const = default;
};

struct Line {
  std::vector<Segment> segments;
  bool operator==(const Line&) const = default;
  std::string text() const;
};

using Frame = std::vector<Line>;

// The lines of next to draw when prev is on the screen: those that differ,
// or all of them when the size changed (prev empty: the first frame).
std::vector<std::size_t> changed_lines(const Frame& prev, const Frame& next);

// The frame's lines joined with newlines, trailing spaces removed.
std::string plain_text(const Frame& frame);

}  // namespace desaster::top
