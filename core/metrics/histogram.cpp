#include "core/metrics/histogram.hpp"

#include <algorithm>
#include <charconv>
#include <string>

namespace desaster::metrics {

namespace {

// A bucket bound in plain decimals ("0.0001", not "1e-04"), as client
// libraries write le and as dashboards match it.
std::string format_bound(double bound) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, bound, std::chars_format::fixed);
  if (ec != std::errc{}) return format_value(bound);
  return std::string(buffer, end);
}

}  // namespace

Histogram::Histogram(std::span<const double> bounds)
    : bounds_(bounds.first(std::min(bounds.size(), kMaxBuckets))) {}

void Histogram::observe(double seconds) {
  if (!(seconds > 0)) seconds = 0;  // NaN too
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    if (seconds <= bounds_[i]) {
      ++buckets_[i];
      break;
    }
  }
  ++count_;
  sum_ += seconds;
}

void Histogram::write(Exposition& out, std::string_view name, const Labels& labels) const {
  const std::string bucket = std::string(name) + "_bucket";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    const bool last = i == bounds_.size();
    if (!last) cumulative += buckets_[i];
    const std::string le = last ? "+Inf" : format_bound(bounds_[i]);
    Labels with_le = labels;
    with_le.emplace_back("le", le);
    out.sample(bucket, with_le, last ? count_ : cumulative);
  }
  out.sample(std::string(name) + "_sum", labels, sum_);
  out.sample(std::string(name) + "_count", labels, count_);
}

}  // namespace desaster::metrics
