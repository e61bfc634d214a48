// Jobs and statuses as named maps: every field comes back, unknown fields are
// skipped, mistyped ones are named.
#include <catch2/catch.hpp>

#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/job_wire.hpp"

using namespace desaster;
using namespace desaster::protocol;

namespace {

Job full_job() {
  Job job;
  job.id = 0xfedc'ba98'7654'3210;
  job.queue = "video";
  job.kind = JobKind::http;
  job.job_class = "Transcode";
  job.payload = std::string("\x00\xff\x10", 3);
  job.unique_key = "u-1";
  job.priority = -3;
  job.run_at = 1'700'000'000'123;
  job.timeout_ms = 60'000;
  job.retry = {7, 250, 90'000};
  job.state = JobState::running;
  job.attempts = 2;
  job.duplicate_runs = 1;
  job.created_at = 1'700'000'000'000;
  job.started_at = 1'700'000'000'500;
  job.finished_at = 1'700'000'009'000;
  job.lease_term = 11;
  job.node = "node-a";
  job.worker = "w-3";
  job.lease_expires_at = 1'700'000'060'500;
  job.exit_status = -15;
  job.output_tail = "last lines";
  job.last_error = "killed by signal 15";
  job.history.push_back({1, 100, 200, "node-b", "w-1", 2, "exit 2", 30, 1024});
  job.history.push_back({2, 300, 0, "node-a", "w-3", 0, "", 0, 0});
  return job;
}

msgpack::object_handle unpacked(const std::string& bytes) {
  return msgpack::unpack(bytes.data(), bytes.size());
}

std::string packed_job(const Job& job) {
  msgpack::sbuffer buffer;
  Packer pk(buffer);
  pack_job_map(pk, job);
  return {buffer.data(), buffer.size()};
}

}  // namespace

TEST_CASE("a job map keeps every field", "[transport][protocol]") {
  const Job want = full_job();
  msgpack::object_handle handle = unpacked(packed_job(want));
  Job got;
  REQUIRE(unpack_job_map(handle.get(), got).ok());
  CHECK(got.id == want.id);
  CHECK(got.queue == want.queue);
  CHECK(got.kind == want.kind);
  CHECK(got.job_class == want.job_class);
  CHECK(got.payload == want.payload);
  CHECK(got.unique_key == want.unique_key);
  CHECK(got.priority == want.priority);
  CHECK(got.run_at == want.run_at);
  CHECK(got.timeout_ms == want.timeout_ms);
  CHECK(got.retry.max_attempts == want.retry.max_attempts);
  CHECK(got.retry.backoff_base_ms == want.retry.backoff_base_ms);
  CHECK(got.retry.backoff_max_ms == want.retry.backoff_max_ms);
  CHECK(got.state == want.state);
  CHECK(got.attempts == want.attempts);
  CHECK(got.duplicate_runs == want.duplicate_runs);
  CHECK(got.created_at == want.created_at);
  CHECK(got.started_at == want.started_at);
  CHECK(got.finished_at == want.finished_at);
  CHECK(got.lease_term == want.lease_term);
  CHECK(got.node == want.node);
  CHECK(got.worker == want.worker);
  CHECK(got.lease_expires_at == want.lease_expires_at);
  CHECK(got.exit_status == want.exit_status);
  CHECK(got.output_tail == want.output_tail);
  CHECK(got.last_error == want.last_error);
  REQUIRE(got.history.size() == 2);
  const Attempt& a = got.history[0];
  CHECK(a.number == 1);
  CHECK(a.started_at == 100);
  CHECK(a.finished_at == 200);
  CHECK(a.node == "node-b");
  CHECK(a.worker == "w-1");
  CHECK(a.exit_status == 2);
  CHECK(a.error == "exit 2");
  CHECK(a.cpu_ms == 30);
  CHECK(a.max_rss_kb == 1024);
  // Packing again gives the same bytes: nothing was lost or reordered.
  CHECK(packed_job(got) == packed_job(want));
}

TEST_CASE("a job map skips fields it does not know", "[transport][protocol]") {
  BodyWriter w;
  w.add("id", 5).add("shiny_new_field", "x").add("state", "failed");
  msgpack::object_handle handle = unpacked(w.finish());
  Job got;
  REQUIRE(unpack_job_map(handle.get(), got).ok());
  CHECK(got.id == 5);
  CHECK(got.state == JobState::failed);
}

TEST_CASE("a mistyped job field is named and leaves the job alone", "[transport][protocol]") {
  Job got;
  got.queue = "untouched";
  BodyWriter w;
  w.add("queue", "q").add("attempts", -1);
  msgpack::object_handle handle = unpacked(w.finish());
  Status status = unpack_job_map(handle.get(), got);
  CHECK(status.code == ErrorCode::bad_request);
  CHECK(status.message == "job field 'attempts' must be an integer in [0, 4294967295]");
  CHECK(got.queue == "untouched");

  BodyWriter history;
  history.key("history").pack_array(1);
  BodyWriter attempt;
  attempt.add("cpu_ms", "lots");
  history.append_packed(attempt.finish());
  handle = unpacked(history.finish());
  CHECK(unpack_job_map(handle.get(), got).message ==
        "job field 'history[0].cpu_ms' must be an integer in [0, 18446744073709551615], "
        "not a string");

  handle = unpacked("\x92\x01\x02");
  CHECK(unpack_job_map(handle.get(), got).message == "job must be a map, not an array");
}

TEST_CASE("a status is nil when ok and a map otherwise", "[transport][protocol]") {
  msgpack::sbuffer buffer;
  Packer pk(buffer);
  pk.pack_array(2);
  pack_status(pk, Status::success());
  pack_status(pk, Status::error(ErrorCode::unavailable, "disk full"));
  msgpack::object_handle handle = msgpack::unpack(buffer.data(), buffer.size());
  const msgpack::object* items = handle.get().via.array.ptr;
  CHECK(items[0].type == msgpack::type::NIL);
  Status first = Status::error(ErrorCode::internal, "stale");
  REQUIRE(unpack_status(items[0], first).ok());
  CHECK(first.ok());
  Status second;
  REQUIRE(unpack_status(items[1], second).ok());
  CHECK(second.code == ErrorCode::unavailable);
  CHECK(second.message == "disk full");

  BodyWriter no_code;
  no_code.add("message", "x");
  handle = unpacked(no_code.finish());
  CHECK(unpack_status(handle.get(), second).message == "status field 'code' is missing");
}
