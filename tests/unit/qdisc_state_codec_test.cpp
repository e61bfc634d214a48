// The stored form of what queueing disciplines add to the state: a job's
// ready_since, a queue config's discipline, and snapshot v3's accounting and
// service times. Older records still load; malformed ones are refused with
// the field named.
#include <catch2/catch.hpp>

#include "core/qdisc/qdisc_config_codec.hpp"
#include "tests/unit/snapshot_test_support.hpp"
#include "tests/unit/state_test_support.hpp"

using namespace desaster;
using namespace desaster::testing;

namespace {

using Packer = msgpack::packer<msgpack::sbuffer>;

template <typename Fill>
std::string bytes_of(Fill fill) {
  msgpack::sbuffer buffer;
  Packer pk(buffer);
  fill(pk);
  return std::string(buffer.data(), buffer.size());
}

QdiscConfig sfq() {
  QdiscConfig c;
  c.kind = QdiscKind::sfq;
  c.quantum = 2;
  return c;
}

// A queue_configure op with a hand-made config array in place of its own.
std::string configure_op(const std::function<void(Packer&)>& config) {
  std::string whole = encode_op(QueueConfigureOp{"q", QueueConfig{}});
  msgpack::object_handle handle = msgpack::unpack(whole.data(), whole.size());
  const msgpack::object_array& fields = handle.get().via.array;
  return bytes_of([&](Packer& pk) {
    pk.pack_array(fields.size);
    for (std::uint32_t i = 0; i + 1 < fields.size; ++i) pk.pack(fields.ptr[i]);
    config(pk);
  });
}

void pack_old_config(Packer& pk) {
  pk.pack(false);
  pk.pack_array(3);
  pk.pack(1);
  pk.pack(2);
  pk.pack(3);
  pk.pack(1000);
}

// Top-level fields of a snapshot, re-packed with `edit` (false: copy as is).
std::string edited(const std::string& snapshot, std::size_t count,
                   const std::function<bool(std::size_t, const msgpack::object&, Packer&)>& edit) {
  msgpack::object_handle handle = msgpack::unpack(snapshot.data(), snapshot.size());
  const msgpack::object_array& fields = handle.get().via.array;
  return bytes_of([&](Packer& pk) {
    pk.pack_array(static_cast<std::uint32_t>(count));
    for (std::uint32_t i = 0; i < count; ++i)
      if (!edit(i, fields.ptr[i], pk)) pk.pack(fields.ptr[i]);
  });
}

std::string snapshot_error(const std::string& bytes) {
  Result<State> r = State::decode_snapshot(bytes);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code == ErrorCode::corrupt);
  return r.status().message;
}

// A state with an sfq queue part way through its flows and measured times.
Log busy_log() {
  Log log;
  QueueConfig config;
  config.qdisc = sfq();
  REQUIRE(log.one(QueueConfigureOp{"q", config}).ok());
  EnqueueOp op;
  for (JobId id = 1; id <= 6; ++id) {
    Job job = make_job(id, "q");
    job.flow = id % 2 ? "a" : "b";
    op.jobs.push_back(job);
  }
  log.step(op);
  REQUIRE(log.lease(1).ok());
  log.now += 250;
  REQUIRE(log.complete(1, Outcome::succeeded).ok());
  return log;
}

}  // namespace

TEST_CASE("a job keeps ready_since through the codec, older records load with 0",
          "[state][codec][qdisc]") {
  Job job = make_job(9, "q");
  job.flow = "f";
  job.ready_since = 123'456;
  std::string bytes = job_bytes(job);
  msgpack::object_handle handle = msgpack::unpack(bytes.data(), bytes.size());
  Job out;
  REQUIRE(unpack_job(handle.get(), out).ok());
  CHECK(out.ready_since == 123'456);
  CHECK(out.flow == "f");

  // The same record without its last field: the length before ready_since.
  const msgpack::object_array& fields = handle.get().via.array;
  std::string older = bytes_of([&](Packer& pk) {
    pk.pack_array(fields.size - 1);
    for (std::uint32_t i = 0; i + 1 < fields.size; ++i) pk.pack(fields.ptr[i]);
  });
  msgpack::object_handle old_handle = msgpack::unpack(older.data(), older.size());
  Job old_out;
  REQUIRE(unpack_job(old_handle.get(), old_out).ok());
  CHECK(old_out.ready_since == 0);
  CHECK(old_out.flow == "f");
}

TEST_CASE("queue ops carry the discipline, a config from before it loads with the default",
          "[state][codec][qdisc]") {
  QueueConfig config;
  config.qdisc.kind = QdiscKind::htb;
  config.qdisc.classes = {{"root", "", 5'000, 10'000, 2, 2}};
  config.qdisc.default_class = "root";
  config.dedup_window_ms = 60'000;
  Result<Op> decoded = decode_op(encode_op(QueueConfigureOp{"q", config}));
  REQUIRE(decoded.ok());
  CHECK(std::get<QueueConfigureOp>(*decoded).config.qdisc == config.qdisc);
  CHECK(std::get<QueueConfigureOp>(*decoded).config.dedup_window_ms == 60'000);

  // Written with the de-duplication window but before disciplines: 4 fields.
  Result<Op> windowed = decode_op(configure_op([](Packer& pk) {
    pk.pack_array(4);
    pack_old_config(pk);
    pk.pack(std::uint64_t{5'000});
  }));
  REQUIRE(windowed.ok());
  CHECK(std::get<QueueConfigureOp>(*windowed).config.qdisc == QdiscConfig{});
  CHECK(std::get<QueueConfigureOp>(*windowed).config.dedup_window_ms == 5'000);

  Result<Op> old = decode_op(configure_op([](Packer& pk) {
    pk.pack_array(3);
    pack_old_config(pk);
  }));
  REQUIRE(old.ok());
  CHECK(std::get<QueueConfigureOp>(*old).config.qdisc == QdiscConfig{});
  CHECK(std::get<QueueConfigureOp>(*old).config.retry.backoff_max_ms == 3);
}

TEST_CASE("a queue config with a malformed discipline is refused by field",
          "[state][codec][qdisc]") {
  auto error_with = [](const std::function<void(Packer&)>& qdisc) {
    Result<Op> r = decode_op(configure_op([&](Packer& pk) {
      pk.pack_array(5);
      pack_old_config(pk);
      pk.pack(0);  // dedup_window_ms
      qdisc(pk);
    }));
    REQUIRE_FALSE(r.ok());
    return r.status().message;
  };
  CHECK(error_with([](Packer& pk) {
          pk.pack(std::string("sfq"));
        }).find("op.queue_configure.config.qdisc") != std::string::npos);
  // htb without classes: well-formed, but not a usable discipline.
  QdiscConfig empty_htb;
  empty_htb.kind = QdiscKind::htb;
  CHECK(error_with([&](Packer& pk) {
          codec::pack_qdisc_config(pk, empty_htb);
        }).find("op.queue_configure.config.qdisc") != std::string::npos);
  Result<Op> too_long = decode_op(configure_op([](Packer& pk) {
    pk.pack_array(6);
    pack_old_config(pk);
    pk.pack(0);
    pk.pack(1);
    pk.pack(2);
  }));
  REQUIRE_FALSE(too_long.ok());
  CHECK(too_long.status().message.find("expected 3 to 5 fields") != std::string::npos);
}

TEST_CASE("snapshot v4 keeps disciplines, accounting and service times",
          "[state][snapshot][qdisc]") {
  Log log = busy_log();
  Result<State> restored = State::decode_snapshot(log.state.encode_snapshot());
  REQUIRE(restored.ok());
  CHECK(restored->queue("q")->config.qdisc == sfq());
  CHECK(restored->qdisc("q")->encode_accounting() == log.state.qdisc("q")->encode_accounting());
  CHECK(restored->service_times() == log.state.service_times());
  CHECK(restored->service_times().all.samples == 1);
  CHECK(restored->eta(6, log.now, 1) == log.state.eta(6, log.now, 1));
}

TEST_CASE("a version 2 snapshot loads with fresh accounting and no service times",
          "[state][snapshot][qdisc]") {
  Log log = busy_log();
  std::string v3 = log.state.encode_snapshot();
  // Version 2: no service times, queue entries without accounting.
  std::string v2 = edited(v3, 10, [](std::size_t i, const msgpack::object& o, Packer& pk) {
    if (i == 1) {
      pk.pack(2);
      return true;
    }
    if (i != 7) return false;
    const msgpack::object_array& queues = o.via.array;
    pk.pack_array(queues.size);
    for (std::uint32_t q = 0; q < queues.size; ++q) {
      pk.pack_array(4);
      for (std::uint32_t f = 0; f < 4; ++f) pk.pack(queues.ptr[q].via.array.ptr[f]);
    }
    return true;
  });
  Result<State> restored = State::decode_snapshot(v2);
  REQUIRE(restored.ok());
  CHECK(restored->queue("q")->config.qdisc == sfq());
  CHECK(restored->qdisc("q")->size() == 5);
  CHECK(restored->service_times().all.samples == 0);
}

TEST_CASE("a version 3 snapshot (before disciplines) loads with fresh accounting",
          "[state][snapshot][qdisc]") {
  Log log = busy_log();
  Result<State> restored =
      State::decode_snapshot(snapshot_as_version(log.state.encode_snapshot(), 3));
  REQUIRE(restored.ok());
  CHECK(restored->queue("q")->config.qdisc == sfq());
  CHECK(restored->qdisc("q")->size() == 5);
  CHECK(restored->jobs_run_by_node() == log.state.jobs_run_by_node());
  CHECK(restored->service_times().all.samples == 0);
}

TEST_CASE("a snapshot holds the service times after the completions per node",
          "[state][snapshot][qdisc]") {
  Log log = busy_log();
  std::string good = log.state.encode_snapshot();
  msgpack::object_handle handle = msgpack::unpack(good.data(), good.size());
  const msgpack::object_array& fields = handle.get().via.array;
  REQUIRE(fields.size >= 14);
  CHECK(fields.ptr[12].type == msgpack::type::ARRAY);  // jobs_run_by_node
  CHECK(fields.ptr[13].via.array.size == 2);           // service_times: [all, classes]
  // One field short is refused, not misread.
  CHECK(snapshot_error(edited(good, fields.size - 1,
                              [](std::size_t, const msgpack::object&, Packer&) { return false; }))
            .find("snapshot") != std::string::npos);
}

TEST_CASE("a snapshot with damaged accounting or service times is refused",
          "[state][snapshot][qdisc]") {
  Log log = busy_log();
  std::string good = log.state.encode_snapshot();
  const std::size_t all = msgpack::unpack(good.data(), good.size()).get().via.array.size;
  auto with_accounting = [&](const std::string& accounting) {
    return edited(good, all, [&](std::size_t i, const msgpack::object& o, Packer& pk) {
      if (i != 7) return false;
      const msgpack::object_array& queues = o.via.array;
      pk.pack_array(queues.size);
      for (std::uint32_t q = 0; q < queues.size; ++q) {
        pk.pack_array(5);
        for (std::uint32_t f = 0; f < 4; ++f) pk.pack(queues.ptr[q].via.array.ptr[f]);
        pk.pack_bin(static_cast<std::uint32_t>(accounting.size()));
        pk.pack_bin_body(accounting.data(), static_cast<std::uint32_t>(accounting.size()));
      }
      return true;
    });
  };
  CHECK(snapshot_error(with_accounting("junk")).find("qdisc accounting") != std::string::npos);
  // The accounting of another discipline (priority's) does not fit sfq.
  std::string priority = (*make_qdisc(QdiscConfig{}))->encode_accounting();
  CHECK(snapshot_error(with_accounting(priority)).find("qdisc accounting") != std::string::npos);

  auto with_times = [&](const std::function<void(Packer&)>& times) {
    return edited(good, all, [&](std::size_t i, const msgpack::object&, Packer& pk) {
      if (i != 13) return false;
      times(pk);
      return true;
    });
  };
  CHECK(snapshot_error(with_times([](Packer& pk) { pk.pack(1); })).find("snapshot.service_times") !=
        std::string::npos);
  CHECK(snapshot_error(with_times([](Packer& pk) {
          pk.pack_array(2);
          pk.pack_array(2);
          pk.pack(-5);
          pk.pack(1);
          pk.pack_array(0);
        })).find("negative mean") != std::string::npos);
  CHECK(snapshot_error(with_times([](Packer& pk) {
          pk.pack_array(2);
          pk.pack_array(2);
          pk.pack(100);
          pk.pack(2);
          pk.pack_array(2);
          for (const char* name : {"b", "a"}) {
            pk.pack_array(3);
            pk.pack(std::string(name));
            pk.pack(100);
            pk.pack(1);
          }
        })).find("out of order") != std::string::npos);
}
