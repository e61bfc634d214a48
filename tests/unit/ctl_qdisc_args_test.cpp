// desasterctl qdisc show|set and enqueue --flow: parsing only.
#include <catch2/catch.hpp>

#include "ui/desasterctl/ctl_args.hpp"

using namespace desaster;

namespace {

std::string error_of(const std::vector<std::string>& args) {
  auto a = parse_ctl_args(args);
  REQUIRE_FALSE(a.ok());
  CHECK(a.status().code == ErrorCode::bad_request);
  return a.status().message;
}

}  // namespace

TEST_CASE("qdisc show and the simple disciplines parse", "[ctl][qdisc]") {
  auto show = parse_ctl_args({"qdisc", "show", "mail"});
  REQUIRE(show.ok());
  CHECK(show->command == "qdisc");
  CHECK(show->qdisc.action == protocol::QdiscAction::show);
  CHECK(show->qdisc.queue == "mail");

  auto fifo = parse_ctl_args({"qdisc", "set", "mail", "fifo"});
  REQUIRE(fifo.ok());
  REQUIRE(fifo->qdisc.config);
  CHECK(fifo->qdisc.config->kind == QdiscKind::fifo);

  auto aging = parse_ctl_args({"qdisc", "set", "mail", "priority", "--aging", "30s"});
  REQUIRE(aging.ok());
  CHECK(aging->qdisc.config->kind == QdiscKind::priority);
  CHECK(aging->qdisc.config->aging_ms == 30'000);

  auto fair = parse_ctl_args({"--json", "qdisc", "set", "mail", "sfq", "--quantum", "4"});
  REQUIRE(fair.ok());
  CHECK(fair->json);
  CHECK(fair->qdisc.config->quantum == 4);
}

TEST_CASE("qdisc set htb builds the tree from --class, --rule and --default", "[ctl][qdisc]") {
  auto a =
      parse_ctl_args({"qdisc", "set", "q", "htb", "--class", "root=20", "--class",
                      "mail@root=10/20,burst=5", "--class", "slow@root=0.5/1.25,cburst=2", "--rule",
                      "mail:class=Mail*,flow=acme", "--rule", "slow:queue=q", "--default", "slow"});
  INFO((a.ok() ? "" : a.status().message));
  REQUIRE(a.ok());
  const QdiscConfig& c = *a->qdisc.config;
  CHECK(c.kind == QdiscKind::htb);
  REQUIRE(c.classes.size() == 3);
  CHECK(c.classes[0] == HtbClass{"root", "", 20'000, 0, 1, 1});
  CHECK(c.classes[1] == HtbClass{"mail", "root", 10'000, 20'000, 5, 1});
  CHECK(c.classes[2] == HtbClass{"slow", "root", 500, 1'250, 1, 2});
  REQUIRE(c.rules.size() == 2);
  CHECK(c.rules[0] == HtbRule{"", "Mail*", "acme", "mail"});
  CHECK(c.rules[1] == HtbRule{"q", "", "", "slow"});
  CHECK(c.default_class == "slow");
}

TEST_CASE("bad qdisc usage is refused with a message that says what is wrong", "[ctl][qdisc]") {
  CHECK(error_of({"qdisc"}) == "qdisc: show or set? (desasterctl qdisc show QUEUE)");
  CHECK(error_of({"qdisc", "show"}) == "qdisc show: which queue?");
  CHECK(error_of({"qdisc", "show", "q", "extra"}) == "qdisc show: unexpected argument 'extra'");
  CHECK(error_of({"qdisc", "set", "q"}) ==
        "qdisc set: which discipline? (fifo, priority, sfq, htb)");
  CHECK(error_of({"qdisc", "set", "q", "lifo"}) ==
        "qdisc set: 'lifo' is not one of fifo, priority, sfq, htb");
  CHECK(error_of({"qdisc", "set", "q", "fifo", "--quantum", "2"}) ==
        "qdisc set fifo: unknown option '--quantum'");
  CHECK(error_of({"qdisc", "set", "q", "sfq", "--quantum"}) ==
        "qdisc set sfq: --quantum needs a value");
  CHECK(error_of({"qdisc", "set", "q", "sfq", "--quantum", "0"}) ==
        "--quantum: '0' is not a number from 1");
  CHECK(error_of({"qdisc", "set", "q", "priority", "--aging", "soon"}) ==
        "--aging: 'soon' is not a duration");
  CHECK(error_of({"qdisc", "set", "q", "htb"}) == "qdisc set htb: give at least one --class");
  CHECK(error_of({"qdisc", "set", "q", "htb", "--class", "a"}) ==
        "--class 'a': expected NAME[@PARENT]=RATE[/CEIL]");
  CHECK(error_of({"qdisc", "set", "q", "htb", "--class", "a=fast"}) ==
        "--class 'a=fast': rate is not a number of jobs per second");
  CHECK(error_of({"qdisc", "set", "q", "htb", "--class", "a=1.2345"}) ==
        "--class 'a=1.2345': rate is not a number of jobs per second");
  CHECK(error_of({"qdisc", "set", "q", "htb", "--class", "a=1/x"}) ==
        "--class 'a=1/x': ceiling is not a number of jobs per second");
  CHECK(error_of({"qdisc", "set", "q", "htb", "--class", "a=1,speed=2"}) ==
        "--class 'a=1,speed=2': unknown part 'speed=2' (burst=N or cburst=N)");
  CHECK(error_of({"qdisc", "set", "q", "htb", "--class", "a=1", "--rule", ":flow=x"}) ==
        "--rule ':flow=x': expected LEAF[:queue=Q,class=C,flow=F]");
  CHECK(error_of({"qdisc", "set", "q", "htb", "--class", "a=1", "--rule", "a:colour=red"}) ==
        "--rule 'a:colour=red': unknown field 'colour' (queue, class or flow)");
  CHECK(error_of({"qdisc", "set", "q", "htb", "--class", "a=1", "--rule", "a:flow"}) ==
        "--rule 'a:flow': 'flow' is not FIELD=VALUE");
}

TEST_CASE("enqueue --flow sets the job's flow key", "[ctl][qdisc]") {
  auto a = parse_ctl_args({"enqueue", "--flow", "customer-7", "--", "true"});
  REQUIRE(a.ok());
  CHECK(a->job.flow == "customer-7");
}

TEST_CASE("the help text documents the qdisc commands", "[ctl][qdisc]") {
  std::string help = ctl_help_text();
  CHECK(help.find("qdisc set Q htb --class NAME[@PARENT]=RATE[/CEIL]") != std::string::npos);
  CHECK(help.find("--flow KEY") != std::string::npos);
}
