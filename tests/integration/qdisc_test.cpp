// Queueing disciplines and ETAs end to end: desasterctl sets a queue's
// discipline on a real node, and one shell worker slot serves the flows in
// turn; a queued job shows its ETA.
#include <algorithm>

#include "core/model/job_id.hpp"
#include "tests/integration/harness/fixtures.hpp"

using namespace desaster;
using namespace desaster::test;

namespace {

CommandResult ctl(const RunningNode& n, std::vector<std::string> args) {
  args.insert(args.begin(), {DESASTERCTL_BIN, "-c", "127.0.0.1:" + std::to_string(n.port)});
  return run_command(args);
}

JobId parse_id(const std::string& out) {
  std::optional<JobId> id = parse_job_id(out.substr(0, out.find('\n')));
  REQUIRE(id);
  return *id;
}

}  // namespace

TEST_CASE("under sfq a flow of 5 jobs finishes among the first dozen beside a flow of 200",
          "[integration][qdisc]") {
  RunningNode n({"-j", "1"});
  CommandResult set = ctl(n, {"qdisc", "set", "q", "sfq"});
  INFO(set.err);
  REQUIRE(set.exit_status == 0);
  CHECK(set.out.find("queue q: sfq --quantum 1") != std::string::npos);
  // Held while the jobs go in, so that all of them compete from the start.
  REQUIRE(ctl(n, {"queue", "pause", "q"}).exit_status == 0);

  std::vector<protocol::JobSpec> big;
  for (int i = 0; i < 200; ++i) {
    protocol::JobSpec spec = shell_job("sleep 0.005", "q");
    spec.flow = "A";
    big.push_back(spec);
  }
  Result<EnqueueResult> a = n.client->enqueue(big);
  REQUIRE(a.ok());
  std::vector<JobId> b_ids;
  for (int i = 0; i < 5; ++i) {
    CommandResult r =
        ctl(n, {"enqueue", "--queue", "q", "--flow", "B", "--sh", "--", "sleep", "0.005"});
    REQUIRE(r.exit_status == 0);
    b_ids.push_back(parse_id(r.out));
  }
  CommandResult shown = ctl(n, {"qdisc", "show", "q", "--json"});
  CHECK(shown.out.find("\"kind\":\"sfq\"") != std::string::npos);
  CHECK(shown.out.find("\"jobs\":205") != std::string::npos);
  CHECK(shown.out.find("\"next_eligible_ms\":null,\"accounting\":[") != std::string::npos);
  CHECK(shown.out.substr(shown.out.size() - 2) == "}\n");
  CommandResult queues = ctl(n, {"queues"});
  CHECK(queues.out.find("sfq") != std::string::npos);

  REQUIRE(ctl(n, {"queue", "resume", "q"}).exit_status == 0);
  std::vector<JobId> all = a->ids;
  all.insert(all.end(), b_ids.begin(), b_ids.end());
  auto done = n.client->wait(all, std::chrono::seconds(60));
  REQUIRE(done.ok());
  // Order of dispatch: by start time, then by id (the lease op is applied in
  // plan order, and one slot runs one job at a time).
  std::vector<std::pair<TimeMs, JobId>> starts;
  for (const auto& job : *done) {
    REQUIRE(job);
    REQUIRE(job->state == JobState::succeeded);
    starts.emplace_back(job->started_at, job->id);
  }
  std::sort(starts.begin(), starts.end());
  std::size_t last_b = 0;
  for (std::size_t i = 0; i < starts.size(); ++i) {
    if (std::find(b_ids.begin(), b_ids.end(), starts[i].second) != b_ids.end()) last_b = i;
  }
  CHECK(last_b < 12);
}

TEST_CASE("a queued job shows its ETA once service times are known", "[integration][qdisc]") {
  RunningNode n({"-j", "1"});
  // One job measured: the ETA needs a service time.
  Result<JobId> first = n.client->enqueue(shell_job("sleep 0.2", "q"));
  REQUIRE(first.ok());
  REQUIRE(n.wait_final(*first).state == JobState::succeeded);
  REQUIRE(ctl(n, {"queue", "pause", "q"}).exit_status == 0);
  std::vector<protocol::JobSpec> specs(5, shell_job("sleep 0.2", "q"));
  Result<EnqueueResult> queued = n.client->enqueue(specs);
  REQUIRE(queued.ok());
  JobId last = queued->ids.back();
  // Paused, nothing starts: no ETA rather than a wrong one.
  Result<protocol::GetReply> held = n.client->get_with_eta(last);
  REQUIRE(held.ok());
  CHECK_FALSE(held->eta);
  REQUIRE(ctl(n, {"queue", "resume", "q"}).exit_status == 0);
  Result<protocol::GetReply> got = n.client->get_with_eta(last);
  REQUIRE(got.ok());
  REQUIRE(got->eta);
  // One running and three ahead at about 200 ms each on one slot.
  TimeMs wait = got->eta->start_ms - got->job.created_at;
  CHECK(wait >= 600);
  CHECK(wait <= 3000);
  CHECK(got->eta->finish_ms > got->eta->start_ms);
  CommandResult shown = ctl(n, {"job", format_job_id(last)});
  CHECK(shown.out.find("eta") != std::string::npos);
  CHECK(shown.out.find("starts in ~") != std::string::npos);
  CommandResult json = ctl(n, {"job", format_job_id(last), "--json"});
  CHECK(json.out.find("\"eta\":{\"start_ms\":") != std::string::npos);
  // A finished job has none.
  Result<protocol::GetReply> done = n.client->get_with_eta(*first);
  REQUIRE(done.ok());
  CHECK_FALSE(done->eta);
}
