// desaster-web's search index (ui/web/server/search_index.hpp) and the pages
// it answers (search_page.hpp): every job whose text holds the needle is a
// candidate, however the text is cased or encoded; jobs leave it when they
// are deleted and follow their texts when they change; and a page from the
// index is the page State::list()'s scan gives, cursor for cursor.
#include <algorithm>
#include <catch2/catch.hpp>

#include "core/model/job_id.hpp"
#include "core/state/list_query.hpp"
#include "state_test_support.hpp"
#include "ui/web/server/search_index.hpp"
#include "ui/web/server/search_page.hpp"

using namespace desaster;
using namespace desaster::testing;
using namespace desaster::web;

namespace {

// A log whose every op also goes to an index, as the Replica's feed does.
struct Indexed {
  Log log;
  SearchIndex index;
  explicit Indexed(std::size_t compact_after = 65'536) : index(compact_after) {}

  ApplyResult step(const Op& op) {
    ApplyResult r = log.step(op);
    index.apply(r, log.state);
    return r;
  }
  void enqueue(Job job) { REQUIRE(step(EnqueueOp{{std::move(job)}}).statuses.at(0).ok()); }
  void fail(JobId id, const std::string& error) {
    REQUIRE(step(LeaseOp{{LeaseGrant{id, log.state.find(id)->attempts + 1, "node-a", "w1", 0}}})
                .statuses.at(0)
                .ok());
    const Job* job = log.state.find(id);
    Completion c;
    c.id = id;
    c.term = job->lease_term;
    c.attempt = job->attempts;
    c.outcome = Outcome::failed;
    c.exit_status = 1;
    c.error = error;
    c.output_tail = "tail of " + std::to_string(id);
    REQUIRE(step(CompleteOp{{c}}).statuses.at(0).ok());
  }
  std::vector<JobId> find(std::string_view needle) const {
    auto ids = index.candidates(needle, 1'000'000);
    REQUIRE(ids.has_value());
    return *ids;
  }
};

bool has(const std::vector<JobId>& ids, JobId id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// Every page of query from the index and from State::list(), followed
// through their cursors: the same rows in the same order, the same cursors.
void same_pages(const State& state, const SearchIndex& index, ListQuery query) {
  REQUIRE(check_list_query(query).ok());
  std::vector<JobId> from_index;
  std::vector<JobId> from_scan;
  ListQuery a = query;
  for (int pages = 0; pages < 100; ++pages) {
    std::optional<ListPage> page = search_page(state, index, a);
    REQUIRE(page.has_value());
    for (const Job* j : page->jobs) from_index.push_back(j->id);
    if (page->cursor.empty()) break;
    a.cursor = page->cursor;
  }
  ListQuery b = query;
  for (int pages = 0; pages < 100; ++pages) {
    const ListPage page = state.list(b);
    for (const Job* j : page.jobs) from_scan.push_back(j->id);
    if (page.cursor.empty()) break;
    b.cursor = page.cursor;
  }
  INFO("search '" << query.search << "' sort " << static_cast<int>(query.sort)
                  << (query.descending ? " desc" : " asc"));
  CHECK(from_index == from_scan);
  std::optional<ListPage> first = search_page(state, index, query);
  REQUIRE(first.has_value());
  CHECK(first->total == from_scan.size());
  CHECK(first->total_exact);
}

}  // namespace

TEST_CASE("the search index finds a job by any part of any text it searches", "[web][search]") {
  Indexed t;
  Job job = make_job(0x00c0ffee00001234, "mail");
  job.job_class = "Mailer::Welcome";
  job.payload = std::string("\x92\xa5hello\xc4\x03\xff\xfe\x00world", 14);  // msgpack, binary
  job.unique_key = "user-42/welcome";
  t.enqueue(make_job(2, "mail"));
  t.enqueue(job);
  t.fail(0x00c0ffee00001234, "KeyError: 'Ünïcode'");

  const std::string_view needles[] = {
      "c0ffee",   "00C0FFEE00001234", "mailer::",     "WELCOME",
      "hello",    "lo\xc4",           "\x03\xff\xfe", std::string_view("\xfe\x00w", 3),
      "keyerror", "Ünïcode",          "\xc3\x9cn",    "tail of",
      "user-42/"};
  for (std::string_view needle : needles) {
    INFO(needle);
    CHECK(has(t.find(needle), 0x00c0ffee00001234));
  }
  CHECK(t.find("nowhere at all").empty());
  // The texts are indexed one by one: no trigram spans two of them.
  CHECK_FALSE(has(t.find("welcomehello"), 0x00c0ffee00001234));
  // Shorter than a trigram, or so common that more than `max` jobs may
  // match: the index cannot narrow it (the caller scans).
  CHECK_FALSE(t.index.candidates("", 10).has_value());
  CHECK_FALSE(t.index.candidates("ab", 10).has_value());
  CHECK_FALSE(t.index.candidates("000", 1).has_value());
  CHECK(t.index.candidates("000", 2)->size() == 2);
  // Malformed UTF-8 and control bytes are just bytes.
  CHECK(t.find("\xc3\x28\xa0").empty());
  CHECK(t.find(std::string_view("\x00\x00\x00", 3)).empty());
  CHECK(t.index.jobs() == 2);
}

TEST_CASE("the search index drops deleted jobs and follows changed texts", "[web][search]") {
  Indexed t;
  for (JobId id = 1; id <= 20; ++id) t.enqueue(make_job(id, "q"));
  t.fail(3, "Timeout::Error");
  CHECK(t.find("timeout::") == std::vector<JobId>{3});

  // Deleted: gone from the index (its event says removed).
  REQUIRE(t.step(DeleteOp{{3, 4}}).statuses.at(0).ok());
  CHECK(t.find("timeout::").empty());
  CHECK_FALSE(has(t.find("payload-"), 4));
  CHECK(t.index.jobs() == 18);

  // Killed: its error is the kill's; retried: queued again, found by what it holds now.
  REQUIRE(t.step(KillOp{{5}}).statuses.at(0).ok());
  const std::string killed = t.log.state.find(5)->last_error;
  REQUIRE_FALSE(killed.empty());
  CHECK(has(t.find(killed), 5));
  REQUIRE(t.step(RetryOp{{5}}).statuses.at(0).ok());
  const Job* retried = t.log.state.find(5);
  REQUIRE(retried->state == JobState::queued);
  CHECK(has(t.find(killed), 5) == (retried->last_error.find(killed) != std::string::npos));
  CHECK(has(t.find("payload-5"), 5));

  // An index rebuilt from the state answers as the one kept op by op.
  SearchIndex rebuilt;
  rebuilt.rebuild(t.log.state);
  for (std::string_view needle : {"payload-1", "tail of", "00000000000000", "shell"})
    CHECK(*rebuilt.candidates(needle, 1000) == t.find(needle));
}

TEST_CASE("the search index compacts its dead slots and still answers", "[web][search]") {
  Indexed t(8);
  for (JobId id = 1; id <= 10; ++id) t.enqueue(make_job(id, "q"));
  // Each failure changes a job's texts: a new slot, the old one dead.
  for (JobId id = 1; id <= 10; ++id) t.fail(id, "Boom " + std::to_string(id));
  REQUIRE(t.step(DeleteOp{{1, 2, 3, 4, 5}}).statuses.at(0).ok());
  CHECK(t.index.jobs() == 5);
  CHECK(t.index.dead_slots() < 8);  // compacted on the way
  CHECK(t.find("boom") == std::vector<JobId>{6, 7, 8, 9, 10});
  CHECK(t.find("boom 7") == std::vector<JobId>{7});
  CHECK(t.find("payload-1") == std::vector<JobId>{10});
}

TEST_CASE("a page from the search index is the page State::list() scans", "[web][search]") {
  Indexed t;
  const char* queues[] = {"a", "b", "c"};
  for (JobId id = 1; id <= 90; ++id) {
    Job job = make_job(id, queues[id % 3], static_cast<std::int32_t>(id % 4));
    job.job_class = id % 2 ? "Mailer" : "Report";
    t.log.now = kT0 + static_cast<TimeMs>((id * 7919) % 97) * 1000;
    t.enqueue(job);
  }
  for (JobId id = 1; id <= 90; id += 4) t.fail(id, id % 8 == 1 ? "Timeout" : "KeyError: x");

  for (const char* search : {"payload-1", "PAYLOAD-", "timeout", "keyerror", "tail of 1"}) {
    for (SortColumn sort :
         {SortColumn::id, SortColumn::queue, SortColumn::job_class, SortColumn::state,
          SortColumn::priority, SortColumn::created_at, SortColumn::finished_at}) {
      for (bool desc : {false, true}) {
        ListQuery q;
        q.search = search;
        q.sort = sort;
        q.descending = desc;
        q.limit = 7;
        same_pages(t.log.state, t.index, q);
        q.queue = "b";
        same_pages(t.log.state, t.index, q);
        q.queue.clear();
        q.states = {JobState::failed, JobState::dead};
        q.job_class = "Mailer";
        same_pages(t.log.state, t.index, q);
      }
    }
  }
  // A cursor from a scanned page goes on from the index, and back.
  ListQuery q;
  q.search = "payload-";
  q.limit = 10;
  const ListPage scanned = t.log.state.list(q);
  REQUIRE_FALSE(scanned.cursor.empty());
  q.cursor = scanned.cursor;
  std::optional<ListPage> next = search_page(t.log.state, t.index, q);
  REQUIRE(next.has_value());
  REQUIRE_FALSE(next->jobs.empty());
  CHECK(next->jobs.front()->id == scanned.jobs.back()->id + 1);
  CHECK(next->total == 90);  // every job holds "payload-"
}
