// Which queueing discipline a queue uses, with its parameters: plain data
// that travels in ops, snapshots and client requests (qdisc_config_codec.hpp)
// and that make_qdisc() turns into a Qdisc. validate() is the one place that
// says what a usable configuration is; the codec and the factory both call it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/status.hpp"

namespace desaster {

enum class QdiscKind : std::uint8_t {
  fifo,      // by arrival; a released job goes back to the head
  priority,  // higher priority first, FIFO within a priority, optional aging
  sfq,       // deficit round robin across flows, FIFO within a flow
  htb,       // a tree of rate-limited classes that borrow from their parents
};
inline constexpr std::uint32_t kQdiscKinds = 4;

const char* to_string(QdiscKind kind);
bool qdisc_kind_from_string(std::string_view name, QdiscKind& out);

// Rates are in thousandths of a job per second (10 jobs/s = 10'000), so a
// class may run slower than one job a second and all accounting stays in
// integers, identical on every replica.
struct HtbClass {
  std::string name;
  std::string parent;            // empty: a top-level class
  std::uint64_t rate_milli = 0;  // guaranteed rate
  std::uint64_t ceil_milli = 0;  // the most it may reach by borrowing; 0: the rate itself
  std::uint32_t burst = 1;       // jobs the rate bucket may save up
  std::uint32_t cburst = 1;      // jobs the ceiling bucket may save up

  bool operator==(const HtbClass&) const = default;
};

// Maps jobs to a leaf class. An empty field matches anything; a field ending
// in '*' matches by prefix ("mail:*"); otherwise the match is exact.
struct HtbRule {
  std::string queue;
  std::string job_class;
  std::string flow;
  std::string target;  // a leaf class

  bool operator==(const HtbRule&) const = default;
};

struct QdiscConfig {
  QdiscKind kind = QdiscKind::priority;
  // priority: one more effective priority per aging_ms waited; 0: no aging.
  std::uint32_t aging_ms = 0;
  // sfq: jobs a flow takes per turn.
  std::uint32_t quantum = 1;
  // htb: classes, parents before their children; rules, first match wins;
  // the leaf for jobs no rule matches.
  std::vector<HtbClass> classes;
  std::vector<HtbRule> rules;
  std::string default_class;

  bool operator==(const QdiscConfig&) const = default;
};

inline constexpr std::size_t kMaxHtbClasses = 256;
inline constexpr std::size_t kMaxHtbRules = 1024;
inline constexpr std::size_t kMaxQdiscName = 200;
inline constexpr std::uint64_t kMaxRateMilli = 1'000'000'000;  // a million jobs/s
inline constexpr std::uint32_t kMaxBurst = 1'000'000;
inline constexpr std::uint32_t kMaxAgingMs =
    0x7fffffff;  // ~24 days; keeps the aging arithmetic in range
inline constexpr std::uint32_t kMaxQuantum = 1'000'000;

// bad_request with a message naming the field ("classes[2].parent: no class
// 'x' before it"), or success.
Status validate(const QdiscConfig& config);

}  // namespace desaster
