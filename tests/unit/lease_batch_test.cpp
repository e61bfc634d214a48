// The batched worker path's codecs: the "leases" push (several slim leases a
// message), the "reports" request (several reports a message) and the
// "batch" flags of the worker's hello and the node's answer, with the
// malformed input each must refuse by place.
#include <catch2/catch.hpp>

#include <functional>
#include <string>

#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/envelope.hpp"
#include "transport/protocol/messages.hpp"
#include "transport/protocol/replies.hpp"

namespace desaster::protocol {

namespace {

SlimLease slim(JobId id) {
  return SlimLease{id, 2, JobKind::task, "mail", "Noop", std::string("\x00\xff\x93", 3), 1500};
}

// A "leases" body whose one lease is `lease` as given (packed raw).
std::string leases_body(const std::string& packed_lease) {
  BodyWriter w;
  w.add("term", 7);
  w.key("leases").pack_array(1);
  w.append_packed(packed_lease);
  return w.finish();
}

std::string packed_array(const std::function<void(BodyWriter::Packer&)>& pack) {
  msgpack::sbuffer buffer;
  BodyWriter::Packer pk(buffer);
  pack(pk);
  return std::string(buffer.data(), buffer.size());
}

Result<Request> reports_request(const std::string& body) {
  return decode_request(encode_envelope(5, "reports", body));
}

}  // namespace

TEST_CASE("a leases push survives a round trip with binary payloads", "[transport][protocol]") {
  LeasesPush push{9, {slim(40), slim(41)}};
  push.leases[1].kind = JobKind::shell;
  push.leases[1].payload.clear();
  Result<Reply> frame = decode_reply(encode_push(kLeasesPush, encode_body(push)));
  REQUIRE(frame.ok());
  CHECK(frame->type == "leases");
  LeasesPush back;
  REQUIRE(decode_body(frame->body, back).ok());
  CHECK(back.term == 9);
  CHECK(back.leases == push.leases);
}

TEST_CASE("a malformed leases push is refused with its place and leaves the output alone",
          "[transport][protocol]") {
  LeasesPush out{3, {slim(1)}};
  auto refused = [&](const std::string& body) {
    LeasesPush before = out;
    Status status = decode_body(body, out);
    CHECK(out.term == before.term);
    CHECK(out.leases == before.leases);
    return status.message;
  };
  CHECK(refused("\x80") == "reply body field 'term' is missing");
  BodyWriter no_leases;
  no_leases.add("term", 1);
  CHECK(refused(no_leases.finish()) == "reply body field 'leases' is missing");
  BodyWriter empty;
  empty.add("term", 1);
  empty.key("leases").pack_array(0);
  CHECK(refused(empty.finish()) == "reply body field 'leases' is empty");
  BodyWriter too_many;
  too_many.add("term", 1);
  too_many.key("leases").pack_array(kMaxLeasesPerPush + 1);
  for (std::size_t i = 0; i <= kMaxLeasesPerPush; ++i) too_many.append_packed("\xc0");
  CHECK(refused(too_many.finish()).find("reply body field 'leases'") == 0);

  const std::string shape =
      "reply body field 'leases[0]' is not an array of [id, attempt, kind, queue, class, "
      "payload, timeout_ms]";
  CHECK(refused(leases_body("\x05")) == shape);
  CHECK(refused(leases_body(packed_array([](auto& pk) {
          pk.pack_array(3);
          pk.pack(1);
          pk.pack(1);
          pk.pack(1);
        }))) == shape);
  auto lease = [](std::uint64_t id, const char* kind, int payload_type, std::int64_t timeout) {
    return packed_array([=](BodyWriter::Packer& pk) {
      pk.pack_array(7);
      pk.pack(id);
      pk.pack(1);
      BodyWriter::pack_string(pk, kind);
      BodyWriter::pack_string(pk, "q");
      BodyWriter::pack_string(pk, "C");
      if (payload_type == 0)
        BodyWriter::pack_bytes(pk, "p");
      else
        pk.pack(12);
      pk.pack(timeout);
    });
  };
  CHECK(refused(leases_body(lease(0, "task", 0, 0))) ==
        "reply body field 'leases[0]' has job id 0");
  CHECK(refused(leases_body(lease(4, "juggle", 0, 0))) ==
        "reply body field 'leases[0]' has kind 'juggle', not a job kind");
  CHECK(refused(leases_body(lease(4, "task", 1, 0))).find("reply body field 'leases[0]'") == 0);
  CHECK(refused(leases_body(lease(4, "task", 0, -1))).find("reply body field 'leases[0]'") == 0);
  CHECK(refused(leases_body(lease(4, "task", 0, 1LL << 40))).find("reply body field 'leases[0]'") ==
        0);
  // The same lease well formed decodes.
  LeasesPush good;
  REQUIRE(decode_body(leases_body(lease(4, "task", 0, 10)), good).ok());
  CHECK(good.leases[0].id == 4);
  CHECK(good.leases[0].timeout_ms == 10);
}

TEST_CASE("a reports request survives a round trip", "[transport][protocol]") {
  Reports reports;
  for (JobId id : {7, 8}) {
    Report r;
    r.id = id;
    r.term = 3;
    r.attempt = 1;
    r.outcome = id == 7 ? Outcome::succeeded : Outcome::failed;
    r.output = std::string("\x01\x02", 2);
    r.error = id == 8 ? "boom" : "";
    reports.reports.push_back(r);
  }
  Result<Request> back = decode_request(encode_request(Request{11, reports}));
  REQUIRE(back.ok());
  CHECK(std::string(request_type(back->body)) == "reports");
  const Reports& got = std::get<Reports>(back->body);
  REQUIRE(got.reports.size() == 2);
  CHECK(got.reports[0].id == 7);
  CHECK(got.reports[1].outcome == Outcome::failed);
  CHECK(got.reports[1].error == "boom");
  CHECK(got.reports[0].output == std::string("\x01\x02", 2));
}

TEST_CASE("a malformed reports request is refused with its place", "[transport][protocol]") {
  CHECK(reports_request("\x80").status().message == "request body field 'reports' is missing");
  BodyWriter empty;
  empty.key("reports").pack_array(0);
  CHECK(reports_request(empty.finish()).status().message ==
        "request body field 'reports' is empty");
  BodyWriter not_map;
  not_map.key("reports").pack_array(1);
  not_map.append_packed("\x07");
  CHECK(reports_request(not_map.finish()).status().message.find("'reports[0]'") !=
        std::string::npos);
  BodyWriter no_id;
  BodyWriter item;
  item.add("term", 1).add("attempt", 1).add("outcome", "succeeded");
  no_id.key("reports").pack_array(1);
  no_id.append_packed(item.finish());
  CHECK(reports_request(no_id.finish()).status().message ==
        "request body field 'reports[0].id' is missing");
  BodyWriter extra;
  BodyWriter odd;
  odd.add("id", 1).add("term", 1).add("attempt", 1).add("outcome", "succeeded").add("x", 1);
  extra.key("reports").pack_array(1);
  extra.append_packed(odd.finish());
  CHECK(reports_request(extra.finish()).status().message ==
        "request body field 'reports[0].x' is not known");
  BodyWriter too_many;
  too_many.key("reports").pack_array(kMaxReportsPerMessage + 1);
  for (std::size_t i = 0; i <= kMaxReportsPerMessage; ++i) too_many.append_packed("\x80");
  CHECK(reports_request(too_many.finish()).status().message.find("'reports'") != std::string::npos);
}

TEST_CASE("the batch flags of hello and its answer are written only when set",
          "[transport][protocol]") {
  WorkerHello hello;
  hello.name = "w";
  hello.queues = {"*"};
  Result<Request> plain = decode_request(encode_request(Request{1, hello}));
  REQUIRE(plain.ok());
  CHECK_FALSE(std::get<WorkerHello>(plain->body).batch);
  CHECK(encode_request(Request{1, hello}).find("batch") == std::string::npos);
  hello.batch = true;
  Result<Request> batched = decode_request(encode_request(Request{1, hello}));
  REQUIRE(batched.ok());
  CHECK(std::get<WorkerHello>(batched->body).batch);

  WorkerReply old_node;
  REQUIRE(decode_body(encode_body(WorkerReply{500}), old_node).ok());
  CHECK_FALSE(old_node.batch);
  CHECK(encode_body(WorkerReply{500}).find("batch") == std::string::npos);
  WorkerReply new_node;
  REQUIRE(decode_body(encode_body(WorkerReply{500, true}), new_node).ok());
  CHECK(new_node.batch);
  BodyWriter wrong;
  wrong.add("heartbeat_ms", 5).add("batch", 1);
  CHECK(decode_body(wrong.finish(), new_node).message.find("'batch'") != std::string::npos);
}

}  // namespace desaster::protocol
