// The storage form of a cron entry, shared by CronAddOp and snapshots (v5):
// [name, schedule, zone, missed, starting_deadline_ms, overlap, paused, job,
// created_at, last_instant, runs [[instant, job, kind]...]].
#include "core/state/codec_detail.hpp"
#include "core/state/op_codec.hpp"

namespace desaster::codec {

namespace {
constexpr std::uint32_t kCronEntryFields = 11;
}

void pack_cron_entry(msgpack::packer<msgpack::sbuffer>& pk, const CronEntry& e) {
  pk.pack_array(kCronEntryFields);
  pack_string(pk, e.name);
  pack_string(pk, e.schedule);
  pack_string(pk, e.zone);
  pk.pack(static_cast<std::uint32_t>(e.missed));
  pk.pack(e.starting_deadline_ms);
  pk.pack(static_cast<std::uint32_t>(e.overlap));
  pk.pack(e.paused);
  pack_job(pk, e.job);
  pk.pack(e.created_at);
  pk.pack(e.last_instant);
  pk.pack_array(static_cast<std::uint32_t>(e.runs.size()));
  for (const CronRun& run : e.runs) {
    pk.pack_array(3);
    pk.pack(run.instant);
    pk.pack(run.job);
    pk.pack(static_cast<std::uint32_t>(run.kind));
  }
}

CronEntry read_cron_entry(const msgpack::object& o, const Path& p) {
  Fields f(o, p, kCronEntryFields);
  CronEntry e;
  e.name = f.string(0, "name");
  e.schedule = f.string(1, "schedule");
  e.zone = f.string(2, "zone");
  e.missed = f.enumeration<CronMissed>(3, "missed", 3);
  e.starting_deadline_ms = f.u64(4, "starting_deadline_ms");
  e.overlap = f.enumeration<CronOverlap>(5, "overlap", 3);
  e.paused = f.boolean(6, "paused");
  read_job(f[7], f.path("job"), e.job);
  e.created_at = f.i64(8, "created_at");
  e.last_instant = f.i64(9, "last_instant");
  const Path runs_path = f.path("runs");
  const auto& runs = read_array(f[10], runs_path);
  if (runs.size > kCronRunsKept) fail(runs_path, "more than 10 runs");
  for (std::uint32_t i = 0; i < runs.size; ++i) {
    Fields r(runs.ptr[i], runs_path.at(i), 3);
    e.runs.push_back(
        CronRun{r.i64(0, "instant"), r.u64(1, "job"), r.enumeration<CronRunKind>(2, "kind", 4)});
  }
  return e;
}

}  // namespace desaster::codec
