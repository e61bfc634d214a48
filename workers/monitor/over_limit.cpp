#include "workers/monitor/over_limit.hpp"

namespace desaster::monitor {

namespace {

// Memory first: a process over both is stopped for its memory, the scarcer
// resource for the other jobs on its node.
bool over_a_limit(const Limits& limits, double cpu_percent, std::uint64_t rss_kb,
                  LimitCheck& check) {
  if (limits.memory_mb != 0 && rss_kb > std::uint64_t{limits.memory_mb} * 1024) {
    check.kind = LimitKind::memory;
    check.over =
        std::to_string(rss_kb / 1024) + " MiB, limit " + std::to_string(limits.memory_mb) + " MiB";
    return true;
  }
  if (limits.cpu_percent != 0 && cpu_percent > limits.cpu_percent) {
    check.kind = LimitKind::cpu;
    check.over = std::to_string(static_cast<int>(cpu_percent)) + " % CPU, limit " +
                 std::to_string(limits.cpu_percent) + " %";
    return true;
  }
  return false;
}

}  // namespace

LimitCheck judge_sample(const Limits& limits, LimitMark& mark, double cpu_percent,
                        std::uint64_t rss_kb, TimeMs now) {
  LimitCheck check;
  if (!over_a_limit(limits, cpu_percent, rss_kb, check)) {
    check.verdict = mark.set ? LimitVerdict::under_again : LimitVerdict::within;
    return check;
  }
  if (!mark.set) {
    mark = LimitMark{true, now, check.kind};
    check.verdict = LimitVerdict::first_over;
    return check;
  }
  check.verdict = now - mark.since >= static_cast<TimeMs>(limits.grace_ms)
                      ? LimitVerdict::past_grace
                      : LimitVerdict::still_over;
  return check;
}

const char* limit_name(LimitKind kind) {
  return kind == LimitKind::memory ? "memory" : "CPU";
}

}  // namespace desaster::monitor
