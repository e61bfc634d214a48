// Job actions end to end against a real node: kill (TERM to the process
// group, KILL after the grace), relocate, re-role, reschedule and delete,
// by the C++ client, desasterctl and the Worker API's cancellation.
#include <signal.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/model/job_id.hpp"
#include "tests/integration/harness/fixtures.hpp"

using namespace desaster;
using namespace desaster::test;
using namespace std::chrono_literals;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool exists(const std::string& path) {
  return std::ifstream(path).good();
}

bool process_alive(pid_t pid) {
  return ::kill(pid, 0) == 0;
}

JobId enqueue(RunningNode& n, const protocol::JobSpec& spec) {
  auto id = n.client->enqueue(spec);
  INFO(id.status().message);
  REQUIRE(id.ok());
  return *id;
}

protocol::JobActionReply act(RunningNode& n, const protocol::JobAction& action) {
  auto reply = n.client->job_action(action);
  INFO(reply.status().message);
  REQUIRE(reply.ok());
  return *reply;
}

void queue_command(RunningNode& n, protocol::QueueAction action, const std::string& name) {
  protocol::QueueCommand command;
  command.action = action;
  command.name = name;
  Status s = n.client->queue_command(command);
  INFO(s.message);
  REQUIRE(s.ok());
}

std::uint64_t duplicate_runs(RunningNode& n, JobId id) {
  return n.get(id).duplicate_runs;
}

CommandResult ctl(const RunningNode& n, std::vector<std::string> args) {
  args.insert(args.begin(), {DESASTERCTL_BIN, "-c", "127.0.0.1:" + std::to_string(n.port)});
  return run_command(args);
}

}  // namespace

TEST_CASE(
    "killing a running shell job sends TERM to its process group, it ends killed, not retried",
    "[integration][actions]") {
  RunningNode n;
  const std::string dir = n.dir.path();
  // The shell traps TERM, the sleep in its group dies of it.
  auto spec = shell_job("trap 'echo term > " + dir + "/got_term; exit 143' TERM; echo $$ > " + dir +
                        "/pid; sleep 300 & echo $! > " + dir + "/child; wait");
  spec.retry.max_attempts = 5;
  JobId id = enqueue(n, spec);
  REQUIRE(wait_until([&] { return exists(dir + "/child") && !read_file(dir + "/child").empty(); }));
  const pid_t child = std::stoi(read_file(dir + "/child"));

  protocol::JobActionReply reply = n.client->kill({id}).value();
  CHECK(reply.done == 1);
  CHECK(n.get(id).state == JobState::killed);  // at once, before the process is gone

  CHECK(wait_until([&] { return exists(dir + "/got_term"); }));
  CHECK(wait_until([&] { return !process_alive(child); }));
  // The stopped run's report arrives and changes nothing but the duplicate count.
  CHECK(wait_until([&] { return duplicate_runs(n, id) == 1; }));
  Job job = n.get(id);
  CHECK(job.state == JobState::killed);
  CHECK(job.attempts == 1);
  CHECK(job.last_error == "killed by an operator");
  auto stats = n.client->stats_json();
  REQUIRE(stats.ok());
  CHECK_THAT(*stats, Catch::Contains("\"killed\":1,\"duplicate_runs\":1"));
  CHECK_THAT(*stats, Catch::Contains("\"leases_pushed\":1"));  // never leased again
}

TEST_CASE("a killed job that ignores TERM gets KILL after the grace", "[integration][actions]") {
  RunningNode n({"--kill-grace", "700ms"});
  const std::string dir = n.dir.path();
  JobId id = enqueue(n, shell_job("trap '' TERM; echo $$ > " + dir + "/pid; exec sleep 300"));
  REQUIRE(wait_until([&] { return !read_file(dir + "/pid").empty(); }));
  const pid_t pid = std::stoi(read_file(dir + "/pid"));
  REQUIRE(
      wait_until([&] { return read_file("/proc/" + std::to_string(pid) + "/comm") == "sleep\n"; }));

  const auto killed_at = std::chrono::steady_clock::now();
  REQUIRE(n.client->kill({id}).value().done == 1);
  CHECK(process_alive(pid));  // TERM alone does not stop it
  REQUIRE(wait_until([&] { return !process_alive(pid); }));
  const auto took = std::chrono::steady_clock::now() - killed_at;
  CHECK(took >= 500ms);
  CHECK(took < 15s);
  CHECK(wait_until([&] { return duplicate_runs(n, id) == 1; }));
  CHECK(n.get(id).state == JobState::killed);
}

TEST_CASE("killing a queued job removes it from its queue as killed", "[integration][actions]") {
  RunningNode n;
  queue_command(n, protocol::QueueAction::create, "held");
  queue_command(n, protocol::QueueAction::pause, "held");
  JobId id = enqueue(n, shell_job("true", "held"));
  protocol::JobActionReply reply = n.client->kill({id, id + 1}).value();
  CHECK(reply.selected == 2);
  CHECK(reply.done == 1);
  CHECK(reply.not_found == 1);
  queue_command(n, protocol::QueueAction::resume, "held");
  Job job = n.wait_final(id);
  CHECK(job.state == JobState::killed);
  CHECK(job.attempts == 0);
  auto queues = n.client->queues();
  REQUIRE(queues.ok());
  for (const auto& q : *queues) {
    if (q.name == "held") CHECK(q.counts[static_cast<int>(JobState::queued)] == 0);
  }
}

TEST_CASE("relocated queued jobs run in their new queue", "[integration][actions]") {
  RunningNode n;
  queue_command(n, protocol::QueueAction::create, "stuck");
  queue_command(n, protocol::QueueAction::pause, "stuck");
  std::vector<JobId> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(enqueue(n, shell_job("echo moved", "stuck")));
  protocol::JobAction move;
  move.action = protocol::JobActionKind::relocate;
  move.all = true;
  move.query_queue = "stuck";
  move.query_state = JobState::queued;
  move.queue = "open";
  protocol::JobActionReply reply = act(n, move);
  CHECK(reply.selected == 3);
  CHECK(reply.done == 3);
  for (JobId id : ids) {
    Job job = n.wait_final(id);
    CHECK(job.state == JobState::succeeded);
    CHECK(job.queue == "open");
    CHECK(job.output_tail == "moved\n");
  }
}

TEST_CASE("a relocated running job is stopped and runs again in its new queue, uncharged",
          "[integration][actions]") {
  RunningNode n;
  const std::string dir = n.dir.path();
  // The first run waits to be stopped; the second finds the marker and ends.
  auto spec = shell_job("if [ -e " + dir + "/ran ]; then echo second; else touch " + dir +
                        "/ran; sleep 300; fi");
  spec.retry.max_attempts = 1;
  JobId id = enqueue(n, spec);
  REQUIRE(wait_until([&] { return exists(dir + "/ran"); }));
  protocol::JobAction move;
  move.action = protocol::JobActionKind::relocate;
  move.ids = {id};
  move.queue = "elsewhere";
  REQUIRE(act(n, move).done == 1);
  Job job = n.wait_final(id);
  CHECK(job.state == JobState::succeeded);
  CHECK(job.queue == "elsewhere");
  CHECK(job.output_tail == "second\n");
  CHECK(job.attempts == 1);  // the stopped attempt was not charged
  CHECK(job.duplicate_runs == 1);
}

TEST_CASE("re-role of priority changes the order jobs run in", "[integration][actions]") {
  RunningNode n({"-j", "1"});
  const std::string order = n.dir.path() + "/order";
  queue_command(n, protocol::QueueAction::create, "line");
  queue_command(n, protocol::QueueAction::pause, "line");
  std::vector<JobId> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(enqueue(n, shell_job("echo " + std::to_string(i) + " >> " + order, "line")));
  }
  protocol::JobAction rerole;
  rerole.action = protocol::JobActionKind::rerole;
  rerole.ids = {ids[2]};
  rerole.priority = 10;
  rerole.flow = "vip";
  REQUIRE(act(n, rerole).done == 1);
  queue_command(n, protocol::QueueAction::resume, "line");
  for (JobId id : ids) CHECK(n.wait_final(id).state == JobState::succeeded);
  CHECK(read_file(order) == "2\n0\n1\n");
}

TEST_CASE("reschedule moves a scheduled job's run_at and it runs then", "[integration][actions]") {
  RunningNode n;
  auto spec = shell_job("true");
  spec.in_ms = 3'600'000;
  JobId id = enqueue(n, spec);
  const TimeMs before = n.get(id).run_at;
  protocol::JobAction soon;
  soon.action = protocol::JobActionKind::reschedule;
  soon.ids = {id};
  soon.in_ms = 200;
  REQUIRE(act(n, soon).done == 1);
  const TimeMs after = n.get(id).run_at;
  CHECK(after < before - 3'000'000);
  Job job = n.wait_final(id, 20s);
  CHECK(job.state == JobState::succeeded);
  CHECK(job.started_at >= after);
}

TEST_CASE("deleting a running job stops it and removes it", "[integration][actions]") {
  RunningNode n;
  const std::string dir = n.dir.path();
  JobId id = enqueue(n, shell_job("echo $$ > " + dir + "/pid; exec sleep 300"));
  REQUIRE(wait_until([&] { return !read_file(dir + "/pid").empty(); }));
  const pid_t pid = std::stoi(read_file(dir + "/pid"));
  // A lease goes out before its op applies: the job runs before the state
  // says so. Delete it once it is running there too.
  REQUIRE(wait_until([&] { return n.get(id).state == JobState::running; }));
  protocol::JobAction del;
  del.action = protocol::JobActionKind::remove;
  del.ids = {id};
  CHECK(act(n, del).done == 1);
  CHECK(n.client->get(id).status().code == ErrorCode::not_found);
  CHECK(wait_until([&] { return !process_alive(pid); }));
}

TEST_CASE("desasterctl kill reports what it did, by ids and by query, in words and JSON",
          "[integration][actions][ctl]") {
  RunningNode n;
  queue_command(n, protocol::QueueAction::create, "q");
  queue_command(n, protocol::QueueAction::pause, "q");
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(format_job_id(enqueue(n, shell_job("true", "q"))));
  CommandResult one = ctl(n, {"kill", ids[0]});
  CHECK(one.exit_status == 0);
  CHECK(one.out == "killed 1 job\n");
  CommandResult again = ctl(n, {"kill", ids[0], ids[1]});
  CHECK(again.exit_status == 1);
  CHECK(again.out == "killed 1 job; 1 was already final\n");
  CHECK_THAT(again.err, Catch::Contains(ids[0] + ": job " + ids[0] + " is killed"));
  CommandResult all = ctl(n, {"kill", "--all", "--queue", "q", "--json"});
  CHECK(all.exit_status == 0);  // a query may meet final jobs on its way
  CHECK_THAT(all.out, Catch::Contains("\"selected\":3,\"done\":1,\"already_final\":2"));
  CommandResult none = ctl(n, {"kill"});
  CHECK(none.exit_status == 2);
  CHECK_THAT(none.err, Catch::Contains("which job?"));
  CommandResult empty = ctl(n, {"retry", "--all", "--queue", "nothing-here"});
  CHECK(empty.exit_status == 0);
  CHECK(empty.out == "queued again 0 jobs (the query selected none)\n");
}

TEST_CASE("an external worker learns that its lease was cancelled",
          "[integration][actions][worker]") {
  RunningNode n;
  std::atomic<int> callbacks{0};
  WorkerOptions options;
  options.endpoint = n.node.endpoint();
  options.name = "cancellable";
  options.queues = {"ext"};
  options.kinds = {JobKind::task};
  options.on_cancel = [&](JobId) { ++callbacks; };
  auto connected = Worker::connect(options);
  REQUIRE(connected.ok());
  std::unique_ptr<Worker> worker = std::move(*connected);
  std::atomic<bool> started{false};
  std::atomic<bool> stop{false};
  std::thread runner([&] {
    (void)worker->run(
        [&](const Lease& lease) {
          started = true;
          // A long job that looks at the flag between its steps.
          for (int step = 0; step < 3000 && !worker->cancelled(lease); ++step) {
            std::this_thread::sleep_for(10ms);
          }
          WorkOutcome out;
          out.outcome = worker->cancelled(lease) ? Outcome::killed : Outcome::succeeded;
          return out;
        },
        [&] { return !stop.load(); });
  });
  protocol::JobSpec spec;
  spec.queue = "ext";
  spec.kind = JobKind::task;
  spec.job_class = "Long";
  JobId id = enqueue(n, spec);
  REQUIRE(wait_until([&] { return started.load(); }));
  REQUIRE(n.client->kill({id}).value().done == 1);
  CHECK(wait_until([&] { return duplicate_runs(n, id) == 1; }, 10s));
  stop = true;
  runner.join();
  CHECK(callbacks.load() == 1);
  CHECK(n.get(id).state == JobState::killed);
}
