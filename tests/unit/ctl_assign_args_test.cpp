// desasterctl's worker assignment commands, parsed.
#include <catch2/catch.hpp>

#include "ui/desasterctl/ctl_args.hpp"

using namespace desaster;
using protocol::AssignAction;

namespace {

std::string usage_error(std::vector<std::string> words) {
  auto a = parse_ctl_args(words);
  REQUIRE_FALSE(a.ok());
  return a.status().message;
}

}  // namespace

TEST_CASE("attach takes a pool, a queue with an optional weight and a node", "[ctl][assign]") {
  auto a = parse_ctl_args({"attach", "shell", "mail:3", "--node", "abcd"});
  REQUIRE(a.ok());
  CHECK(a->assign.action == AssignAction::attach);
  CHECK(a->assign.pool == "shell");
  CHECK(a->assign.queue == "mail");
  CHECK(a->assign.weight == 3);
  CHECK(a->assign.node == "abcd");
  // A queue name with a colon and no numeric tail keeps it.
  auto b = parse_ctl_args({"attach", "app", "mail:high"});
  REQUIRE(b.ok());
  CHECK(b->assign.queue == "mail:high");
  CHECK(b->assign.weight == 1);
}

TEST_CASE("pause and resume take a pool, or a queue as queue pause does", "[ctl][assign]") {
  auto pool = parse_ctl_args({"pause", "--pool", "app", "--node", "n1"});
  REQUIRE(pool.ok());
  CHECK(pool->command == "pause");
  CHECK(pool->assign.action == AssignAction::pause);
  CHECK(pool->assign.pool == "app");
  auto queue = parse_ctl_args({"resume", "--queue", "mail"});
  REQUIRE(queue.ok());
  CHECK(queue->command == "queue");
  CHECK(queue->queue.action == protocol::QueueAction::resume);
  CHECK(queue->queue.name == "mail");
}

TEST_CASE("drain takes an optional node, pin and unpin take ids", "[ctl][assign]") {
  auto here = parse_ctl_args({"drain"});
  REQUIRE(here.ok());
  CHECK(here->assign.action == AssignAction::drain);
  CHECK(here->assign.node.empty());
  auto there = parse_ctl_args({"undrain", "n2"});
  REQUIRE(there.ok());
  CHECK(there->assign.action == AssignAction::undrain);
  CHECK(there->assign.node == "n2");
  auto pin = parse_ctl_args({"pin", "0000000000000001", "0000000000000002", "--pool", "app"});
  REQUIRE(pin.ok());
  CHECK(pin->assign.action == AssignAction::pin);
  CHECK(pin->ids.size() == 2);
  CHECK(pin->assign.pool == "app");
  auto unpin = parse_ctl_args({"unpin", "0000000000000001"});
  REQUIRE(unpin.ok());
  CHECK(unpin->assign.action == AssignAction::unpin);
}

TEST_CASE("enqueue can pin the job to a node and a pool", "[ctl][assign]") {
  auto a = parse_ctl_args({"enqueue", "--pin-node", "n1", "--pin-pool", "shell", "--", "true"});
  REQUIRE(a.ok());
  CHECK(a->job.pin_node == "n1");
  CHECK(a->job.pin_pool == "shell");
}

TEST_CASE("bad assignment usage is refused with what is wrong", "[ctl][assign]") {
  CHECK(usage_error({"attach", "shell"}) == "attach: expected POOL QUEUE[:WEIGHT] [--node N]");
  CHECK(usage_error({"attach", "shell", "q:0"}) == "attach: weight '0' is not a number from 1");
  CHECK(usage_error({"attach", "shell", "bad queue"}).find("outside") != std::string::npos);
  CHECK(usage_error({"detach", "shell", "q:2"}) == "detach: a weight means nothing here");
  CHECK(usage_error({"pause"}) == "pause: which pool? (--pool P [--node N], or --queue Q)");
  CHECK(usage_error({"pause", "--queue", "q", "--pool", "p"}) == "pause: --queue goes alone");
  CHECK(usage_error({"pause", "--pool"}) == "pause: --pool needs a value");
  CHECK(usage_error({"drain", "a", "b"}) == "drain: give at most one node");
  CHECK(usage_error({"pin", "1"}) == "pin: where to? (--node N and/or --pool P)");
  CHECK(usage_error({"pin", "--node", "n"}) == "pin: which job? (give one or more ids)");
  CHECK(usage_error({"unpin", "1", "--node", "n"}) == "unpin: takes only job ids");
  CHECK(usage_error({"attach", "--colour", "x"}) == "attach: unknown option '--colour'");
}
