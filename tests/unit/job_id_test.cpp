// Job ids: time-ordered, never repeating on one node, printable as hex.
#include "core/model/job_id.hpp"

#include <catch2/catch.hpp>

using namespace desaster;

namespace {
constexpr TimeMs kNow = kJobIdEpochMs + 1'000'000;
}

TEST_CASE("ids from one generator strictly increase", "[state][job_id]") {
  JobIdGenerator gen(7);
  JobId previous = 0;
  for (TimeMs t = kNow; t < kNow + 50; t += 7) {
    for (int i = 0; i < 100; ++i) {
      JobId id = gen.next(t);
      REQUIRE(id > previous);
      previous = id;
    }
  }
}

TEST_CASE("an id carries the millisecond it was made in", "[state][job_id]") {
  JobIdGenerator gen(3);
  CHECK(job_id_time(gen.next(kNow)) == kNow);
  CHECK(job_id_time(gen.next(kNow + 5)) == kNow + 5);
}

TEST_CASE("ids of different nodes in the same millisecond differ", "[state][job_id]") {
  JobIdGenerator a(1);
  JobIdGenerator b(2);
  CHECK(a.next(kNow) != b.next(kNow));
}

TEST_CASE("sequence overflow borrows the next millisecond", "[state][job_id]") {
  JobIdGenerator gen(0);
  JobId last = 0;
  for (int i = 0; i < 4096; ++i) {
    last = gen.next(kNow);
    REQUIRE(job_id_time(last) == kNow);
  }
  JobId borrowed = gen.next(kNow);
  CHECK(job_id_time(borrowed) == kNow + 1);
  CHECK(borrowed > last);
  // The real next millisecond continues after the borrowed id.
  CHECK(gen.next(kNow + 1) > borrowed);
}

TEST_CASE("a clock stepping back does not make ids go backwards", "[state][job_id]") {
  JobIdGenerator gen(5);
  JobId before = gen.next(kNow);
  JobId after = gen.next(kNow - 10'000);
  CHECK(after > before);
  CHECK(job_id_time(after) == kNow);
}

TEST_CASE("observe keeps a restarted generator above recovered ids", "[state][job_id]") {
  JobIdGenerator old_node(9);
  JobId recovered = 0;
  for (int i = 0; i < 10; ++i) recovered = old_node.next(kNow + 100);

  JobIdGenerator restarted(9);
  restarted.observe(recovered);
  CHECK(restarted.next(kNow) > recovered);  // clock behind the recovered ids
  CHECK(restarted.next(kNow + 100) > recovered);
}

TEST_CASE("an id observed in the current millisecond is not undercut", "[state][job_id]") {
  JobIdGenerator gen(1);
  JobId own = gen.next(kNow);
  JobIdGenerator other(1000);
  JobId seen = 0;
  for (int i = 0; i < 5; ++i) seen = other.next(kNow);
  REQUIRE(job_id_time(seen) == job_id_time(own));
  gen.observe(seen);
  CHECK(gen.next(kNow) > seen);
}

TEST_CASE("observing an older id changes nothing", "[state][job_id]") {
  JobIdGenerator gen(4);
  JobIdGenerator twin(4);
  JobId first = gen.next(kNow);
  twin.next(kNow);
  gen.observe(first - (JobId{1} << 30));
  CHECK(gen.next(kNow) == twin.next(kNow));
}

TEST_CASE("ids format as 16 hex digits that sort like the numbers", "[state][job_id]") {
  CHECK(format_job_id(0) == "0000000000000000");
  CHECK(format_job_id(0x1a2b) == "0000000000001a2b");
  CHECK(format_job_id(~JobId{0}) == "ffffffffffffffff");
  JobIdGenerator gen(2);
  std::string a = format_job_id(gen.next(kNow));
  std::string b = format_job_id(gen.next(kNow + 1));
  CHECK(a < b);
}

TEST_CASE("format and parse round-trip", "[state][job_id]") {
  JobIdGenerator gen(77);
  for (int i = 0; i < 20; ++i) {
    JobId id = gen.next(kNow + i * 13);
    auto parsed = parse_job_id(format_job_id(id));
    REQUIRE(parsed.has_value());
    CHECK(*parsed == id);
  }
  CHECK(parse_job_id("ABCDEF") == JobId{0xabcdef});
  CHECK(parse_job_id("1") == JobId{1});
}

TEST_CASE("parse rejects what is not a job id", "[state][job_id]") {
  CHECK_FALSE(parse_job_id(""));
  CHECK_FALSE(parse_job_id("00000000000000001"));  // 17 digits
  CHECK_FALSE(parse_job_id("12g4"));
  CHECK_FALSE(parse_job_id("-1"));
  CHECK_FALSE(parse_job_id("0x12"));
  CHECK_FALSE(parse_job_id(" 12"));
}
