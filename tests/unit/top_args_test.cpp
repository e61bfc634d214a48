// desaster-top's command line.
#include <catch2/catch.hpp>

#include "ui/top/top_args.hpp"

using namespace desaster::top;

TEST_CASE("top: flags like desasterctl's, with a delay, --poll and --once", "[top][args]") {
  auto a = parse_top_args({"-c", "10.0.0.5", "-k", "secret", "--delay", "2", "--poll", "-b"});
  REQUIRE(a.ok());
  CHECK(a->endpoint == "tcp://10.0.0.5:2691");
  CHECK(a->group_key == "secret");
  CHECK(a->delay_ms == 2000);
  CHECK(a->poll);
  CHECK(a->once);
  auto b = parse_top_args({"-c", "127.0.0.1:3000", "--once", "--size", "80x24"});
  REQUIRE(b.ok());
  CHECK(b->endpoint == "tcp://127.0.0.1:3000");
  CHECK(b->once_width == 80);
  CHECK(b->once_height == 24);
  auto d = parse_top_args({});
  REQUIRE(d.ok());
  CHECK(d->endpoint == "tcp://127.0.0.1:2691");
  CHECK(d->delay_ms == 1000);
  CHECK_FALSE(d->poll);
}

TEST_CASE("top: bad flags say what was wrong", "[top][args]") {
  auto missing = parse_top_args({"-c"});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message == "-c needs a value");
  CHECK_FALSE(parse_top_args({"--delay", "0"}).ok());
  CHECK_FALSE(parse_top_args({"--delay", "soon"}).ok());
  CHECK_FALSE(parse_top_args({"--size", "80"}).ok());
  CHECK_FALSE(parse_top_args({"--size", "10x5"}).ok());
  CHECK_FALSE(parse_top_args({"--size", "99999999999999999999x30"}).ok());
  auto unknown = parse_top_args({"--frobnicate"});
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().message.find("--frobnicate") != std::string::npos);
  auto help = parse_top_args({"-h"});
  REQUIRE(help.ok());
  CHECK(help->help);
  CHECK(top_help_text().find("--poll") != std::string::npos);
}

TEST_CASE("top: --json is a --once run printing JSON", "[top][args]") {
  auto a = parse_top_args({"--json"});
  REQUIRE(a.ok());
  CHECK(a->json);
  CHECK(a->once);
}
