// The Prometheus text exposition format (version 0.0.4), written out: one
// family at a time (# HELP, # TYPE, then its samples), so a family's samples
// are never split. Pure: no I/O.
//
// Label values come from the network (queue and pool names are whatever a
// client chose), so every value is escaped as the format says (backslash,
// double quote and line feed) and repaired to valid UTF-8: no name can end
// a line and forge a sample.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace desaster::metrics {

// One label: name (a fixed identifier of ours) and value (escaped on output).
using Label = std::pair<std::string_view, std::string_view>;
using Labels = std::vector<Label>;

// value with \ as \\, " as \" and a line feed as \n; invalid UTF-8 repaired.
std::string escape_label_value(std::string_view value);
// HELP text: \ as \\ and a line feed as \n.
std::string escape_help(std::string_view text);
// A sample value: integers as such, +Inf, -Inf, NaN, else the shortest
// decimal that reads back the same.
std::string format_value(double value);

enum class MetricType { counter, gauge, histogram };

class Exposition {
 public:
  // Opens a family: its # HELP and # TYPE lines.
  void family(std::string_view name, MetricType type, std::string_view help);
  // One sample line: name{labels} value. name is the family's, or with a
  // histogram's _bucket, _sum or _count suffix.
  void sample(std::string_view name, const Labels& labels, double value);
  void sample(std::string_view name, const Labels& labels, std::uint64_t value);

  const std::string& text() const { return text_; }
  std::string take() { return std::move(text_); }

 private:
  void write_labels(const Labels& labels);
  std::string text_;
};

}  // namespace desaster::metrics
