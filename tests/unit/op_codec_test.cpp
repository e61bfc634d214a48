// The op and job codec: every op survives a round trip, and malformed input
// is refused with a message that says what and where.
#include "core/state/op_codec.hpp"

#include <catch2/catch.hpp>
#include <random>

#include "tests/unit/state_test_support.hpp"

using namespace desaster;
using namespace desaster::testing;

namespace {

using Packer = msgpack::packer<msgpack::sbuffer>;

Job full_job() {
  Job job;
  job.id = 0x0123456789abcdef;
  job.queue = "mail:high";
  job.kind = JobKind::ruby;
  job.job_class = "SendMail";
  job.payload = std::string("\x93\x01\x02\x00\xff", 5);
  job.unique_key = "mail-42";
  job.priority = -7;
  job.run_at = 1'750'000'123'456;
  job.timeout_ms = 60'000;
  job.retry = {3, 1000, 90'000};
  job.state = JobState::failed;
  job.attempts = 2;
  job.duplicate_runs = 1;
  job.created_at = 1'750'000'000'000;
  job.started_at = 1'750'000'100'000;
  job.finished_at = -1;  // signed fields keep their sign
  job.lease_term = 9;
  job.node = "node-a";
  job.worker = "w3";
  job.lease_expires_at = 1'750'000'200'000;
  job.exit_status = -15;
  job.output_tail = std::string("line\n\x01\xfe", 7);
  job.last_error = "exit 1";
  job.history.push_back({1, 10, 20, "node-a", "w1", 1, "boom", 123, 4567});
  job.history.push_back({2, 30, 40, "node-b", "w2", -9, "", 0, ~std::uint64_t{0}});
  job.flow = "customer-17";
  job.pin_node = "node-b";
  job.pin_pool = "mailers";
  job.ready_since = 1'750'000'000'123;
  return job;
}

std::string bytes_of(const std::function<void(Packer&)>& write) {
  msgpack::sbuffer buffer;
  Packer pk(buffer);
  write(pk);
  return std::string(buffer.data(), buffer.size());
}

template <typename T>
T round_trip(const T& op) {
  std::string bytes = encode_op(op);
  Result<Op> decoded = decode_op(bytes);
  REQUIRE(decoded.ok());
  REQUIRE(std::holds_alternative<T>(*decoded));
  CHECK(encode_op(*decoded) == bytes);
  return std::get<T>(*decoded);
}

std::string error_of(std::string_view bytes) {
  Result<Op> decoded = decode_op(bytes);
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.status().code == ErrorCode::corrupt);
  return decoded.status().message;
}

// [version, type, ...] with the rest written by `rest`.
std::string op_bytes(std::uint32_t fields, std::uint64_t version, std::uint64_t type,
                     const std::function<void(Packer&)>& rest = {}) {
  return bytes_of([&](Packer& pk) {
    pk.pack_array(fields);
    pk.pack(version);
    pk.pack(type);
    if (rest) rest(pk);
  });
}

}  // namespace

TEST_CASE("a job survives pack and unpack with every field", "[state][codec]") {
  Job job = full_job();
  std::string bytes = job_bytes(job);
  msgpack::object_handle handle = msgpack::unpack(bytes.data(), bytes.size());
  Job out;
  REQUIRE(unpack_job(handle.get(), out).ok());
  CHECK(job_bytes(out) == bytes);
  CHECK(out.id == job.id);
  CHECK(out.queue == job.queue);
  CHECK(out.kind == JobKind::ruby);
  CHECK(out.payload == job.payload);
  CHECK(out.priority == -7);
  CHECK(out.retry.backoff_max_ms == 90'000);
  CHECK(out.state == JobState::failed);
  CHECK(out.finished_at == -1);
  CHECK(out.exit_status == -15);
  CHECK(out.output_tail == job.output_tail);
  REQUIRE(out.history.size() == 2);
  CHECK(out.history[1].exit_status == -9);
  CHECK(out.history[1].max_rss_kb == ~std::uint64_t{0});
  CHECK(out.history[0].error == "boom");
}

TEST_CASE("every op type survives a round trip", "[state][codec]") {
  SECTION("enqueue") {
    EnqueueOp op{{full_job(), make_job(2, "other")}};
    EnqueueOp out = round_trip(op);
    REQUIRE(out.jobs.size() == 2);
    CHECK(job_bytes(out.jobs[0]) == job_bytes(op.jobs[0]));
    CHECK(out.jobs[1].queue == "other");
  }
  SECTION("lease") {
    LeaseOp out = round_trip(LeaseOp{{{7, 3, "node-a", "w1", 123}, {8, 1, "n", "", 0}}});
    REQUIRE(out.grants.size() == 2);
    CHECK(out.grants[0].id == 7);
    CHECK(out.grants[0].attempt == 3);
    CHECK(out.grants[0].node == "node-a");
    CHECK(out.grants[0].worker == "w1");
    CHECK(out.grants[0].expires_at == 123);
  }
  SECTION("complete") {
    Completion c{9, 4, 2, Outcome::timed_out, -1, std::string("\0tail", 5), "late", 77, 88};
    CompleteOp out = round_trip(CompleteOp{{c}});
    REQUIRE(out.completions.size() == 1);
    const Completion& o = out.completions[0];
    CHECK(o.id == 9);
    CHECK(o.term == 4);
    CHECK(o.attempt == 2);
    CHECK(o.outcome == Outcome::timed_out);
    CHECK(o.exit_status == -1);
    CHECK(o.output_tail == c.output_tail);
    CHECK(o.error == "late");
    CHECK(o.cpu_ms == 77);
    CHECK(o.max_rss_kb == 88);
  }
  SECTION("release") {
    ReleaseOp out = round_trip(ReleaseOp{{1, 2, 3}, true, "node gone"});
    CHECK(out.ids == std::vector<JobId>{1, 2, 3});
    CHECK(out.charge);
    CHECK(out.reason == "node gone");
  }
  SECTION("promote, retry, delete") {
    CHECK(round_trip(PromoteOp{{5, ~JobId{0}}}).ids == std::vector<JobId>{5, ~JobId{0}});
    CHECK(round_trip(RetryOp{{6}}).ids == std::vector<JobId>{6});
    CHECK(round_trip(DeleteOp{{}}).ids.empty());
  }
  SECTION("purge") {
    round_trip(PurgeOp{});
  }
  SECTION("queue ops") {
    QueueConfig config;
    config.paused = true;
    config.retry = {4, 5, 6};
    config.retention_ms = ~std::uint64_t{0};
    QueueCreateOp created = round_trip(QueueCreateOp{"q1", config});
    CHECK(created.name == "q1");
    CHECK(created.config.paused);
    CHECK(created.config.retry.backoff_base_ms == 5);
    CHECK(created.config.retention_ms == ~std::uint64_t{0});
    QueueConfigureOp configured = round_trip(QueueConfigureOp{"q2", config});
    CHECK(configured.name == "q2");
    CHECK(configured.config.retry.max_attempts == 4);
    CHECK(round_trip(QueueClearOp{"q3"}).name == "q3");
    CHECK(round_trip(QueueDeleteOp{"q4"}).name == "q4");
  }
  SECTION("leader start") {
    CHECK(round_trip(LeaderStartOp{"node-z"}).node == "node-z");
  }
}

TEST_CASE("an op starts with the format version and its type code", "[state][codec]") {
  std::string bytes = encode_op(PurgeOp{});
  msgpack::object_handle handle = msgpack::unpack(bytes.data(), bytes.size());
  REQUIRE(handle.get().type == msgpack::type::ARRAY);
  REQUIRE(handle.get().via.array.size == 2);
  CHECK(handle.get().via.array.ptr[0].as<std::uint32_t>() == kOpFormatVersion);
  CHECK(handle.get().via.array.ptr[1].as<std::uint32_t>() == 8);
}

TEST_CASE("decode_op refuses a wrong version or an unknown type", "[state][codec]") {
  CHECK(error_of(op_bytes(2, 2, 8)).find("version 2 is not supported") != std::string::npos);
  CHECK(error_of(op_bytes(2, 1, 0)).find("unknown op type 0") != std::string::npos);
  // One past the last op type, however many ops there are.
  const auto past_last = static_cast<std::uint32_t>(std::variant_size_v<Op> + 1);
  CHECK(error_of(op_bytes(2, 1, past_last)).find("unknown op type " + std::to_string(past_last)) !=
        std::string::npos);
  CHECK(error_of(op_bytes(1, 1, 8).substr(0, 2)).find("expected [version, type") !=
        std::string::npos);
}

TEST_CASE("decode_op refuses wrong field counts and types and names the place", "[state][codec]") {
  // purge with an extra field
  CHECK(error_of(op_bytes(3, 1, 8, [](Packer& pk) { pk.pack(1); })) ==
        "op.purge: expected 2 fields, got 3");
  // release missing its reason
  CHECK(error_of(op_bytes(4, 1, 4, [](Packer& pk) {
          pk.pack_array(0);
          pk.pack(true);
        })) == "op.release: expected 5 fields, got 4");
  // a string where the ids go
  CHECK(error_of(op_bytes(3, 1, 5, [](Packer& pk) { pk.pack(std::string("x")); })) ==
        "op.promote.ids: must be an array, not a string");
  // a negative id
  CHECK(error_of(op_bytes(3, 1, 6, [](Packer& pk) {
          pk.pack_array(2);
          pk.pack(1);
          pk.pack(-1);
        })) == "op.retry.ids[1]: must be an integer in [0, 18446744073709551615]");
  // an attempt beyond 32 bits
  CHECK(error_of(op_bytes(3, 1, 2, [](Packer& pk) {
          pk.pack_array(1);
          pk.pack_array(5);
          pk.pack(1);
          pk.pack(std::uint64_t{1} << 32);
          pk.pack(std::string("n"));
          pk.pack(std::string("w"));
          pk.pack(0);
        })) == "op.lease.grants[0].attempt: must be an integer in [0, 4294967295]");
  // an unknown outcome
  CHECK(error_of(op_bytes(3, 1, 3, [](Packer& pk) {
          pk.pack_array(1);
          pk.pack_array(9);
          for (int v : {1, 1, 1, 4, 0}) pk.pack(v);
          pk.pack(std::string());
          pk.pack(std::string());
          pk.pack(0);
          pk.pack(0);
        })) == "op.complete.completions[0].outcome: has unknown value 4");
  // a float where a boolean goes
  CHECK(error_of(op_bytes(5, 1, 4, [](Packer& pk) {
          pk.pack_array(0);
          pk.pack(1.5);
          pk.pack(std::string());
        })) == "op.release.charge: must be a boolean, not a float");
  // a nil queue name
  CHECK(error_of(op_bytes(3, 1, 11, [](Packer& pk) { pk.pack_nil(); })) ==
        "op.queue_clear.name: must be binary or a string, not nil");
}

TEST_CASE("decode_op names the field of a bad job inside an enqueue", "[state][codec]") {
  std::string job = job_bytes(full_job());
  // Replace the job's state (field 10) with 7, one past the last state.
  msgpack::object_handle handle = msgpack::unpack(job.data(), job.size());
  // [1, 1, [good job, job with bad state]]
  std::string bytes = bytes_of([&](Packer& pk) {
    pk.pack_array(3);
    pk.pack(1);
    pk.pack(1);
    pk.pack_array(2);
    pack_job(pk, make_job(1));
    const msgpack::object_array& fields = handle.get().via.array;
    pk.pack_array(fields.size);
    for (std::uint32_t i = 0; i < fields.size; ++i) {
      if (i == 10) {
        pk.pack(7);
      } else {
        pk.pack(fields.ptr[i]);
      }
    }
  });
  CHECK(error_of(bytes) == "op.enqueue.jobs[1].state: has unknown value 7");

  std::string short_job = bytes_of([&](Packer& pk) {
    pk.pack_array(3);
    pk.pack(1);
    pk.pack(1);
    pk.pack_array(1);
    pk.pack_array(2);
    pk.pack(1);
    pk.pack(2);
  });
  CHECK(error_of(short_job) == "op.enqueue.jobs[0]: expected 24 to 28 fields, got 2");
}

// An enqueue op whose one job is full_job() cut to its first `fields` fields.
std::string enqueue_with_job_fields(std::size_t fields) {
  std::string whole = encode_op(EnqueueOp{{full_job()}});
  msgpack::object_handle handle = msgpack::unpack(whole.data(), whole.size());
  const msgpack::object_array& job = handle.get().via.array.ptr[2].via.array.ptr[0].via.array;
  return bytes_of([&](Packer& pk) {
    pk.pack_array(3);
    pk.pack(kOpFormatVersion);
    pk.pack(1);
    pk.pack_array(1);
    pk.pack_array(static_cast<std::uint32_t>(fields));
    for (std::size_t i = 0; i < fields; ++i) pk.pack(job.ptr[i]);
  });
}

TEST_CASE("a job record from before flow and pins loads with them empty", "[state][codec]") {
  Result<Op> decoded = decode_op(enqueue_with_job_fields(24));
  REQUIRE(decoded.ok());
  const Job& job = std::get<EnqueueOp>(*decoded).jobs.at(0);
  CHECK(job.last_error == "exit 1");
  CHECK(job.history.size() == 2);
  CHECK(job.flow.empty());
  CHECK(job.pin_node.empty());
  CHECK(job.pin_pool.empty());

  CHECK(error_of(enqueue_with_job_fields(25)) ==
        "op.enqueue.jobs[0]: expected 24, 27 or 28 fields, got 25");
}

TEST_CASE("decode_op refuses trailing bytes, truncation and non-arrays", "[state][codec]") {
  std::string good = encode_op(ReleaseOp{{1, 2}, false, "r"});
  CHECK(error_of(good + '\x00').find("1 trailing bytes") != std::string::npos);
  CHECK(error_of("").find("empty") != std::string::npos);
  CHECK(error_of(bytes_of([](Packer& pk) { pk.pack(5); })) ==
        "op: must be an array, not an integer");
  CHECK(error_of(bytes_of([](Packer& pk) { pk.pack_map(0); })) ==
        "op: must be an array, not a map");
  CHECK(error_of("\xc1").find("is not valid msgpack") != std::string::npos);  // a reserved byte
  for (std::size_t n = 1; n < good.size(); ++n) {
    Result<Op> r = decode_op(std::string_view(good).substr(0, n));
    REQUIRE_FALSE(r.ok());
    INFO(r.status().message);
    CHECK(r.status().message.find("truncated") != std::string::npos);
  }
}

TEST_CASE("decode_op refuses containers that claim more than the input holds", "[state][codec]") {
  // array32 with 4294967295 elements in five bytes
  std::string huge("\xdd\xff\xff\xff\xff", 5);
  CHECK(error_of(huge).find("is truncated (an array of 4294967295 elements in") !=
        std::string::npos);
  // a plausible op whose id list claims a billion ids
  std::string lying = op_bytes(3, 1, 7) + std::string("\xdd\x40\x00\x00\x00\x01", 6);
  CHECK(error_of(lying).find("is truncated (") != std::string::npos);
  std::string map("\xdf\x10\x00\x00\x00", 5);
  CHECK(error_of(map).find("a map of") != std::string::npos);
  // a string claiming 4 GB is merely truncated
  CHECK(error_of(std::string("\xdb\xff\xff\xff\xff", 5)).find("truncated") != std::string::npos);
}

TEST_CASE("decode_op refuses nesting deeper than any op needs", "[state][codec]") {
  std::string deep(200, '\x91');  // [[[[...
  deep += '\x01';
  CHECK(error_of(deep).find("nests deeper") != std::string::npos);
}

TEST_CASE("unpack_job refuses what is not a job", "[state][codec]") {
  Job out = make_job(5);
  msgpack::object number(42);
  Status s = unpack_job(number, out);
  CHECK(s.code == ErrorCode::corrupt);
  CHECK(s.message == "job: must be an array, not an integer");
  CHECK(out.id == 5);  // untouched on failure
}

TEST_CASE("damaged ops never crash the decoder", "[state][codec]") {
  std::vector<std::string> samples{
      encode_op(EnqueueOp{{full_job(), make_job(3)}}),
      encode_op(CompleteOp{{{9, 4, 2, Outcome::failed, 1, "tail", "err", 1, 2}}}),
      encode_op(QueueConfigureOp{"q", QueueConfig{}}),
  };
  std::mt19937 rng(12345);
  int refused = 0;
  for (const std::string& sample : samples) {
    for (int i = 0; i < 3000; ++i) {
      std::string damaged = sample;
      int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f) {
        damaged[rng() % damaged.size()] = static_cast<char>(rng() & 0xff);
      }
      Result<Op> r = decode_op(damaged);
      if (r.ok()) {
        // Whatever decodes must encode again.
        CHECK_FALSE(encode_op(*r).empty());
      } else {
        CHECK_FALSE(r.status().message.empty());
        ++refused;
      }
    }
  }
  CHECK(refused > 0);
}
