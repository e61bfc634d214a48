// Replies and pushes as a client reads them: status and body survive the
// frame, pushes are told apart by id 0, and every typed body round-trips.
#include <catch2/catch.hpp>

#include <msgpack.hpp>

#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/messages.hpp"
#include "transport/protocol/replies.hpp"

using namespace desaster;
using namespace desaster::protocol;

namespace {

Job sample_job(JobId id) {
  Job job;
  job.id = id;
  job.queue = "mail";
  job.kind = JobKind::ruby;
  job.job_class = "MailJob";
  job.payload = std::string("\x00\x01", 2);
  job.state = JobState::dead;
  job.attempts = 3;
  job.last_error = "boom";
  job.history.push_back({1, 10, 20, "n1", "w1", 1, "boom", 5, 6});
  return job;
}

template <typename Body>
Body round_trip(const Body& body) {
  Body out;
  Status status = decode_body(encode_body(body), out);
  INFO(status.message);
  REQUIRE(status.ok());
  return out;
}

}  // namespace

TEST_CASE("an ok reply carries its id and body", "[transport][protocol]") {
  BodyWriter body;
  body.add("x", 1);
  Result<Reply> reply = decode_reply(encode_reply(17, Status::success(), body.finish()));
  REQUIRE(reply.ok());
  CHECK(reply->id == 17);
  CHECK(reply->status.ok());
  CHECK(reply->type.empty());
  CHECK(reply->body == body.finish());
}

TEST_CASE("an empty reply body is an empty map", "[transport][protocol]") {
  Result<Reply> reply = decode_reply(encode_reply(3, Status::success(), ""));
  REQUIRE(reply.ok());
  CHECK(reply->body == "\x80");
}

TEST_CASE("an error reply becomes the status with its message", "[transport][protocol]") {
  Result<Reply> reply =
      decode_reply(encode_reply(4, Status::error(ErrorCode::not_found, "no job 00ff"), "ignored"));
  REQUIRE(reply.ok());
  CHECK(reply->id == 4);
  CHECK(reply->status.code == ErrorCode::not_found);
  CHECK(reply->status.message == "no job 00ff");
}

TEST_CASE("a frame with id 0 is a push with its type", "[transport][protocol]") {
  LeasePush lease{sample_job(9), 12};
  Result<Reply> push = decode_reply(encode_push(kLeasePush, encode_body(lease)));
  REQUIRE(push.ok());
  CHECK(push->id == 0);
  CHECK(push->type == "lease");
  CHECK(push->status.ok());
  LeasePush got;
  REQUIRE(decode_body(push->body, got).ok());
  CHECK(got.term == 12);
  CHECK(got.job.id == 9);
  CHECK(got.job.attempts == 3);
}

TEST_CASE("an error reply with id 0 is an error, not a push", "[transport][protocol]") {
  Result<Reply> reply = decode_reply(
      encode_reply(0, Status::error(ErrorCode::bad_request, "request is truncated"), ""));
  REQUIRE(reply.ok());
  CHECK(reply->id == 0);
  CHECK(reply->type.empty());
  CHECK(reply->status.code == ErrorCode::bad_request);
  CHECK(reply->status.message == "request is truncated");
}

TEST_CASE("a reply with an unknown status is refused", "[transport][protocol]") {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(4);
  pk.pack(1), pk.pack(5), pk.pack(std::string("meh")), pk.pack_map(0);
  Result<Reply> reply = decode_reply({buffer.data(), buffer.size()});
  REQUIRE_FALSE(reply.ok());
  CHECK(reply.status().message == "reply status 'meh' is not known");
}

TEST_CASE("a reply from another protocol version is refused", "[transport][protocol]") {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(4);
  pk.pack(2), pk.pack(5), pk.pack(std::string("ok")), pk.pack_map(0);
  Result<Reply> reply = decode_reply({buffer.data(), buffer.size()});
  REQUIRE_FALSE(reply.ok());
  CHECK(reply.status().message == "protocol version 2 is not supported (this client speaks 1)");
}

TEST_CASE("an error reply whose message is not a string is refused", "[transport][protocol]") {
  BodyWriter body;
  body.add("message", 5);
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(4);
  pk.pack(1), pk.pack(5), pk.pack(std::string("conflict"));
  std::string bytes(buffer.data(), buffer.size());
  bytes += body.finish();
  Result<Reply> reply = decode_reply(bytes);
  REQUIRE_FALSE(reply.ok());
  CHECK(reply.status().message == "reply body field 'message' must be a string, not an integer");
}

TEST_CASE("every reply body survives a round trip", "[transport][protocol]") {
  HelloReply hello = round_trip(HelloReply{"node-1", "0.1.0", 1});
  CHECK(hello.node == "node-1");
  CHECK(hello.version == "0.1.0");

  EnqueueReply enqueue;
  enqueue.ids = {5, 0};
  enqueue.errors = {Status::success(), Status::error(ErrorCode::conflict, "duplicate")};
  enqueue.jobs = {sample_job(5), std::nullopt};
  EnqueueReply got = round_trip(enqueue);
  CHECK(got.ids == enqueue.ids);
  CHECK(got.errors.at(0).ok());
  CHECK(got.errors.at(1).code == ErrorCode::conflict);
  CHECK(got.errors.at(1).message == "duplicate");
  REQUIRE(got.jobs.size() == 2);
  CHECK(got.jobs[0]->queue == "mail");
  CHECK_FALSE(got.jobs[1].has_value());

  enqueue.jobs.clear();
  CHECK(round_trip(enqueue).jobs.empty());

  WaitReply wait = round_trip(WaitReply{{std::nullopt, sample_job(8)}});
  REQUIRE(wait.jobs.size() == 2);
  CHECK(wait.jobs[1]->id == 8);

  CHECK(round_trip(GetReply{sample_job(3), 0, 0}).job.history.at(0).worker == "w1");
  GetReply positioned = round_trip(GetReply{sample_job(3), 120, 4});
  CHECK(positioned.index == 120);  // the replica's log position
  CHECK(positioned.term == 4);

  ListReply sent{{sample_job(1), sample_job(2)}, 2, 40};
  sent.index = 7;
  sent.term = 2;
  ListReply list = round_trip(sent);
  CHECK(list.jobs.size() == 2);
  CHECK(list.jobs[1].id == 2);
  CHECK(list.next == 2);
  CHECK(list.total == 40);

  ErrorsReply errors = round_trip(ErrorsReply{{Status::error(ErrorCode::not_found, "gone"), {}}});
  CHECK(errors.errors.at(0).message == "gone");
  CHECK(errors.errors.at(1).ok());

  QueueSummary summary;
  summary.name = "mail";
  summary.paused = true;
  summary.counts[static_cast<int>(JobState::dead)] = 4;
  QueuesReply queues = round_trip(QueuesReply{{summary}});
  REQUIRE(queues.queues.size() == 1);
  CHECK(queues.queues[0].paused);
  CHECK(queues.queues[0].counts[static_cast<int>(JobState::dead)] == 4);
  CHECK(queues.queues[0].counts[static_cast<int>(JobState::queued)] == 0);

  CHECK(round_trip(WorkerReply{250}).heartbeat_ms == 250);
}

TEST_CASE("reply bodies skip unknown fields but refuse mistyped ones", "[transport][protocol]") {
  BodyWriter newer;
  newer.add("heartbeat_ms", 300).add("colour", "blue");
  WorkerReply worker;
  REQUIRE(decode_body(newer.finish(), worker).ok());
  CHECK(worker.heartbeat_ms == 300);

  BodyWriter wrong;
  wrong.add("ids", 5);
  EnqueueReply enqueue;
  Status status = decode_body(wrong.finish(), enqueue);
  CHECK(status.message == "reply body field 'ids' must be an array, not an integer");

  BodyWriter mismatch;
  mismatch.add("ids", std::vector<std::uint64_t>{1, 2});
  mismatch.key("errors").pack_array(1);
  mismatch.append_packed("\xc0");
  CHECK(decode_body(mismatch.finish(), enqueue).message ==
        "reply body field 'errors' has 1 items for 2 ids");

  BodyWriter bad_job;
  BodyWriter job;
  job.add("state", "sleeping");
  bad_job.key("jobs").pack_array(1);
  bad_job.append_packed(job.finish());
  WaitReply wait;
  CHECK(decode_body(bad_job.finish(), wait).message ==
        "reply body field 'jobs[0].state' has unknown value 'sleeping'");

  BodyWriter bad_status;
  bad_status.key("errors").pack_array(1);
  BodyWriter status_map;
  status_map.add("code", "oops").add("message", "x");
  bad_status.append_packed(status_map.finish());
  ErrorsReply errors;
  CHECK(decode_body(bad_status.finish(), errors).message ==
        "reply body field 'errors[0].code' has unknown value 'oops'");

  LeasePush lease;
  CHECK(decode_body("\x80", lease).message == "reply body field 'job' is missing");
  CHECK(decode_body("\x81", lease).message ==
        "reply body is truncated (a map of 1 pairs in 1 bytes)");
}

namespace desaster::protocol {

TEST_CASE("a nodes reply survives a round trip and names a bad node entry",
          "[transport][protocol]") {
  NodesReply reply;
  reply.mode = "clustered";
  reply.beacons_dropped = 7;
  reply.nodes.push_back({"0123456789abcdef0123456789abcdef", "10.77.0.1", 2693, "leader", true, 4,
                         120, 0, 3, 5, false, 118, 0});
  reply.nodes.push_back({"fedcba9876543210fedcba9876543210", "10.77.0.2", 2693, "discovered", false,
                         0, 0, 123456, 0, 0, false, 0, std::nullopt});
  NodesReply back;
  REQUIRE(decode_body(encode_body(reply), back).ok());
  CHECK(back.mode == "clustered");
  CHECK(back.beacons_dropped == 7);
  REQUIRE(back.nodes.size() == 2);
  CHECK(back.nodes[0].self);
  CHECK(back.nodes[0].term == 4);
  CHECK(back.nodes[0].free_slots == 5);
  CHECK(back.nodes[1].role == "discovered");
  CHECK(back.nodes[1].last_seen_ms == 123456);
  CHECK(back.nodes[0].commit == 118);
  CHECK(back.nodes[0].lag == 0u);
  CHECK_FALSE(back.nodes[1].lag);  // unknown: not sent

  BodyWriter missing;
  missing.add("mode", "standalone");
  CHECK(decode_body(missing.finish(), back).message == "reply body field 'nodes' is missing");
  BodyWriter bad_port;
  BodyWriter node;
  node.add("node", "ab").add("port", "high");
  bad_port.key("nodes").pack_array(1);
  bad_port.append_packed(node.finish());
  CHECK_THAT(decode_body(bad_port.finish(), back).message,
             Catch::Contains("reply body field 'nodes[0].port'"));
}

}  // namespace desaster::protocol
