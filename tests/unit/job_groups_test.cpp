// State::groups(): the failed set by queue, class and error signature.
#include <catch2/catch.hpp>

#include "core/state/job_groups.hpp"
#include "state_test_support.hpp"

using namespace desaster;
using namespace desaster::testing;

namespace {

void die(Log& log, JobId id, const std::string& queue, const std::string& job_class,
         const std::string& error, std::uint32_t max_attempts = 1) {
  Job job = make_job(id, queue);
  job.job_class = job_class;
  job.retry.max_attempts = max_attempts;
  REQUIRE(log.enqueue(job).ok());
  REQUIRE(log.lease(id).ok());
  REQUIRE(log.complete(id, Outcome::failed, error).ok());
}

const JobGroup* group(const std::vector<JobGroup>& groups, const std::string& key) {
  for (const JobGroup& g : groups)
    if (g.key == key) return &g;
  return nullptr;
}

}  // namespace

TEST_CASE("error signatures drop what differs from run to run", "[state][groups]") {
  CHECK(error_signature("Timeout after 3000 ms") == "Timeout after <n> ms");
  CHECK(error_signature("job 0a1b2c3d4e5f6071 failed") == "job <hex> failed");
  CHECK(error_signature("segfault at 0x7ffe12ab in worker12") == "segfault at <addr> in worker<n>");
  CHECK(error_signature("KeyError: 'user_42'") == "KeyError: '<str>'");
  CHECK(error_signature("no such file \"/tmp/x 1\"\n  at line 3\n") == "no such file \"<str>\"");
  CHECK(error_signature("connect 10.0.0.7:5432 refused") == "connect <n>.<n>.<n>.<n>:<n> refused");
  CHECK(error_signature("id 550e8400-e29b-41d4-a716-446655440000") ==
        "id <hex>-<hex>-<hex>-<hex>-<n>");
  CHECK(error_signature("  \t\n") == "(no error)");
  CHECK(error_signature("unterminated 'quote 5") == "unterminated 'quote <n>");
  CHECK(error_signature(std::string(1000, 'x')).size() == kMaxSignatureBytes);
  CHECK(error_signature("Timeout after 12 ms") == error_signature("Timeout after 99999 ms"));
}

TEST_CASE("failed and dead jobs group by queue, class and error with counts and the newest",
          "[state][groups]") {
  Log log;
  die(log, 1, "mail", "Mailer", "Timeout after 30 ms");
  die(log, 2, "mail", "Mailer", "Timeout after 45 ms");
  die(log, 3, "reports", "Report", "KeyError: 'a'");
  die(log, 4, "reports", "Mailer", "Timeout after 1 ms", 3);  // failed, will retry
  REQUIRE(log.enqueue(make_job(5, "mail")).ok());             // queued: not counted
  REQUIRE(log.state.find(4)->state == JobState::failed);

  auto by_queue = log.state.groups(GroupBy::queue, {});
  REQUIRE(by_queue.size() == 2);
  CHECK(by_queue[0].key == "mail");  // ties break by key
  CHECK(by_queue[0].count == 2);
  CHECK(by_queue[0].example == 2);
  CHECK(group(by_queue, "reports")->count == 2);
  CHECK(group(by_queue, "reports")->example == 4);

  auto by_class = log.state.groups(GroupBy::job_class, {});
  REQUIRE(by_class.size() == 2);
  CHECK(by_class[0].key == "Mailer");
  CHECK(by_class[0].count == 3);
  CHECK(by_class[0].example == 4);

  auto by_error = log.state.groups(GroupBy::error, {});
  REQUIRE(by_error.size() == 2);
  CHECK(by_error[0].key == "Timeout after <n> ms");
  CHECK(by_error[0].count == 3);
  CHECK(by_error[1].key == "KeyError: '<str>'");
  CHECK(by_error[1].example == 3);

  auto dead_only = log.state.groups(GroupBy::queue, {JobState::dead});
  CHECK(group(dead_only, "reports")->count == 1);
  CHECK(log.state.groups(GroupBy::queue, {JobState::running}).empty());
}

TEST_CASE("query indexes are rebuilt from a snapshot", "[state][groups][query]") {
  Log log;
  die(log, 1, "mail", "Mailer", "Timeout after 30 ms");
  die(log, 2, "mail", "Other", "boom");
  Result<State> copy = State::decode_snapshot(log.state.encode_snapshot());
  REQUIRE(copy.ok());
  CHECK(copy->groups(GroupBy::job_class, {}).size() == 2);
  ListQuery q;
  q.sort = SortColumn::finished_at;
  q.descending = true;
  q.search = "boom";
  ListPage page = copy->list(q);
  REQUIRE(page.jobs.size() == 1);
  CHECK(page.jobs[0]->id == 2);
  CHECK(page.total == 1);
}
