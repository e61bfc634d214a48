// State::list() as a query: every filter, every sort column both ways, cursor
// pages that neither skip nor repeat while jobs come and go, and totals.
#include <algorithm>
#include <catch2/catch.hpp>
#include <set>

#include "core/model/job_id.hpp"
#include "core/state/list_query.hpp"
#include "state_test_support.hpp"

using namespace desaster;
using namespace desaster::testing;

namespace {

// 60 jobs over queues a/b/c and classes Mail/Report/shell; some run, some
// fail once with a retry (failed), some die, some succeed.
void fill(Log& log) {
  const char* queues[] = {"a", "b", "c"};
  const char* classes[] = {"Mail", "Report", "shell"};
  for (JobId id = 1; id <= 60; ++id) {
    Job job = make_job(id, queues[id % 3], static_cast<std::int32_t>(id % 4));
    job.job_class = classes[(id / 3) % 3];
    job.retry.max_attempts = id % 5 == 0 ? 1 : 3;
    if (id % 11 == 0) job.run_at = kT0 + 1'000'000;                // scheduled
    log.now = kT0 + static_cast<TimeMs>((id * 7919) % 97) * 1000;  // created out of id order
    REQUIRE(log.enqueue(job).ok());
  }
  for (JobId id = 1; id <= 60; ++id) {
    if (id % 11 == 0) continue;
    if (id % 2 == 0) {
      log.now += 10;
      REQUIRE(log.lease(id, "w" + std::to_string(id % 3)).ok());
      if (id % 4 == 0) {
        log.now += 5;
        REQUIRE(log.complete(id, id % 8 == 0 ? Outcome::succeeded : Outcome::failed,
                             "Timeout after " + std::to_string(id) + " ms")
                    .ok());
      }
    }
    if (id % 5 == 0 && log.state.find(id)->state == JobState::queued) {
      REQUIRE(log.lease(id).ok());
      REQUIRE(
          log.complete(id, Outcome::failed, "KeyError: 'user_" + std::to_string(id) + "'").ok());
    }
  }
}

std::vector<const Job*> all_jobs(const State& state) {
  return state.list({"", std::nullopt, 0, 1'000'000}).jobs;
}

// The reference order: sort key of a column, then id.
std::pair<std::string, std::int64_t> column_key(const Job& job, SortColumn column) {
  switch (column) {
    case SortColumn::id:
      return {"", 0};
    case SortColumn::queue:
      return {job.queue, 0};
    case SortColumn::job_class:
      return {job.job_class, 0};
    case SortColumn::state:
      return {"", static_cast<std::int64_t>(job.state)};
    case SortColumn::priority:
      return {"", job.priority};
    case SortColumn::attempts:
      return {"", job.attempts};
    case SortColumn::created_at:
      return {"", job.created_at};
    case SortColumn::started_at:
      return {"", job.started_at};
    case SortColumn::finished_at:
      return {"", job.finished_at};
    case SortColumn::run_at:
      return {"", job.run_at};
  }
  return {"", 0};
}

std::vector<JobId> expected(const State& state, const ListQuery& q,
                            const std::function<bool(const Job&)>& keep) {
  std::vector<const Job*> jobs;
  for (const Job* job : all_jobs(state))
    if (keep(*job)) jobs.push_back(job);
  std::sort(jobs.begin(), jobs.end(), [&](const Job* a, const Job* b) {
    auto ka = std::make_tuple(column_key(*a, q.sort), a->id);
    auto kb = std::make_tuple(column_key(*b, q.sort), b->id);
    return q.descending ? kb < ka : ka < kb;
  });
  std::vector<JobId> ids;
  for (const Job* job : jobs) ids.push_back(job->id);
  return ids;
}

// Pages through q with the cursor, checking the total on every page.
std::vector<JobId> walk(const State& state, ListQuery q, std::uint64_t expect_total) {
  std::vector<JobId> ids;
  q.cursor.clear();
  for (int pages = 0; pages < 100; ++pages) {
    REQUIRE(check_list_query(q).ok());
    ListPage page = state.list(q);
    CHECK(page.total == expect_total);
    CHECK(page.total_exact);
    for (JobId id : page_ids(page)) ids.push_back(id);
    if (page.cursor.empty()) break;
    q.cursor = page.cursor;
  }
  return ids;
}

void check_query(const State& state, ListQuery q, const std::function<bool(const Job&)>& keep) {
  std::vector<JobId> want = expected(state, q, keep);
  for (std::size_t limit : {std::size_t{1}, std::size_t{7}, std::size_t{100}}) {
    q.limit = limit;
    INFO("sort " << to_string(q.sort) << (q.descending ? " desc" : " asc") << ", limit " << limit);
    CHECK(walk(state, q, want.size()) == want);
  }
}

constexpr SortColumn kColumns[] = {
    SortColumn::id,          SortColumn::queue,    SortColumn::job_class,  SortColumn::state,
    SortColumn::priority,    SortColumn::attempts, SortColumn::created_at, SortColumn::started_at,
    SortColumn::finished_at, SortColumn::run_at};

}  // namespace

TEST_CASE("every sort column pages in order both ways, with and without filters",
          "[state][query]") {
  Log log;
  fill(log);
  for (SortColumn column : kColumns) {
    for (bool descending : {false, true}) {
      ListQuery q;
      q.sort = column;
      q.descending = descending;
      check_query(log.state, q, [](const Job&) { return true; });
      q.queue = "b";
      q.states = {JobState::queued, JobState::dead};
      check_query(log.state, q, [](const Job& j) {
        return j.queue == "b" && (j.state == JobState::queued || j.state == JobState::dead);
      });
      q.queue.clear();
      q.states.clear();
      q.job_class = "Report";
      check_query(log.state, q, [](const Job& j) { return j.job_class == "Report"; });
    }
  }
}

TEST_CASE("each filter keeps exactly the jobs it names", "[state][query]") {
  Log log;
  fill(log);
  ListQuery q;
  q.sort = SortColumn::created_at;
  q.descending = true;
  SECTION("state and states together") {
    q.state = JobState::running;
    q.states = {JobState::succeeded};
    check_query(log.state, q, [](const Job& j) {
      return j.state == JobState::running || j.state == JobState::succeeded;
    });
  }
  SECTION("node of the last attempt") {
    q.node = "node-a";
    check_query(log.state, q, [](const Job& j) { return j.node == "node-a"; });
  }
  SECTION("flow falls back to the class when unset") {
    q.flow = "Mail";
    check_query(log.state, q, [](const Job& j) { return j.job_class == "Mail"; });
  }
  SECTION("attempts between a minimum and a maximum") {
    q.attempts_min = 1;
    q.attempts_max = 1;
    check_query(log.state, q, [](const Job& j) { return j.attempts == 1; });
    q.sort = SortColumn::attempts;
    check_query(log.state, q, [](const Job& j) { return j.attempts == 1; });
  }
  SECTION("time ranges are half-open on every time column") {
    q.created = {kT0 + 20'000, kT0 + 60'000};
    check_query(log.state, q, [](const Job& j) {
      return j.created_at >= kT0 + 20'000 && j.created_at < kT0 + 60'000;
    });
    q.descending = false;
    check_query(log.state, q, [](const Job& j) {
      return j.created_at >= kT0 + 20'000 && j.created_at < kT0 + 60'000;
    });
    q.created = {};
    q.run_at = {kT0 + 1, std::numeric_limits<TimeMs>::max()};
    q.sort = SortColumn::run_at;
    check_query(log.state, q, [](const Job& j) { return j.run_at >= kT0 + 1; });
    q.run_at = {};
    q.started = {1, std::numeric_limits<TimeMs>::max()};
    q.finished = {std::numeric_limits<TimeMs>::min(), 1};
    check_query(log.state, q, [](const Job& j) { return j.started_at >= 1 && j.finished_at < 1; });
  }
  SECTION("search is a case-insensitive substring of id, class, payload, error and output") {
    q.search = "REPORT";
    check_query(log.state, q, [](const Job& j) { return j.job_class == "Report"; });
    q.search = "keyerror: 'USER_";
    check_query(log.state, q,
                [](const Job& j) { return j.last_error.starts_with("KeyError: 'user_"); });
    q.search = "payload-17";
    check_query(log.state, q, [](const Job& j) { return j.payload.starts_with("payload-17"); });
    q.search = format_job_id(42).substr(10);
    check_query(log.state, q, [](const Job& j) {
      return format_job_id(j.id).find(format_job_id(42).substr(10)) != std::string::npos;
    });
    q.search = "OUT";
    check_query(log.state, q, [](const Job& j) { return j.output_tail == "out"; });
  }
}

TEST_CASE("a cursor neither skips nor repeats jobs when others come and go between pages",
          "[state][query]") {
  Log log;
  fill(log);
  for (bool descending : {false, true}) {
    for (SortColumn column : {SortColumn::created_at, SortColumn::id, SortColumn::job_class}) {
      ListQuery q;
      q.sort = column;
      q.descending = descending;
      q.limit = 10;
      std::vector<JobId> before = expected(log.state, q, [](const Job&) { return true; });
      ListPage first = log.state.list(q);
      REQUIRE(first.jobs.size() == 10);
      std::vector<JobId> seen = page_ids(first);
      // Delete one job from the first page and one from further on; add new
      // ones that sort before and after the cursor.
      auto deletable = [&](JobId id) { return log.state.find(id)->state != JobState::running; };
      const JobId gone_seen = *std::find_if(seen.begin(), seen.end(), deletable);
      const JobId gone_later = *std::find_if(before.begin() + 30, before.end(), deletable);
      ApplyResult deleted = log.step(DeleteOp{{gone_seen, gone_later}});
      REQUIRE(deleted.statuses.at(0).ok());
      REQUIRE(deleted.statuses.at(1).ok());
      JobId fresh = 1000 + static_cast<JobId>(column) * 10 + (descending ? 5 : 0);
      for (TimeMs created : {kT0 - 5'000, kT0 + 500'000}) {
        Job job = make_job(++fresh, "a");
        log.now = created;
        REQUIRE(log.enqueue(job).ok());
      }
      q.cursor = first.cursor;
      for (ListPage page = log.state.list(q);; page = log.state.list(q)) {
        for (JobId id : page_ids(page)) seen.push_back(id);
        if (page.cursor.empty()) break;
        q.cursor = page.cursor;
      }
      std::set<JobId> unique(seen.begin(), seen.end());
      CHECK(unique.size() == seen.size());  // nothing twice
      for (JobId id : before) {
        if (id != gone_later) CHECK(unique.count(id) == 1);  // nothing that stayed is missed
      }
      CHECK(unique.count(gone_later) == 0);
      REQUIRE(log.one(DeleteOp{{fresh - 1, fresh}}).ok());
    }
  }
}

TEST_CASE("old id pages with after still work beside the cursor", "[state][query]") {
  Log log;
  fill(log);
  ListPage page = log.state.list({"a", std::nullopt, 0, 5});
  REQUIRE(page.next != 0);
  ListQuery by_after{"a", std::nullopt, page.next, 5};
  ListQuery by_cursor{"a", std::nullopt, 0, 5};
  by_cursor.cursor = page.cursor;
  CHECK(page_ids(log.state.list(by_after)) == page_ids(log.state.list(by_cursor)));
  CHECK(log.state.list(by_after).total == 20);
}

TEST_CASE("totals count from indexes, from the page, or by a count", "[state][query]") {
  Log log;
  fill(log);
  ListQuery q;
  q.limit = 3;
  q.queue = "c";
  q.job_class = "Mail";
  ListPage page = log.state.list(q);
  std::uint64_t want = expected(log.state, q, [](const Job& j) {
                         return j.queue == "c" && j.job_class == "Mail";
                       }).size();
  CHECK(page.total == want);
  q.search = "mail";  // needs a look at each job; the first page is not the whole answer
  CHECK(log.state.list(q).total == want);
  CHECK(log.state.list(q).total_exact);
  q.limit = 100;  // the page holds everything
  CHECK(log.state.list(q).total == want);
  q.search = "no such text";
  ListPage none = log.state.list(q);
  CHECK(none.jobs.empty());
  CHECK(none.total == 0);
  CHECK(none.cursor.empty());
}

TEST_CASE("a query is checked before it runs", "[state][query]") {
  ListQuery q;
  CHECK(check_list_query(q).ok());
  q.attempts_min = 3;
  q.attempts_max = 2;
  CHECK(check_list_query(q).message.find("attempts_min 3 is above attempts_max 2") !=
        std::string::npos);
  q = {};
  q.created = {10, 5};
  CHECK(check_list_query(q).message.find("created_after") != std::string::npos);
  q = {};
  q.cursor = encode_query_cursor({SortColumn::created_at, true, 5, 7, ""});
  q.sort = SortColumn::created_at;
  CHECK(!check_list_query(q).ok());  // ascending query, descending cursor
  q.descending = true;
  CHECK(check_list_query(q).ok());
  q.cursor = "garbage";
  CHECK(check_list_query(q).code == ErrorCode::bad_request);
}

TEST_CASE("cursors round-trip and malformed ones are refused with the reason", "[state][query]") {
  QueryCursor c{SortColumn::job_class, true, 0, 0x0123456789abcdefULL, std::string("Mail\0.x", 7)};
  Result<QueryCursor> back = decode_query_cursor(encode_query_cursor(c));
  REQUIRE(back.ok());
  CHECK(back->sort == c.sort);
  CHECK(back->descending);
  CHECK(back->id == c.id);
  CHECK(back->text == c.text);
  QueryCursor n{SortColumn::created_at, false, -42, 9, ""};
  REQUIRE(decode_query_cursor(encode_query_cursor(n)).ok());
  CHECK(decode_query_cursor(encode_query_cursor(n))->number == -42);

  const std::pair<const char*, const char*> bad[] = {
      {"", "expected 5 parts"},
      {"id.a.0.0000000000000001", "expected 5 parts"},
      {"idx.a.0.0000000000000001.", "unknown sort column"},
      {"id.x.0.0000000000000001.", "direction"},
      {"id.a.zz.0000000000000001.", "64-bit integer"},
      {"id.a.99999999999999999999.0000000000000001.", "64-bit integer"},
      {"id.a.0.00000000000001.", "16 hex digits"},
      {"id.a.0.000000000000000G.", "16 hex digits"},
      {"queue.a.0.0000000000000001.abc", "hex-encoded"},
      {"queue.a.0.0000000000000001.ZZ", "lower-case hex"},
      {"id.a.0.0000000000000001.61", "only queue and class"},
      {"queue.a.3.0000000000000001.61", "carry no number"},
      {"id.a.0.0000000000000001..", "expected 5 parts"},
  };
  for (const auto& [text, why] : bad) {
    INFO(text);
    Result<QueryCursor> r = decode_query_cursor(text);
    REQUIRE(!r.ok());
    CHECK(r.status().code == ErrorCode::bad_request);
    CHECK(r.status().message.find(why) != std::string::npos);
  }
  CHECK(!decode_query_cursor("queue.a.0.0000000000000001." + std::string(2050, 'a')).ok());
}
