#include "core/metrics/exposition.hpp"

#include <charconv>
#include <cmath>

#include "core/codec/text.hpp"

namespace desaster::metrics {

namespace {
// Longer label values are cut (a queue name is far shorter; this bounds a
// hostile one's cost on every scrape).
constexpr std::size_t kMaxLabelValueBytes = 1024;
}  // namespace

std::string escape_label_value(std::string_view value) {
  const std::string valid = codec::to_valid_utf8(value, kMaxLabelValueBytes);
  std::string out;
  out.reserve(valid.size());
  for (char c : valid) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string escape_help(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  if (ec != std::errc{}) return "NaN";
  return std::string(buffer, end);
}

void Exposition::family(std::string_view name, MetricType type, std::string_view help) {
  text_ += "# HELP ";
  text_ += name;
  text_ += ' ';
  text_ += escape_help(help);
  text_ += "\n# TYPE ";
  text_ += name;
  switch (type) {
    case MetricType::counter:
      text_ += " counter\n";
      break;
    case MetricType::gauge:
      text_ += " gauge\n";
      break;
    case MetricType::histogram:
      text_ += " histogram\n";
      break;
  }
}

void Exposition::write_labels(const Labels& labels) {
  if (labels.empty()) return;
  text_ += '{';
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) text_ += ',';
    first = false;
    text_ += name;
    text_ += "=\"";
    text_ += escape_label_value(value);
    text_ += '"';
  }
  text_ += '}';
}

void Exposition::sample(std::string_view name, const Labels& labels, double value) {
  text_ += name;
  write_labels(labels);
  text_ += ' ';
  text_ += format_value(value);
  text_ += '\n';
}

void Exposition::sample(std::string_view name, const Labels& labels, std::uint64_t value) {
  text_ += name;
  write_labels(labels);
  text_ += ' ';
  text_ += std::to_string(value);
  text_ += '\n';
}

}  // namespace desaster::metrics
