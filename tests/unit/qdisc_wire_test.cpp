// The wire parts of queueing disciplines and ETAs: the "qdisc" request and
// reply, flow and eta in job maps, the qdisc kind in the queues reply.
#include <catch2/catch.hpp>

#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/envelope.hpp"
#include "transport/protocol/job_wire.hpp"
#include "transport/protocol/messages.hpp"
#include "transport/protocol/qdisc_wire.hpp"
#include "transport/protocol/replies.hpp"

using namespace desaster;
using namespace desaster::protocol;

namespace {

QdiscConfig htb_config() {
  QdiscConfig c;
  c.kind = QdiscKind::htb;
  c.classes = {{"root", "", 20'000, 30'000, 2, 3}, {"mail", "root", 10'000, 0, 1, 1}};
  c.rules = {{"q", "Mail*", "acme", "mail"}};
  c.default_class = "mail";
  return c;
}

std::string request_frame(const BodyWriter& body) {
  return encode_envelope(42, "qdisc", body.finish());
}

std::string decode_error(const std::string& bytes) {
  Result<Request> result = decode_request(bytes);
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code == ErrorCode::bad_request);
  return result.status().message;
}

}  // namespace

TEST_CASE("a qdisc set request keeps the whole htb tree", "[transport][protocol][qdisc]") {
  Request request{7, QdiscCommand{QdiscAction::set, "q", htb_config()}};
  Result<Request> decoded = decode_request(encode_request(request));
  REQUIRE(decoded.ok());
  const auto& command = std::get<QdiscCommand>(decoded->body);
  CHECK(command.action == QdiscAction::set);
  CHECK(command.queue == "q");
  REQUIRE(command.config);
  CHECK(*command.config == htb_config());
}

TEST_CASE("a malformed qdisc request is refused by field", "[transport][protocol][qdisc]") {
  BodyWriter no_config;
  no_config.add("action", "set").add("queue", "q");
  CHECK(decode_error(request_frame(no_config)) == "request body field 'config' is missing");

  BodyWriter bad_action;
  bad_action.add("action", "frob").add("queue", "q");
  CHECK(decode_error(request_frame(bad_action)) ==
        "request body field 'action' has unknown value 'frob'");

  BodyWriter bad_kind_config;
  bad_kind_config.add("kind", "lifo");
  BodyWriter bad_kind;
  bad_kind.add("action", "set").add("queue", "q").add_packed("config", bad_kind_config.finish());
  CHECK(decode_error(request_frame(bad_kind)) ==
        "request body field 'config.kind' has unknown value 'lifo'");

  BodyWriter class_item;
  class_item.add("name", "a").add("rate_milli", "fast");
  BodyWriter config;
  config.add("kind", "htb");
  config.key("classes").pack_array(1);
  config.append_packed(class_item.finish());
  BodyWriter bad_rate;
  bad_rate.add("action", "set").add("queue", "q").add_packed("config", config.finish());
  CHECK(decode_error(request_frame(bad_rate)).find("config.classes[0].rate_milli") !=
        std::string::npos);

  BodyWriter unknown;
  unknown.add("kind", "sfq").add("speed", 3);
  BodyWriter with_unknown;
  with_unknown.add("action", "set").add("queue", "q").add_packed("config", unknown.finish());
  CHECK(decode_error(request_frame(with_unknown)) ==
        "request body field 'config.speed' is not known");

  BodyWriter no_queue;
  no_queue.add("action", "show");
  CHECK(decode_error(request_frame(no_queue)) == "request body field 'queue' is missing");
}

TEST_CASE("the qdisc reply round trips with its accounting", "[transport][protocol][qdisc]") {
  QdiscReply reply;
  reply.queue = "q";
  reply.config = htb_config();
  reply.jobs = 12;
  reply.running = 3;
  reply.workers = 4;
  reply.next_eligible = 1'750'000'000'500;
  msgpack::sbuffer accounting;
  msgpack::packer<msgpack::sbuffer>(accounting).pack(std::vector<int>{1, 2, 3});
  reply.accounting.assign(accounting.data(), accounting.size());
  QdiscReply out;
  REQUIRE(decode_body(encode_body(reply), out).ok());
  CHECK(out.queue == "q");
  CHECK(out.config == htb_config());
  CHECK(out.jobs == 12);
  CHECK(out.running == 3);
  CHECK(out.workers == 4);
  CHECK(out.next_eligible == reply.next_eligible);
  CHECK(out.accounting == reply.accounting);

  QdiscReply bare;
  REQUIRE(decode_body(encode_body(QdiscReply{}), bare).ok());
  CHECK_FALSE(bare.next_eligible);
  CHECK(bare.accounting.empty());
  CHECK_FALSE(decode_body("\x81\xa5queue\x01", bare).ok());  // queue is not a string
}

TEST_CASE("job maps carry the flow, and an eta when the node knows one",
          "[transport][protocol][qdisc]") {
  Job job;
  job.id = 5;
  job.queue = "q";
  job.flow = "acme";
  GetReply get{job, 0, 0, JobEta{1000, 2500}};
  GetReply got;
  REQUIRE(decode_body(encode_body(get), got).ok());
  CHECK(got.job.flow == "acme");
  REQUIRE(got.eta);
  CHECK(*got.eta == JobEta{1000, 2500});

  ListReply list;
  list.jobs = {job, job};
  list.etas = {std::nullopt, JobEta{7, 9}};
  ListReply listed;
  REQUIRE(decode_body(encode_body(list), listed).ok());
  REQUIRE(listed.etas.size() == 2);
  CHECK_FALSE(listed.etas[0]);
  CHECK(listed.etas[1] == JobEta{7, 9});

  WaitReply wait;
  wait.jobs = {std::nullopt, job};
  wait.etas = {std::nullopt, JobEta{1, 2}};
  WaitReply waited;
  REQUIRE(decode_body(encode_body(wait), waited).ok());
  REQUIRE(waited.etas.size() == 2);
  CHECK(waited.etas[1] == JobEta{1, 2});

  // An eta without its finish is refused with its place.
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_map(2);
  pk.pack("id");
  pk.pack(5);
  pk.pack("eta");
  pk.pack_map(1);
  pk.pack("start_ms");
  pk.pack(1);
  msgpack::object_handle handle = msgpack::unpack(buffer.data(), buffer.size());
  Job out;
  std::optional<JobEta> eta;
  Status s = unpack_job_map(handle.get(), out, "reply body", "job", &eta);
  REQUIRE_FALSE(s.ok());
  CHECK(s.message.find("eta.finish_ms") != std::string::npos);
}

TEST_CASE("the queues reply names each queue's discipline", "[transport][protocol][qdisc]") {
  QueuesReply reply;
  QueueSummary q;
  q.name = "mail";
  q.qdisc = "sfq";
  reply.queues.push_back(q);
  QueuesReply out;
  REQUIRE(decode_body(encode_body(reply), out).ok());
  REQUIRE(out.queues.size() == 1);
  CHECK(out.queues[0].qdisc == "sfq");
}
