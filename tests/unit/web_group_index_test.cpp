// desaster-web's error groups (ui/web/server/group_index.hpp), kept op by
// op: after every op of random sequences (odd and malformed error texts
// included) they equal State::groups(GroupBy::error, ...) for every set of
// failed-set states, an error group's ids are the jobs a scan of the state
// finds with that signature, and a rebuild from the state agrees.
#include <algorithm>
#include <catch2/catch.hpp>
#include <random>

#include "core/state/job_groups.hpp"
#include "state_test_support.hpp"
#include "ui/web/server/group_index.hpp"
#include "ui/web/server/signature_filter.hpp"

using namespace desaster;
using namespace desaster::testing;
using namespace desaster::web;

namespace {

struct Grouped {
  Log log;
  GroupIndex index;

  ApplyResult step(const Op& op) {
    ApplyResult r = log.step(op);
    index.apply(r, log.state);
    return r;
  }
  // Fails the first queued job from id on (most picks would miss otherwise).
  void fail(JobId id, JobId last, const std::string& error, Outcome outcome = Outcome::failed) {
    const Job* job = nullptr;
    for (; id < last; ++id) {
      job = log.state.find(id);
      if (job != nullptr && job->state == JobState::queued) break;
    }
    if (job == nullptr || job->state != JobState::queued) return;
    step(LeaseOp{{LeaseGrant{id, job->attempts + 1, "node-a", "w1", 0}}});
    job = log.state.find(id);
    if (job == nullptr || job->state != JobState::running) return;
    Completion c;
    c.id = id;
    c.term = job->lease_term;
    c.attempt = job->attempts;
    c.outcome = outcome;
    c.exit_status = 1;
    c.error = error;
    step(CompleteOp{{c}});
  }
};

std::vector<JobId> scan_ids(const State& state, const std::string& signature,
                            std::vector<JobState> states) {
  ListQuery q;
  q.states = states.empty() ? std::vector<JobState>{JobState::failed, JobState::dead} : states;
  q.limit = 1'000'000;
  std::vector<JobId> out;
  for (const Job* job : state.list(q).jobs)
    if (error_signature(job->last_error) == signature) out.push_back(job->id);
  return out;
}

void same_groups(const State& state, const GroupIndex& index) {
  const std::vector<std::vector<JobState>> choices = {
      {},
      {JobState::failed},
      {JobState::dead},
      {JobState::killed},
      {JobState::killed, JobState::dead, JobState::killed},
      {JobState::failed, JobState::dead, JobState::killed}};
  for (const auto& states : choices) {
    const std::vector<JobGroup> want = state.groups(GroupBy::error, states);
    const std::optional<std::vector<JobGroup>> got = index.error_groups(states);
    REQUIRE(got.has_value());
    REQUIRE(got->size() == want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
      INFO("group " << i << " '" << want[i].key << "'");
      CHECK((*got)[i].key == want[i].key);
      CHECK((*got)[i].count == want[i].count);
      CHECK((*got)[i].example == want[i].example);
      CHECK(index.ids(want[i].key, states) == scan_ids(state, want[i].key, states));
      // The group's list, page by page in both directions, with and without
      // a queue: as the walk of the failed set gives it.
      for (const char* queue : {"", "mail"}) {
        for (bool descending : {false, true}) {
          ListQuery q;
          q.states = states;
          q.queue = queue;
          q.descending = descending;
          q.limit = 2;
          for (int pages = 0; pages < 50; ++pages) {
            const std::optional<ListPage> kept = list_by_signature(state, index, q, want[i].key);
            const ListPage walked = list_by_signature(state, q, want[i].key);
            REQUIRE(kept.has_value());
            CHECK(kept->jobs == walked.jobs);
            CHECK(kept->total == walked.total);
            CHECK(kept->cursor == walked.cursor);
            if (walked.cursor.empty()) break;
            q.cursor = walked.cursor;
          }
        }
      }
    }
  }
}

const std::vector<std::string>& odd_errors() {
  static const std::vector<std::string> errors = {
      "",
      "  \t\r\n",
      "Timeout after 30 ms",
      "Timeout after 4500 ms\n  at worker.rb:12",
      "KeyError: 'user_42'",
      "KeyError: 'unterminated",
      "\"",
      "\xff\xfe\xc3\x28 malformed utf-8 \xa0",
      std::string("nul\0inside 7", 12),
      "segfault at 0xDEADbeef in worker12",
      "Ünïcode fehler 3",
      std::string(1000, 'x'),
      std::string(300, '9') + " digits",
      "job 0a1b2c3d4e5f6071 failed",
      "\n\nsecond line only",
  };
  return errors;
}

}  // namespace

TEST_CASE("error groups kept op by op equal State::groups after every random op", "[web][groups]") {
  const std::vector<std::string> queues = {"mail", "reports", "bulk"};
  const auto& errors = odd_errors();
  for (std::uint32_t seed = 1; seed <= 6; ++seed) {
    INFO("seed " << seed);
    std::mt19937 rng(seed);
    auto pick = [&rng](std::size_t n) {
      return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
    };
    Grouped t;
    JobId next = 1;
    std::size_t peak_jobs = 0;
    std::size_t peak_signatures = 0;
    for (int i = 0; i < 400; ++i) {
      const JobId some = 1 + pick(static_cast<std::size_t>(next));
      switch (pick(11)) {
        case 0:
        case 1: {
          Job job = make_job(next++, queues[pick(queues.size())]);
          job.job_class = pick(2) ? "Mailer" : "Report";
          job.retry.max_attempts = static_cast<std::uint32_t>(1 + pick(3));
          t.step(EnqueueOp{{job}});
          break;
        }
        case 2:
        case 3:
          t.fail(some, next, errors[pick(errors.size())],
                 pick(4) == 0 ? Outcome::timed_out : Outcome::failed);
          break;
        case 4:
          t.step(KillOp{{some, 1 + pick(static_cast<std::size_t>(next))}});
          break;
        case 5:
          t.step(RetryOp{{some}});
          break;
        case 6:
          t.step(DeleteOp{{some}});
          break;
        case 7:
          t.step(RelocateOp{{some}, queues[pick(queues.size())], false, ""});
          break;
        case 8:
          t.log.now += 3'600'000;  // failed jobs become due
          t.step(PromoteOp{{some}});
          break;
        case 9:
          if (pick(4) == 0) t.step(QueueClearOp{queues[pick(queues.size())]});
          break;
        case 10:
          if (pick(4) == 0) t.step(QueueDeleteOp{queues[pick(queues.size())]});
          break;
      }
      same_groups(t.log.state, t.index);
      peak_jobs = std::max(peak_jobs, t.index.jobs());
      peak_signatures = std::max(peak_signatures, t.index.signatures());
    }
    // The sequence filled the failed set with many groups (or it proves nothing).
    CHECK(peak_jobs >= 10);
    CHECK(peak_signatures >= 5);
    GroupIndex rebuilt;
    rebuilt.rebuild(t.log.state);
    same_groups(t.log.state, rebuilt);
    CHECK(rebuilt.jobs() == t.index.jobs());
    CHECK(rebuilt.signatures() == t.index.signatures());
  }
}

TEST_CASE("error groups answer only the failed-set states and forget emptied groups",
          "[web][groups]") {
  Grouped t;
  Job job = make_job(1, "mail");
  job.retry.max_attempts = 2;
  t.step(EnqueueOp{{job}});
  t.fail(1, 2, "Timeout after 30 ms");
  REQUIRE(t.log.state.find(1)->state == JobState::failed);
  CHECK(GroupIndex::tracks({}));
  CHECK(GroupIndex::tracks({JobState::killed, JobState::dead}));
  CHECK_FALSE(GroupIndex::tracks({JobState::failed, JobState::queued}));
  CHECK_FALSE(t.index.error_groups({JobState::succeeded}).has_value());
  auto groups = t.index.error_groups({});
  REQUIRE(groups->size() == 1);
  CHECK(groups->at(0).key == "Timeout after <n> ms");
  CHECK(groups->at(0).example == 1);
  CHECK(t.index.ids("Timeout after <n> ms", {JobState::dead}).empty());
  CHECK(t.index.ids("no such signature", {}).empty());
  t.step(DeleteOp{{1}});
  CHECK(t.index.jobs() == 0);
  CHECK(t.index.signatures() == 0);
  CHECK(t.index.error_groups({})->empty());
}
