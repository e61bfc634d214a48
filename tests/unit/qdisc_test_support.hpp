// Helpers for the queueing discipline tests: entries, configurations, and a
// fake-clock driver that dispatches the way the State will (plan, then
// on_dispatched and erase for each job taken).
#pragma once

#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/qdisc/qdisc.hpp"

namespace desaster::testing {

inline QdiscEntry qentry(JobId id, std::string flow = "f", std::int32_t priority = 0,
                         TimeMs ready_since = 0, std::uint64_t head_rank = 0,
                         std::string job_class = "Job") {
  return QdiscEntry{id, priority, std::move(flow), std::move(job_class), ready_since, head_rank};
}

inline QdiscConfig qconfig(QdiscKind kind) {
  QdiscConfig c;
  c.kind = kind;
  return c;
}

inline HtbClass htb_class(std::string name, std::string parent, double rate, double ceil = 0,
                          std::uint32_t burst = 1) {
  return HtbClass{std::move(name),
                  std::move(parent),
                  static_cast<std::uint64_t>(rate * 1000),
                  static_cast<std::uint64_t>(ceil * 1000),
                  burst,
                  burst};
}

// A tree: root (rate/ceil root_rate) with leaves a and b; jobs of flow "a" go
// to a, everything else to b.
inline QdiscConfig two_leaf_htb(double root_rate, double a_rate, double a_ceil, double b_rate,
                                double b_ceil) {
  QdiscConfig c = qconfig(QdiscKind::htb);
  c.classes = {htb_class("root", "", root_rate, root_rate), htb_class("a", "root", a_rate, a_ceil),
               htb_class("b", "root", b_rate, b_ceil)};
  c.rules = {HtbRule{"", "", "a", "a"}};
  c.default_class = "b";
  return c;
}

inline std::unique_ptr<Qdisc> make(const QdiscConfig& config, std::string_view queue = "q") {
  Result<std::unique_ptr<Qdisc>> q = make_qdisc(config, queue);
  REQUIRE(q.ok());
  return std::move(*q);
}

inline void insert_all(Qdisc& q, const std::vector<QdiscEntry>& entries) {
  for (const QdiscEntry& e : entries) REQUIRE(q.insert(e).ok());
}

// Dispatches one job at a time at `now` until `max` are gone or nothing is
// eligible; returns them in order.
inline std::vector<JobId> drain(Qdisc& q, TimeMs now, std::size_t max) {
  std::vector<JobId> out;
  while (out.size() < max) {
    std::vector<JobId> next = q.plan(now, 1);
    if (next.empty()) break;
    q.on_dispatched(next[0], now);
    REQUIRE(q.erase(next[0]));
    out.push_back(next[0]);
  }
  return out;
}

// Runs a fake clock from `from` to `until`, waking whenever the discipline
// says jobs become eligible, and dispatches everything eligible at each wake
// (unbounded workers); counts dispatches per flow.
inline std::map<std::string, int> run_clock(Qdisc& q, TimeMs from, TimeMs until) {
  std::map<std::string, int> per_flow;
  TimeMs now = from;
  while (now < until) {
    for (JobId id : q.plan(now, 100'000)) {
      ++per_flow[std::string(q.find(id)->flow)];
      q.on_dispatched(id, now);
      q.erase(id);
    }
    std::optional<TimeMs> next = q.next_eligible(now);
    if (!next) break;
    now = *next > now ? *next : now + 1;
  }
  return per_flow;
}

}  // namespace desaster::testing
