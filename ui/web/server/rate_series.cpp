#include "ui/web/server/rate_series.hpp"

namespace desaster::web {

namespace {

template <typename Buckets>
void bump(Buckets& buckets, std::int64_t slot, std::uint64_t processed, std::uint64_t failed) {
  auto& b = buckets[static_cast<std::size_t>(slot) % buckets.size()];
  if (b.slot != slot) b = {slot, 0, 0};
  b.processed += processed;
  b.failed += failed;
}

template <typename Buckets>
std::vector<RatePoint> series(const Buckets& buckets, TimeMs now, TimeMs first, TimeMs width) {
  std::vector<RatePoint> out;
  if (first == 0 || now < 0) return out;
  const std::int64_t last = now / width;
  std::int64_t start = last - static_cast<std::int64_t>(buckets.size()) + 1;
  if (start < first / width) start = first / width;
  for (std::int64_t slot = start; slot <= last; ++slot) {
    const auto& b = buckets[static_cast<std::size_t>(slot) % buckets.size()];
    RatePoint p{slot * width, 0, 0};
    if (b.slot == slot) {
      p.processed = b.processed;
      p.failed = b.failed;
    }
    out.push_back(p);
  }
  return out;
}

}  // namespace

void RateSeries::add(TimeMs at, std::uint64_t processed, std::uint64_t failed) {
  if (at <= 0 || (processed == 0 && failed == 0)) return;
  if (first_ == 0 || at < first_) first_ = at;
  bump(seconds_, at / 1000, processed, failed);
  bump(minutes_, at / 60'000, processed, failed);
}

std::vector<RatePoint> RateSeries::seconds(TimeMs now) const {
  return series(seconds_, now, first_, 1000);
}

std::vector<RatePoint> RateSeries::minutes(TimeMs now) const {
  return series(minutes_, now, first_, 60'000);
}

double RateSeries::processed_per_s(TimeMs now, int window_s) const {
  std::uint64_t sum = 0;
  const std::int64_t last = now / 1000 - 1;
  for (std::int64_t slot = last - window_s + 1; slot <= last; ++slot) {
    const auto& b = seconds_[static_cast<std::size_t>(slot) % kSeconds];
    if (slot >= 0 && b.slot == slot) sum += b.processed;
  }
  return static_cast<double>(sum) / window_s;
}

double RateSeries::failed_per_s(TimeMs now, int window_s) const {
  std::uint64_t sum = 0;
  const std::int64_t last = now / 1000 - 1;
  for (std::int64_t slot = last - window_s + 1; slot <= last; ++slot) {
    const auto& b = seconds_[static_cast<std::size_t>(slot) % kSeconds];
    if (slot >= 0 && b.slot == slot) sum += b.failed;
  }
  return static_cast<double>(sum) / window_s;
}

}  // namespace desaster::web
