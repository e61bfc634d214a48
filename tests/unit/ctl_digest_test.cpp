// desasterctl digest: one hash of a committed State, equal for equal States
// however they were reached, different once an op changes anything.
#include <catch2/catch.hpp>

#include "tests/unit/state_test_support.hpp"
#include "ui/desasterctl/ctl_args.hpp"
#include "ui/desasterctl/ctl_digest.hpp"

using namespace desaster;
using namespace desaster::testing;

TEST_CASE("desasterctl digest takes --json and nothing else", "[ctl][feed]") {
  auto plain = parse_ctl_args({"digest"});
  REQUIRE(plain.ok());
  CHECK(plain->command == "digest");
  auto extra = parse_ctl_args({"digest", "now"});
  REQUIRE_FALSE(extra.ok());
  CHECK_THAT(extra.status().message, Catch::Contains("unexpected argument 'now'"));
}

TEST_CASE("a state replayed and the same state restored from its snapshot digest alike",
          "[ctl][feed]") {
  State replayed;
  replayed.apply(EnqueueOp{{make_job(0x10, "mail"), make_job(0x11, "mail", 5)}},
                 ApplyContext{1, 1, kT0});
  replayed.apply(EnqueueOp{{make_job(0x12, "web")}}, ApplyContext{1, 2, kT0 + 10});
  Result<State> restored = State::decode_snapshot(replayed.encode_snapshot());
  REQUIRE(restored.ok());
  const StateDigest a = digest_of(replayed, 2, 1);
  const StateDigest b = digest_of(*restored, 2, 1);
  CHECK(a.digest == b.digest);
  CHECK(a.jobs == 3);

  // One more op, and the hash moves.
  replayed.apply(EnqueueOp{{make_job(0x13, "web")}}, ApplyContext{1, 3, kT0 + 20});
  CHECK(digest_of(replayed, 3, 1).digest != a.digest);

  CHECK(format_digest(a, false).rfind("index 2 term 1 jobs 3 digest ", 0) == 0);
  CHECK(format_digest(a, false).size() == std::string("index 2 term 1 jobs 3 digest ").size() + 16);
  CHECK_THAT(format_digest(a, true),
             Catch::StartsWith("{\"index\":2,\"term\":1,\"jobs\":3,\"digest\":\""));
}
