// desasterctl's blacklist, resources and queue --dedup arguments.
#include <catch2/catch.hpp>

#include "ui/desasterctl/ctl_args.hpp"

using namespace desaster;

namespace {

CtlArgs parse(const std::vector<std::string>& args) {
  auto a = parse_ctl_args(args);
  INFO(a.status().message);
  REQUIRE(a.ok());
  return *a;
}

std::string error_of(const std::vector<std::string>& args) {
  auto a = parse_ctl_args(args);
  REQUIRE_FALSE(a.ok());
  return a.status().message;
}

}  // namespace

TEST_CASE("blacklist list takes an optional queue and a search", "[ctl][monitor]") {
  CtlArgs all = parse({"blacklist", "list", "--json"});
  CHECK(all.command == "blacklist");
  CHECK(all.json);
  CHECK(all.blacklist.action == protocol::BlacklistAction::list);
  CHECK(all.blacklist.queue.empty());
  CtlArgs one = parse({"blacklist", "list", "mail", "--search", "cust", "--limit", "5"});
  CHECK(one.blacklist.queue == "mail");
  CHECK(one.blacklist.search == "cust");
  CHECK(one.blacklist.limit == 5);
}

TEST_CASE("blacklist clear takes an optional queue and identity", "[ctl][monitor]") {
  CHECK(parse({"blacklist", "clear"}).blacklist.queue.empty());
  CtlArgs one = parse({"blacklist", "clear", "mail", "key:order-7"});
  CHECK(one.blacklist.action == protocol::BlacklistAction::clear);
  CHECK(one.blacklist.queue == "mail");
  CHECK(one.blacklist.identity == "key:order-7");
}

TEST_CASE("blacklist window and queue create --dedup take a duration", "[ctl][monitor]") {
  CtlArgs w = parse({"blacklist", "window", "mail", "10m"});
  CHECK(w.blacklist.action == protocol::BlacklistAction::window);
  CHECK(w.blacklist.window_ms == 600'000);
  CHECK(parse({"blacklist", "window", "mail", "0"}).blacklist.window_ms == 0);
  CtlArgs q = parse({"queue", "create", "mail", "--dedup", "10m"});
  REQUIRE(q.queue.config);
  CHECK(q.queue.config->dedup_window_ms == 600'000);
}

TEST_CASE("resources takes --since and --series", "[ctl][monitor]") {
  CtlArgs r = parse({"resources", "--since", "10m", "--series", "seconds", "--json"});
  CHECK(r.command == "resources");
  CHECK(r.resources.since_ms == 600'000);
  CHECK(r.resources.series == "seconds");
  CHECK(parse({"resources"}).resources.since_ms == 0);
}

TEST_CASE("bad blacklist and resources usage is refused with what is wrong", "[ctl][monitor]") {
  CHECK(error_of({"blacklist"}).find("which action") != std::string::npos);
  CHECK(error_of({"blacklist", "burn"}).find("unknown action 'burn'") != std::string::npos);
  CHECK(error_of({"blacklist", "window", "mail"}).find("give a queue and a duration") !=
        std::string::npos);
  CHECK(error_of({"blacklist", "window", "mail", "soon"}).find("'soon' is not a duration") !=
        std::string::npos);
  CHECK(error_of({"blacklist", "clear", "mail", "--search", "x"}).find("for list only") !=
        std::string::npos);
  CHECK(error_of({"blacklist", "list", "a", "b"}).find("at most one queue") != std::string::npos);
  CHECK(error_of({"blacklist", "list", "bad queue"}).find("character outside") !=
        std::string::npos);
  CHECK(error_of({"blacklist", "list", "--limit", "0"}).find("--limit") != std::string::npos);
  CHECK(error_of({"resources", "--since"}).find("--since needs a value") != std::string::npos);
  CHECK(error_of({"resources", "--series", "hours"}).find("not seconds, minutes or none") !=
        std::string::npos);
  CHECK(error_of({"resources", "--fast"}).find("unknown option '--fast'") != std::string::npos);
  CHECK(error_of({"queue", "create", "q", "--dedup", "soon"}).find("--dedup") != std::string::npos);
}
