// Internal to core/state: the storage forms shared by the op codec and the
// snapshot codec (a job, a queue config, a pool spec). The reading itself is
// core/codec's: unpack_bounded() before anything is allocated, then typed
// reads that name the place of a mismatch
// ("op.enqueue.jobs[3].queue: must be binary or a string, not an integer").
// Readers throw DecodeError; the public decoders (decode_op, unpack_job,
// State::decode_snapshot) catch it and turn it into a Status.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <msgpack.hpp>

#include "core/codec/fields.hpp"
#include "core/codec/unpack.hpp"
#include "core/model/cron_entry.hpp"
#include "core/model/job.hpp"
#include "core/model/pool_spec.hpp"
#include "core/model/queue.hpp"
#include "core/model/status.hpp"

namespace desaster::codec {

// Storage forms shared by ops and snapshots (op_codec.cpp).
void read_job(const msgpack::object& o, const Path& p, Job& out);
void pack_queue_config(msgpack::packer<msgpack::sbuffer>& pk, const QueueConfig& config);
QueueConfig read_queue_config(const msgpack::object& o, const Path& p);
void pack_pool_spec(msgpack::packer<msgpack::sbuffer>& pk, const PoolSpec& spec);
PoolSpec read_pool_spec(const msgpack::object& o, const Path& p);
// A cron entry (cron_codec.cpp): [name, schedule, zone, missed,
// starting_deadline_ms, overlap, paused, job, created_at, last_instant,
// runs [[instant, job, kind]...]].
void pack_cron_entry(msgpack::packer<msgpack::sbuffer>& pk, const CronEntry& entry);
CronEntry read_cron_entry(const msgpack::object& o, const Path& p);

}  // namespace desaster::codec
