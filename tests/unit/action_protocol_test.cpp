// The "action" request, its reply and the "cancel" push on the wire: round
// trips, and malformed or contradictory input refused with the field named.
#include <catch2/catch.hpp>

#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/messages.hpp"

using namespace desaster;
using namespace desaster::protocol;

namespace {

std::string frame_of(const BodyWriter& body) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(4);
  pk.pack(kProtocolVersion);
  pk.pack(7);
  BodyWriter::pack_string(pk, "action");
  std::string b = body.finish();
  buffer.write(b.data(), b.size());
  return {buffer.data(), buffer.size()};
}

std::string error_of(const BodyWriter& body) {
  Result<Request> r = decode_request(frame_of(body));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code == ErrorCode::bad_request);
  return r.status().message;
}

JobAction round_trip(const JobAction& action) {
  std::string bytes = encode_request({3, action});
  Result<Request> decoded = decode_request(bytes);
  INFO(decoded.status().message);
  REQUIRE(decoded.ok());
  REQUIRE(std::holds_alternative<JobAction>(decoded->body));
  CHECK(encode_request(*decoded) == bytes);
  return std::get<JobAction>(decoded->body);
}

}  // namespace

TEST_CASE("every job action survives a round trip", "[transport][protocol][actions]") {
  JobAction kill;
  kill.ids = {1, 0xffffffffffffffff};
  CHECK(round_trip(kill).ids == kill.ids);

  JobAction relocate;
  relocate.action = JobActionKind::relocate;
  relocate.all = true;
  relocate.query_queue = "old";
  relocate.query_state = JobState::queued;
  relocate.queue = "new";
  relocate.node = "";
  JobAction r = round_trip(relocate);
  CHECK(r.all);
  CHECK(r.query_queue == "old");
  CHECK(r.query_state == JobState::queued);
  CHECK(r.queue == std::optional<std::string>("new"));
  CHECK(r.node == std::optional<std::string>(""));  // present: unpin

  JobAction rerole;
  rerole.action = JobActionKind::rerole;
  rerole.ids = {5};
  rerole.job_class = "C";
  rerole.priority = -4;
  rerole.flow = "f";
  rerole.queue = "q";
  JobAction rr = round_trip(rerole);
  CHECK(rr.job_class == rerole.job_class);
  CHECK(rr.priority == rerole.priority);
  CHECK(rr.flow == rerole.flow);

  JobAction at;
  at.action = JobActionKind::reschedule;
  at.ids = {9};
  at.run_at = 1'800'000'000'000;
  CHECK(round_trip(at).run_at == at.run_at);
  at.run_at = 0;
  at.in_ms = 30'000;
  CHECK(round_trip(at).in_ms == 30'000);

  for (JobActionKind kind : {JobActionKind::retry, JobActionKind::remove}) {
    JobAction plain;
    plain.action = kind;
    plain.all = true;
    CHECK(round_trip(plain).action == kind);
  }
}

TEST_CASE("an action request must select by ids or by all, not both or neither",
          "[transport][protocol][actions]") {
  BodyWriter neither;
  neither.add("action", "kill");
  CHECK_THAT(error_of(neither), Catch::Contains("field 'ids' is missing or empty"));

  BodyWriter both_clean;
  both_clean.add("action", "kill").add("all", true);
  auto& pk = both_clean.key("ids");
  pk.pack_array(1);
  pk.pack(1);
  CHECK_THAT(error_of(both_clean), Catch::Contains("'ids' cannot go with 'all'"));

  BodyWriter query_without_all;
  query_without_all.add("action", "retry");
  auto& ids = query_without_all.key("ids");
  ids.pack_array(1);
  ids.pack(1);
  BodyWriter query;
  query.add("queue", "q");
  query_without_all.add_packed("query", query.finish());
  CHECK_THAT(error_of(query_without_all), Catch::Contains("'query' needs all: true"));
}

TEST_CASE("an action request refuses fields its action does not use or lacks what it needs",
          "[transport][protocol][actions]") {
  BodyWriter kill_priority;
  kill_priority.add("action", "kill").add("all", true).add("priority", 3);
  CHECK_THAT(error_of(kill_priority), Catch::Contains("'priority' is not used by kill"));

  BodyWriter relocate_nowhere;
  relocate_nowhere.add("action", "relocate").add("all", true);
  CHECK_THAT(error_of(relocate_nowhere), Catch::Contains("is needed to relocate"));

  BodyWriter rerole_nothing;
  rerole_nothing.add("action", "rerole").add("all", true);
  CHECK_THAT(error_of(rerole_nothing), Catch::Contains("is needed to re-role"));

  BodyWriter reschedule_both;
  reschedule_both.add("action", "reschedule").add("all", true).add("run_at", 5).add("in_ms", 5);
  CHECK_THAT(error_of(reschedule_both), Catch::Contains("one of them"));

  BodyWriter unknown_action;
  unknown_action.add("action", "explode").add("all", true);
  CHECK_THAT(error_of(unknown_action), Catch::Contains("'action' has unknown value 'explode'"));

  BodyWriter bad_state;
  BodyWriter q;
  q.add("state", "sleepy");
  bad_state.add("action", "kill").add("all", true).add_packed("query", q.finish());
  CHECK_THAT(error_of(bad_state), Catch::Contains("'query.state' has unknown value"));

  BodyWriter stranger;
  stranger.add("action", "kill").add("all", true).add("colour", "red");
  CHECK_THAT(error_of(stranger), Catch::Contains("colour"));

  BodyWriter wide_priority;
  wide_priority.add("action", "rerole").add("all", true).add("priority", std::int64_t{1} << 40);
  CHECK_THAT(error_of(wide_priority), Catch::Contains("'priority' must be an integer"));
}

TEST_CASE("the action reply and the cancel push survive a round trip",
          "[transport][protocol][actions]") {
  JobActionReply reply;
  reply.selected = 10;
  reply.done = 6;
  reply.already_final = 2;
  reply.not_found = 1;
  reply.refused = 1;
  reply.errors = {{7, Status::error(ErrorCode::conflict, "job 7 is killed: already final")},
                  {8, Status::error(ErrorCode::not_found, "job 8 not found")}};
  reply.errors_left_out = 2;
  JobActionReply out;
  REQUIRE(decode_body(encode_body(reply), out).ok());
  CHECK(out.selected == 10);
  CHECK(out.done == 6);
  CHECK(out.already_final == 2);
  CHECK(out.not_found == 1);
  CHECK(out.refused == 1);
  CHECK(out.errors_left_out == 2);
  REQUIRE(out.errors.size() == 2);
  CHECK(out.errors[1].id == 8);
  CHECK(out.errors[1].status.code == ErrorCode::not_found);
  CHECK(out.errors[0].status.message == reply.errors[0].status.message);

  CancelPush push{0x0123456789abcdef, 4, 2};
  CancelPush back;
  REQUIRE(decode_body(encode_body(push), back).ok());
  CHECK(back.id == push.id);
  CHECK(back.term == 4);
  CHECK(back.attempt == 2);
}

TEST_CASE("malformed action replies and cancel pushes are refused and leave the output alone",
          "[transport][protocol][actions]") {
  JobActionReply out;
  out.done = 99;
  CHECK_FALSE(decode_body(std::string("\x91\x01", 2), out).ok());  // not a map
  BodyWriter no_done;
  no_done.add("selected", 1);
  CHECK_THAT(decode_body(no_done.finish(), out).message, Catch::Contains("'done' is missing"));
  BodyWriter ok_error;
  ok_error.add("done", 0);
  auto& errors = ok_error.key("errors");
  errors.pack_array(1);
  BodyWriter item;
  item.add("id", 1).add("code", "ok").add("message", "");
  ok_error.append_packed(item.finish());
  CHECK_THAT(decode_body(ok_error.finish(), out).message, Catch::Contains("cannot be ok"));
  CHECK(out.done == 99);

  CancelPush push;
  BodyWriter no_term;
  no_term.add("id", 1).add("attempt", 1);
  CHECK_THAT(decode_body(no_term.finish(), push).message, Catch::Contains("'term' is missing"));
  BodyWriter negative;
  negative.add("id", -1).add("term", 1).add("attempt", 1);
  CHECK_FALSE(decode_body(negative.finish(), push).ok());
}
