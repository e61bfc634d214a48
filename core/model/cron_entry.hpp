// A cron entry as the replicated state holds it: its schedule (as text, with
// its zone; core/cron parses it), its policies, the job it makes each time it
// fires, and what it has decided so far. Plain data, like Job.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/job.hpp"

namespace desaster {

// What the leader does with instants it sees only late (the cluster was down,
// a leader change spanned them): an instant is late once more than
// kCronLateMs have passed since it.
enum class CronMissed : std::uint8_t {
  skip,  // late instants are recorded as skipped
  once,  // of the late instants seen together, only the latest fires
  all,   // each late instant fires
};

// Whether a fire may start while the entry's previous job is not final
// (Kubernetes CronJob's concurrencyPolicy).
enum class CronOverlap : std::uint8_t {
  allow,    // it may
  forbid,   // the fire is recorded as skipped
  replace,  // the previous job is killed first
};

// How one instant was decided.
enum class CronRunKind : std::uint8_t {
  fired,            // made job
  skipped_missed,   // late under --missed skip or once, or past --starting-deadline
  skipped_overlap,  // --overlap forbid and the previous job still live
  manual,           // `cron run`: made job, instant = the op's time
};

inline constexpr TimeMs kCronLateMs = 1'000;
// The runs an entry remembers (newest last).
inline constexpr std::size_t kCronRunsKept = 10;

struct CronRun {
  TimeMs instant = 0;
  JobId job = 0;  // 0: none made
  CronRunKind kind = CronRunKind::fired;
};

struct CronEntry {
  std::string name;
  std::string schedule;
  std::string zone;  // empty: UTC
  CronMissed missed = CronMissed::once;
  std::uint64_t starting_deadline_ms = 0;  // 0: no limit
  CronOverlap overlap = CronOverlap::allow;
  bool paused = false;
  // What each fire enqueues: queue, kind, class, payload, priority, timeout,
  // retry, flow and pins are used; the rest is set per job.
  Job job;

  TimeMs created_at = 0;  // when the add op applied
  // Instants up to here are decided (fired or skipped); starts at the add,
  // moves to the op's time on resume.
  TimeMs last_instant = 0;
  std::vector<CronRun> runs;  // at most kCronRunsKept, oldest first
};

const char* to_string(CronMissed v);
const char* to_string(CronOverlap v);
const char* to_string(CronRunKind v);
bool cron_missed_from_string(std::string_view name, CronMissed& out);
bool cron_overlap_from_string(std::string_view name, CronOverlap& out);

// A cron entry name: 1 to 128 bytes of [A-Za-z0-9_.:-]. Returns an error
// message, empty when the name is valid.
std::string check_cron_name(std::string_view name);

// The unique key of the job an entry's fire makes: derived from the name and
// the instant, so one instant can never hold two live jobs. A `cron run`
// appends "/run". Clients cannot enqueue a key with this prefix (make_job
// refuses it), so a job's key is where its entry name and instant live.
inline constexpr std::string_view kCronKeyPrefix = "cron:";
std::string cron_unique_key(std::string_view name, TimeMs instant);

// Which entry fired a job and for which instant, read back from its unique
// key; none when the key is not a cron key.
struct CronOrigin {
  std::string name;
  TimeMs instant = 0;
  bool manual = false;  // `cron run`: the instant is when it was asked for
};
std::optional<CronOrigin> cron_origin(std::string_view unique_key);

}  // namespace desaster
