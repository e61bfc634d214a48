// The query part of the client protocol: "list" with every query field,
// "groups", their replies, and malformed input refused by field name.
#include <catch2/catch.hpp>

#include <msgpack.hpp>

#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/messages.hpp"
#include "transport/protocol/replies.hpp"

using namespace desaster;
using namespace desaster::protocol;

namespace {

List full_list() {
  List b{"mail", JobState::dead, 500, 20};
  b.states = {JobState::failed, JobState::killed};
  b.search = "Timeout";
  b.job_class = "Mailer";
  b.node = "node-a";
  b.flow = "customer-7";
  b.attempts_min = 2;
  b.attempts_max = 9;
  b.created = {100, 200};
  b.started = {-5, 5};
  b.finished = {7, 8};
  b.run_at = {1, 2};
  b.sort = SortColumn::finished_at;
  b.descending = true;
  b.cursor = "finished_at.d.7.0000000000000001.";
  return b;
}

std::string list_frame(const BodyWriter& body, std::string_view type = "list") {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(4);
  pk.pack(kProtocolVersion);
  pk.pack(std::uint64_t{42});
  BodyWriter::pack_string(pk, type);
  std::string bytes = body.finish();
  buffer.write(bytes.data(), bytes.size());
  return {buffer.data(), buffer.size()};
}

std::string decode_error(const std::string& bytes) {
  Result<Request> result = decode_request(bytes);
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code == ErrorCode::bad_request);
  return result.status().message;
}

}  // namespace

TEST_CASE("a list request keeps every query field through a round trip", "[protocol][query]") {
  std::string bytes = encode_request({7, full_list()});
  Result<Request> decoded = decode_request(bytes);
  REQUIRE(decoded.ok());
  const List& b = std::get<List>(decoded->body);
  CHECK(b.states == std::vector<JobState>{JobState::failed, JobState::killed});
  CHECK(b.search == "Timeout");
  CHECK(b.job_class == "Mailer");
  CHECK(b.attempts_max == 9);
  CHECK(b.started.from == -5);
  CHECK(b.sort == SortColumn::finished_at);
  CHECK(b.descending);
  CHECK(encode_request(*decoded) == bytes);
}

TEST_CASE("a plain list request carries none of the query fields", "[protocol][query]") {
  // So a new client's plain list still reads on a node that predates queries.
  std::string bytes = encode_request({7, List{"mail", std::nullopt, 0, 10}});
  for (const char* field : {"states", "search", "sort", "desc", "cursor", "attempts_max"})
    CHECK(bytes.find(field) == std::string::npos);
}

TEST_CASE("a groups request round-trips and needs its by", "[protocol][query]") {
  std::string bytes = encode_request({3, Groups{GroupBy::error, {JobState::dead}}});
  Result<Request> decoded = decode_request(bytes);
  REQUIRE(decoded.ok());
  CHECK(std::get<Groups>(decoded->body).by == GroupBy::error);
  CHECK(encode_request(*decoded) == bytes);
  CHECK(decode_error(list_frame(BodyWriter{}, "groups")) == "request body field 'by' is missing");
  BodyWriter by;
  by.add("by", "color");
  CHECK(decode_error(list_frame(by, "groups")) ==
        "request body field 'by' has unknown value 'color'");
}

TEST_CASE("malformed query fields are refused by name", "[protocol][query]") {
  BodyWriter states;
  states.add("states", std::vector<std::string>{"dead", "zombie"});
  CHECK(decode_error(list_frame(states)) ==
        "request body field 'states[1]' is not a job state (scheduled, queued, running, "
        "succeeded, failed, dead, killed)");
  BodyWriter many;
  many.add("states", std::vector<std::string>(8, "dead"));
  CHECK(decode_error(list_frame(many)).find("field 'states'") != std::string::npos);
  BodyWriter sort;
  sort.add("sort", "color");
  CHECK(decode_error(list_frame(sort)) == "request body field 'sort' has unknown value 'color'");
  BodyWriter attempts;
  attempts.add("attempts_max", -1);
  CHECK(decode_error(list_frame(attempts)).find("field 'attempts_max' must be an integer") !=
        std::string::npos);
  BodyWriter created;
  created.add("created_after", "yesterday");
  CHECK(decode_error(list_frame(created)).find("field 'created_after'") != std::string::npos);
  BodyWriter desc;
  desc.add("desc", 1);
  CHECK(decode_error(list_frame(desc)).find("field 'desc'") != std::string::npos);
  BodyWriter cursor;
  cursor.add("cursor", 5);
  CHECK(decode_error(list_frame(cursor)).find("field 'cursor'") != std::string::npos);
  BodyWriter unknown;
  unknown.add("sort_by", "id");
  CHECK(decode_error(list_frame(unknown)) == "request body field 'sort_by' is not known");
}

TEST_CASE("list and groups replies carry cursor, exactness and the log position",
          "[protocol][query]") {
  ListReply list;
  list.next = 3;
  list.total = 9;
  list.cursor = "id.a.0.0000000000000003.";
  list.total_exact = false;
  list.index = 77;
  list.term = 4;
  ListReply back;
  REQUIRE(decode_body(encode_body(list), back).ok());
  CHECK(back.cursor == list.cursor);
  CHECK_FALSE(back.total_exact);
  CHECK(back.index == 77);
  CHECK(back.term == 4);

  GroupsReply groups{{{"Timeout after <n> ms", 12, 0xabc}, {"mail", 1, 2}}, 5, 6};
  GroupsReply got;
  REQUIRE(decode_body(encode_body(groups), got).ok());
  REQUIRE(got.groups.size() == 2);
  CHECK(got.groups[0].key == "Timeout after <n> ms");
  CHECK(got.groups[0].count == 12);
  CHECK(got.groups[0].example == 0xabc);
  CHECK(got.index == 5);

  BodyWriter bad;
  bad.add("groups", 3);
  CHECK(decode_body(bad.finish(), got).message.find("field 'groups'") != std::string::npos);
  BodyWriter bad_item;
  BodyWriter::Packer& pk = bad_item.key("groups");
  pk.pack_array(1);
  pk.pack_map(1);
  BodyWriter::pack_string(pk, "count");
  BodyWriter::pack_string(pk, "many");
  CHECK(decode_body(bad_item.finish(), got).message.find("groups[0]") != std::string::npos);
  CHECK(got.groups.size() == 2);  // left alone on error
}
