// Jobs and queue summaries as clients see them: msgpack maps with named
// fields, so clients in any language can read them without the storage
// layout. Field names: id, queue, kind, class, payload, unique, priority,
// run_at, timeout_ms, max_attempts, backoff_base_ms, backoff_max_ms, state,
// attempts, duplicate_runs, created_at, started_at, finished_at, term, node,
// worker, lease_expires_at, exit_status, output, error, history (array of
// {attempt, started_at, finished_at, node, worker, exit_status, error,
// cpu_ms, max_rss_kb}), pin_node, pin_pool, flow, and for queued and
// scheduled jobs in replies to get, list and wait, eta: {start_ms, finish_ms}
// (absolute ms, computed by the node on read; absent when it cannot tell).
//
// The payload goes out as bin; output and error as str, though they hold
// whatever a process printed. Readers take bin or str for all three, and skip
// fields they do not know, so a newer node may add some.
#pragma once

#include <optional>
#include <string_view>

#include <msgpack.hpp>

#include "core/model/job.hpp"
#include "core/model/status.hpp"

namespace desaster::protocol {

using Packer = msgpack::packer<msgpack::sbuffer>;

// A queued or scheduled job's estimated start and finish.
struct JobEta {
  TimeMs start_ms = 0;
  TimeMs finish_ms = 0;
  bool operator==(const JobEta&) const = default;
};

void pack_job_map(Packer& pk, const Job& job, const std::optional<JobEta>& eta = std::nullopt);
Status unpack_job_map(const msgpack::object& obj, Job& out);
// The same, placing the map in errors: what is the message ("reply body"),
// map_path where the job sits in it ("jobs[2]"). With eta, the job's eta
// (none when the map has none) is read too.
Status unpack_job_map(const msgpack::object& obj, Job& out, std::string_view what,
                      std::string_view map_path, std::optional<JobEta>* eta = nullptr);

// {code, message}, or nil for an ok Status.
void pack_status(Packer& pk, const Status& status);
Status unpack_status(const msgpack::object& obj, Status& out);
Status unpack_status(const msgpack::object& obj, Status& out, std::string_view what,
                     std::string_view map_path);

}  // namespace desaster::protocol
