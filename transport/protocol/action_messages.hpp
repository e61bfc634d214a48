// The client protocol's job actions: one request, "action", for kill,
// relocate, re-role, retry, delete and reschedule, on a list of ids or on
// every job a query selects; its reply with per-job errors and counts; and
// the "cancel" push with which a node tells a worker to stop a job.
//
//   "action" {action: kill|relocate|rerole|retry|delete|reschedule,
//             ids: [id] | all: true, query?: {queue?, state?},
//             queue?, node?, class?, priority?, flow?, run_at?, in_ms?}
//     -> {selected, done, already_final, not_found, refused,
//         errors: [{id, code, message}], errors_left_out}
//   push "cancel" {id, term, attempt}            node -> the worker holding that lease
//
// A selection is either ids or all (with an optional query; without one,
// every job): never both, never neither, so an empty request cannot act on
// everything by mistake. Fields that the action does not use are refused.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/job.hpp"
#include "core/model/status.hpp"

namespace desaster::protocol {

class BodyWriter;
class MapReader;

enum class JobActionKind : std::uint8_t { kill, relocate, rerole, retry, remove, reschedule };

// "kill", "relocate", "rerole", "retry", "delete", "reschedule".
const char* to_string(JobActionKind action);
bool job_action_from_string(std::string_view name, JobActionKind& out);

struct JobAction {
  JobActionKind action = JobActionKind::kill;
  std::vector<JobId> ids;
  bool all = false;  // every job the query selects
  // The query (with all): jobs of this queue (empty: any) in this state (none: any).
  std::string query_queue;
  std::optional<JobState> query_state;
  std::optional<std::string> queue;      // relocate, rerole: the new queue
  std::optional<std::string> node;       // relocate: pin to this node ("" unpins)
  std::optional<std::string> job_class;  // rerole
  std::optional<std::int32_t> priority;  // rerole
  std::optional<std::string> flow;       // rerole
  TimeMs run_at = 0;                     // reschedule: absolute ms since epoch, or
  std::int64_t in_ms = 0;                // relative to the node's clock
};

// The request body's writer and (strict) reader, used by request_codec.cpp.
void write(BodyWriter& w, const JobAction& b);
void read(MapReader& r, JobAction& b);

// How many errors one reply lists at most; the counts cover every job.
inline constexpr std::size_t kMaxActionErrors = 1000;

struct JobActionError {
  JobId id = 0;
  Status status;
};

struct JobActionReply {
  std::uint64_t selected = 0;          // jobs the ids or the query named
  std::uint64_t done = 0;              // changed as asked
  std::uint64_t already_final = 0;     // refused: succeeded, dead or killed already
  std::uint64_t not_found = 0;         // no such job (any more)
  std::uint64_t refused = 0;           // refused for another reason (see errors)
  std::vector<JobActionError> errors;  // the first kMaxActionErrors refusals
  std::uint64_t errors_left_out = 0;   // refusals beyond those
};

inline constexpr std::string_view kCancelPush = "cancel";

// Stop the job of this lease: a worker that runs it ends it and reports
// Outcome::killed; a worker that does not (any more) ignores the push.
struct CancelPush {
  JobId id = 0;
  std::uint64_t term = 0;
  std::uint32_t attempt = 0;
};

std::string encode_body(const JobActionReply& body);
std::string encode_body(const CancelPush& body);
Status decode_body(std::string_view bytes, JobActionReply& out);
Status decode_body(std::string_view bytes, CancelPush& out);

}  // namespace desaster::protocol
