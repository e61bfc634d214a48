#include "core/node/metrics/histogram.hpp"

#include <string>

namespace desaster::metrics {

void Histogram::observe(double seconds) {
  if (!(seconds > 0)) seconds = 0;  // NaN too
  for (std::size_t i = 0; i < kDurationBuckets.size(); ++i) {
    if (seconds <= kDurationBuckets[i]) {
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
  for (std::size_t i = 0; i <= kDurationBuckets.size(); ++i) {
    const bool last = i == kDurationBuckets.size();
    if (!last) cumulative += buckets_[i];
    const std::string le = last ? "+Inf" : format_value(kDurationBuckets[i]);
    Labels with_le = labels;
    with_le.emplace_back("le", le);
    out.sample(bucket, with_le, last ? count_ : cumulative);
  }
  out.sample(std::string(name) + "_sum", labels, sum_);
  out.sample(std::string(name) + "_count", labels, count_);
}

}  // namespace desaster::metrics
