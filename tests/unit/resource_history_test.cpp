// The rolling history of node samples under a fake clock: 1 s points for
// ten minutes, 1 min means and maxima for a day, fixed memory.
#include <catch2/catch.hpp>

#include "workers/monitor/resource_history.hpp"

using namespace desaster;
using namespace desaster::monitor;

namespace {

constexpr TimeMs kStart = 1'750'000'020'000;  // on a minute boundary

NodeSample sample_at(TimeMs at, double cpu, std::uint64_t mem = 1000, double load = 1.0) {
  NodeSample s;
  s.at = at;
  s.cpu_percent = cpu;
  s.mem_used_kb = mem;
  s.mem_total_kb = 4000;
  s.load1 = load;
  return s;
}

}  // namespace

TEST_CASE("the ring keeps its newest items and overwrites the oldest", "[monitor][history]") {
  Ring<int> ring(3);
  for (int i = 1; i <= 5; ++i) ring.push(i);
  REQUIRE(ring.size() == 3);
  CHECK(ring[0] == 3);
  CHECK(ring[1] == 4);
  CHECK(ring[2] == 5);
}

TEST_CASE("one-second points cover the last ten minutes only", "[monitor][history]") {
  ResourceHistory h;
  for (int i = 0; i < 900; ++i) h.add(sample_at(kStart + i * 1000 + 250, i));
  std::vector<HistoryPoint> all = h.seconds(0);
  REQUIRE(all.size() == ResourceHistory::kSeconds);
  CHECK(all.front().at == kStart + 300 * 1000);  // whole seconds
  CHECK(all.back().at == kStart + 899 * 1000);
  CHECK(all.back().cpu_mean == 899);
  CHECK(all.back().cpu_max == 899);
  CHECK(h.seconds(kStart + 890 * 1000).size() == 10);
}

TEST_CASE("minutes roll up to mean and max when the next minute begins", "[monitor][history]") {
  ResourceHistory h;
  // Minute 0: cpu 10, 20, 30 (mean 20, max 30); memory 100..300.
  h.add(sample_at(kStart + 1000, 10, 100, 0.5));
  h.add(sample_at(kStart + 2000, 20, 200, 1.5));
  h.add(sample_at(kStart + 59'000, 30, 300, 1.0));
  std::vector<HistoryPoint> open = h.minutes(0);
  REQUIRE(open.size() == 1);  // the open minute, partial
  CHECK(open[0].samples == 3);
  h.add(sample_at(kStart + 61'000, 90, 900, 3.0));  // minute 1 begins
  std::vector<HistoryPoint> m = h.minutes(0);
  REQUIRE(m.size() == 2);
  CHECK(m[0].at == kStart);
  CHECK(m[0].samples == 3);
  CHECK(m[0].cpu_mean == Approx(20));
  CHECK(m[0].cpu_max == 30);
  CHECK(m[0].mem_used_mean_kb == 200);
  CHECK(m[0].mem_used_max_kb == 300);
  CHECK(m[0].load1_mean == Approx(1.0));
  CHECK(m[0].load1_max == Approx(1.5));
  CHECK(m[1].at == kStart + 60'000);
  CHECK(m[1].samples == 1);
  CHECK(m[1].cpu_max == 90);
}

TEST_CASE("a day of minutes stays within its fixed ring", "[monitor][history]") {
  ResourceHistory h;
  // 25 hours, one sample every 10 s.
  const int total = 25 * 360;
  for (int i = 0; i < total; ++i) h.add(sample_at(kStart + i * 10'000LL, i % 100));
  std::vector<HistoryPoint> m = h.minutes(0);
  // 1440 closed minutes in the ring plus the open one.
  REQUIRE(m.size() == ResourceHistory::kMinutes + 1);
  CHECK(m.back().at == kStart + (25 * 60 - 1) * 60'000LL);
  CHECK(m.front().at == m.back().at - 1440 * 60'000LL);
  CHECK(h.memory_points() == ResourceHistory::kSeconds + ResourceHistory::kMinutes);
  // since selects the minutes that reach past it.
  std::vector<HistoryPoint> last = h.minutes(m.back().at - 30 * 60'000 + 1);
  CHECK(last.size() == 31);
}

TEST_CASE("a sample from a clock that stepped back counts toward the open minute",
          "[monitor][history]") {
  ResourceHistory h;
  h.add(sample_at(kStart + 61'000, 50));
  h.add(sample_at(kStart + 1'000, 10));  // an earlier minute
  std::vector<HistoryPoint> m = h.minutes(0);
  REQUIRE(m.size() == 1);
  CHECK(m[0].at == kStart + 60'000);
  CHECK(m[0].samples == 2);
  CHECK(m[0].cpu_mean == Approx(30));
}
