// A job as the scheduler state holds it: plain data, copied into ops, the
// journal, snapshots and replies. Everything a user can inspect about a job
// lives here; nothing here knows about sockets or files.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace desaster {

// Milliseconds since the Unix epoch. Time enters the core only as the
// timestamp the master puts on each op.
using TimeMs = std::int64_t;

// Time-ordered and cluster-unique; see job_id.hpp for the layout.
using JobId = std::uint64_t;

enum class JobKind : std::uint8_t {
  shell,  // a command run by a node's shell runner
  ruby,   // a Ruby class's perform(*args) in a Ruby pool
  http,   // an HTTP request (transient, never journaled)
  task,   // class + payload for an external worker (any language) serving its queue
};

enum class JobState : std::uint8_t {
  scheduled,  // waits for run_at
  queued,     // ready, waits for a worker
  running,    // leased to a worker
  succeeded,  // done; kept for the retention time, then purged
  failed,     // an attempt failed; waits for its retry at run_at
  dead,       // out of attempts: in the failed set until retried or deleted
  killed,     // stopped by an operator; never retried automatically
};

// How an attempt ended.
enum class Outcome : std::uint8_t {
  succeeded,
  failed,     // non-zero exit, exception: retried with backoff until out of attempts
  timed_out,  // the job's timeout or its lease ran out: a failed attempt
  killed,     // stopped by an operator: final, never retried
};

const char* to_string(JobKind kind);
const char* to_string(JobState state);
bool job_kind_from_string(std::string_view name, JobKind& out);
bool job_state_from_string(std::string_view name, JobState& out);
const char* to_string(Outcome outcome);
bool outcome_from_string(std::string_view name, Outcome& out);

// True for states a job leaves only by an operator's action or purge.
inline bool is_final(JobState s) {
  return s == JobState::succeeded || s == JobState::dead || s == JobState::killed;
}

// How one attempt ended, kept in the job's history for the failed set.
struct Attempt {
  std::uint32_t number = 0;
  TimeMs started_at = 0;
  TimeMs finished_at = 0;
  std::string node;
  std::string worker;
  std::int32_t exit_status = 0;
  std::string error;  // empty on success
  std::uint64_t cpu_ms = 0;
  std::uint64_t max_rss_kb = 0;
};

// Overrides of the retry policy; 0 means "use the queue's, then the default".
struct RetryOverrides {
  std::uint32_t max_attempts = 0;
  std::uint32_t backoff_base_ms = 0;
  std::uint32_t backoff_max_ms = 0;
};

struct Job {
  JobId id = 0;
  std::string queue;
  JobKind kind = JobKind::shell;
  std::string job_class;         // Ruby class name, or "shell"
  std::string payload;           // msgpack bytes: shell command spec, Ruby args, ...
  std::string unique_key;        // empty: not unique
  std::int32_t priority = 0;     // higher runs first
  TimeMs run_at = 0;             // 0: as soon as possible
  std::uint32_t timeout_ms = 0;  // 0: no timeout
  RetryOverrides retry;

  JobState state = JobState::queued;
  std::uint32_t attempts = 0;        // attempts started so far
  std::uint32_t duplicate_runs = 0;  // reports for a lease that was no longer current
  TimeMs created_at = 0;
  TimeMs started_at = 0;   // of the current or last attempt
  TimeMs finished_at = 0;  // when it reached succeeded, dead or killed

  // The current or last attempt's lease.
  std::uint64_t lease_term = 0;
  std::string node;
  std::string worker;
  TimeMs lease_expires_at = 0;  // 0: no expiry (no timeout)

  std::int32_t exit_status = 0;
  std::string output_tail;
  std::string last_error;
  std::vector<Attempt> history;

  // Fairness key for the sfq and htb disciplines (a customer id, say);
  // empty: the job's class.
  std::string flow;
  // A pinned job is leased only to this node and/or this pool; empty: any.
  std::string pin_node;
  std::string pin_pool;
  // When the job last became queued (enqueue, promotion, retry); a release
  // back to the head keeps it. Priority aging in core/qdisc counts from it.
  TimeMs ready_since = 0;
};

}  // namespace desaster
