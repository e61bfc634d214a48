// desaster-top's view model without a terminal: what each pane shows, keys,
// sorting, filtering, selection, confirmation, layout by terminal size.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "core/model/job_id.hpp"
#include "tests/unit/state_test_support.hpp"
#include "ui/top/top_format.hpp"
#include "ui/top/top_view.hpp"

using namespace desaster;
using namespace desaster::top;

namespace {

constexpr TimeMs kNow = 1'750'000'100'000;

QueueStat queue(std::string name, std::uint64_t queued, bool paused = false) {
  QueueStat q;
  q.name = std::move(name);
  q.counts[static_cast<std::size_t>(JobState::queued)] = queued;
  q.paused = paused;
  q.qdisc = "priority";
  q.oldest_queued = queued ? kNow - 90'000 : 0;
  return q;
}

TopData sample() {
  TopData d;
  d.now = kNow;
  d.endpoint = "tcp://127.0.0.1:2691";
  d.mode = "standalone";
  d.term = 3;
  d.index = 42;
  protocol::NodeSummary n;
  n.node = "0123456789abcdef0123456789abcdef";
  n.address = "127.0.0.1";
  n.role = "leader";
  n.self = true;
  d.nodes = {n};
  d.queues = {queue("mail", 5), queue("video", 50), queue("audio", 1, true)};
  d.counts[static_cast<std::size_t>(JobState::queued)] = 56;
  protocol::ResourcesReply res;
  res.node = n.node;
  protocol::WorkerResources busy;
  busy.pid = 4242;
  busy.pool = "shell";
  busy.role = "job";
  busy.job = 0x0123456789abcdefull;
  protocol::WorkerResources idle;
  idle.pid = 77;
  idle.pool = "rails";
  idle.role = "worker";
  res.workers = {busy, idle};
  d.resources = {res};
  d.failed = {{"mail", 3}, {"video", 1}};
  return d;
}

std::vector<std::string> keys(const ViewModel& v, Pane p) {
  std::vector<std::string> out;
  for (const Row& r : v.table(p).rows) out.push_back(r.key);
  return out;
}

void type(ViewModel& v, const std::string& text) {
  for (char c : text) v.handle_key(c);
}

bool shows(const Frame& f, const std::string& text) {
  return plain_text(f).find(text) != std::string::npos;
}

}  // namespace

TEST_CASE("top: the screen fits 80x24 exactly and shows the cluster and the queues",
          "[top][view]") {
  ViewModel v;
  v.update(sample());
  Frame f = v.render(80, 24);
  REQUIRE(f.size() == 24);
  for (const Line& l : f) CHECK(display_width(l.text()) == 80);
  CHECK(shows(f, "127.0.0.1:2691  standalone  nodes 1  leader 01234567  term 3  index 42  lag 0"));
  CHECK(shows(f, "leader 01234567"));
  CHECK(shows(f, "term 3"));
  CHECK(shows(f, "queued 56"));
  CHECK(shows(f, "Queues (3)"));
  CHECK(shows(f, "video"));
  CHECK(shows(f, "paused"));
  CHECK(shows(f, "1m"));             // oldest job's age
  CHECK_FALSE(shows(f, "Workers"));  // one pane at 80x24
}

TEST_CASE("top: a big terminal shows the panes together", "[top][view]") {
  ViewModel v;
  v.update(sample());
  Frame f = v.render(200, 60);
  REQUIRE(f.size() == 60);
  for (const Line& l : f) CHECK(display_width(l.text()) == 200);
  CHECK(shows(f, "Nodes (1)"));
  CHECK(shows(f, "Queues (3)"));
  CHECK(shows(f, "Workers (2)"));
  CHECK(shows(f, "Failed by queue (2)"));
  // A tiny terminal still gets a frame of its size.
  Frame tiny = v.render(10, 3);
  CHECK(tiny.size() == 3);
  for (const Line& l : tiny) CHECK(display_width(l.text()) == 10);
}

TEST_CASE("top: number keys and Tab switch panes", "[top][view][keys]") {
  ViewModel v;
  v.update(sample());
  CHECK(v.focus() == Pane::queues);
  v.handle_key('3');
  CHECK(v.focus() == Pane::workers);
  CHECK(shows(v.render(80, 24), "4242"));
  v.handle_key(kKeyTab);
  CHECK(v.focus() == Pane::failed);
  v.handle_key(kKeyBackTab);
  v.handle_key(kKeyBackTab);
  CHECK(v.focus() == Pane::queues);
}

TEST_CASE("top: > and < pick the sort column and I reverses it", "[top][view][keys]") {
  ViewModel v;
  v.update(sample());
  CHECK(keys(v, Pane::queues) == std::vector<std::string>{"audio", "mail", "video"});
  v.handle_key('>');  // QUEUED: deepest first
  CHECK(v.sort_column(Pane::queues) == 1);
  CHECK(keys(v, Pane::queues) == std::vector<std::string>{"video", "mail", "audio"});
  CHECK(shows(v.render(80, 24), "sort QUEUED"));
  v.handle_key('I');
  CHECK(keys(v, Pane::queues) == std::vector<std::string>{"audio", "mail", "video"});
  v.handle_key('<');
  v.handle_key('<');  // wraps to the last column
  CHECK(v.sort_column(Pane::queues) == v.table(Pane::queues).columns.size() - 1);
}

TEST_CASE("top: / filters the focused pane as one types, Esc clears it", "[top][view][keys]") {
  ViewModel v;
  v.update(sample());
  v.handle_key('/');
  CHECK(v.mode() == Mode::filter);
  type(v, "vid");
  CHECK(keys(v, Pane::queues) == std::vector<std::string>{"video"});
  CHECK(shows(v.render(80, 24), "filter Queues: vid_"));
  v.handle_key(kKeyBackspace);
  v.handle_key(kKeyBackspace);
  // "v" is in "video" and in the STATE cell "active" of mail, not in audio's row.
  CHECK(keys(v, Pane::queues) == std::vector<std::string>{"mail", "video"});
  type(v, "ideo");
  v.handle_key(kKeyEnter);
  CHECK(v.mode() == Mode::normal);
  CHECK(v.filter(Pane::queues) == "video");
  // The filter survives new data.
  v.update(sample());
  CHECK(keys(v, Pane::queues) == std::vector<std::string>{"video"});
  CHECK(shows(v.render(80, 24), "filter 'video'"));
  v.handle_key(kKeyEscape);
  CHECK(keys(v, Pane::queues).size() == 3);
}

TEST_CASE("top: the selection stays on its row when the order changes", "[top][view][keys]") {
  ViewModel v;
  v.update(sample());
  v.handle_key(kKeyDown);
  CHECK(v.selected_key(Pane::queues) == "mail");
  TopData d = sample();
  d.queues.insert(d.queues.begin(), queue("aaa", 0));
  v.update(d);
  CHECK(v.selected_key(Pane::queues) == "mail");
  v.handle_key(kKeyEnd);
  CHECK(v.selected_key(Pane::queues) == "video");
  v.handle_key(kKeyHome);
  CHECK(v.selected_key(Pane::queues) == "aaa");
  v.handle_key(kKeyUp);  // stays at the top
  CHECK(v.selected_key(Pane::queues) == "aaa");
}

TEST_CASE("top: an action waits for y, and anything else cancels it", "[top][view][keys]") {
  ViewModel v;
  v.update(sample());
  v.handle_key(kKeyEnd);  // video
  KeyResult r = v.handle_key('p');
  CHECK_FALSE(r.action);
  CHECK(v.mode() == Mode::confirm);
  CHECK(shows(v.render(80, 24), "pause queue video? (y/n)"));
  r = v.handle_key('n');
  CHECK_FALSE(r.action);
  CHECK(v.mode() == Mode::normal);
  CHECK(shows(v.render(80, 24), "cancelled"));
  v.handle_key('p');
  r = v.handle_key('y');
  REQUIRE(r.action);
  CHECK(*r.action == Action{ActionKind::pause_queue, "video"});
  // A paused queue is resumed instead.
  v.handle_key(kKeyHome);  // audio, paused
  v.handle_key('p');
  r = v.handle_key('y');
  REQUIRE(r.action);
  CHECK(r.action->kind == ActionKind::resume_queue);
}

TEST_CASE("top: each pane offers its own actions", "[top][view][keys]") {
  ViewModel v;
  v.update(sample());
  auto confirmed = [&](int key) {
    v.handle_key(key);
    return v.handle_key('y').action;
  };
  v.handle_key('1');
  auto drain = confirmed('d');
  REQUIRE(drain);
  CHECK(drain->kind == ActionKind::drain_node);
  CHECK(drain->target == "0123456789abcdef0123456789abcdef");
  v.handle_key('3');  // workers, by pid largest first: 4242 (a shell job), 77 (idle, rails)
  auto kill = confirmed('k');
  REQUIRE(kill);
  CHECK(*kill == Action{ActionKind::kill_job, "0123456789abcdef"});
  CHECK_FALSE(confirmed('R'));  // the shell pool has nothing to reload
  v.handle_key(kKeyDown);
  CHECK_FALSE(confirmed('k'));  // idle: nothing to kill
  auto reload = confirmed('R');
  REQUIRE(reload);
  CHECK(*reload == Action{ActionKind::reload_pool, "rails"});
  v.handle_key('4');
  auto retry = confirmed('r');
  REQUIRE(retry);
  CHECK(retry->kind == ActionKind::retry_group);
  CHECK(retry->target == "mail");  // largest group first
  CHECK(describe(*retry) == "retry the failed jobs of queue mail");
  CHECK_FALSE(confirmed('p'));  // not a failed-pane key
}

TEST_CASE("top: Enter on a queue opens its jobs, with kill, retry and delete",
          "[top][view][keys]") {
  ViewModel v;
  v.update(sample());
  CHECK(shows(v.render(80, 24), "Queues"));
  v.handle_key(kKeyDown);  // mail
  v.handle_key(kKeyEnter);
  CHECK(v.focus() == Pane::jobs);
  REQUIRE(v.jobs_scope());
  CHECK(*v.jobs_scope() == JobsScope{false, GroupBy::queue, "mail"});
  TopData d = sample();
  d.jobs_scope = v.jobs_scope();
  JobRow j;
  j.id = 0x00000000000000aaull;
  j.queue = "mail";
  j.job_class = "shell";
  j.state = JobState::queued;
  j.created_at = kNow - 5000;
  j.eta_start = kNow + 120'000;
  d.jobs = {j};
  v.update(d);
  Frame f = v.render(80, 24);
  CHECK(shows(f, "Jobs of queue mail (1)"));
  CHECK(shows(f, "00000000000000aa"));
  CHECK(shows(f, "2m"));  // ETA
  v.handle_key('k');
  CHECK(v.handle_key('y').action == Action{ActionKind::kill_job, "00000000000000aa"});
  v.handle_key('r');
  CHECK(v.handle_key('y').action == Action{ActionKind::retry_job, "00000000000000aa"});
  v.handle_key(kKeyDelete);
  CHECK(v.handle_key('y').action == Action{ActionKind::delete_job, "00000000000000aa"});
}

TEST_CASE("top: g groups the failed set by queue, class, then error", "[top][view][keys]") {
  ViewModel v;
  v.update(sample());
  v.handle_key('4');
  CHECK(v.failed_by() == GroupBy::queue);
  v.handle_key('g');
  CHECK(v.failed_by() == GroupBy::job_class);
  v.handle_key('g');
  CHECK(v.failed_by() == GroupBy::error);
  CHECK(shows(v.render(80, 24), "Failed by error"));
  v.handle_key('g');
  CHECK(v.failed_by() == GroupBy::queue);
  CHECK(v.table(Pane::failed).rows.empty());  // until data of the new grouping comes
  v.update(sample());
  v.handle_key(kKeyEnter);
  REQUIRE(v.jobs_scope());
  CHECK(v.jobs_scope()->group);
}

TEST_CASE("top: ? and F1 show the help, any key closes it, q quits", "[top][view][keys]") {
  ViewModel v;
  v.update(sample());
  v.handle_key('?');
  CHECK(v.mode() == Mode::help);
  Frame f = v.render(80, 24);
  CHECK(shows(f, "Help"));
  CHECK(shows(f, "invert the sort order"));
  CHECK(shows(f, "failed, jobs, cron"));
  // Every key's line fits an 80x24 help screen (header, message, footer).
  CHECK(help_lines().size() + 1 <= 24 - 6);
  CHECK(shows(f, "this help (any key closes it)"));
  CHECK_FALSE(v.handle_key('x').quit);
  CHECK(v.mode() == Mode::normal);
  v.handle_key(kKeyF1);
  CHECK(v.mode() == Mode::help);
  v.handle_key(kKeyEscape);
  CHECK(v.handle_key('q').quit);
  // q inside the filter is text, not quit.
  v.handle_key('/');
  CHECK_FALSE(v.handle_key('q').quit);
  CHECK(v.filter(Pane::queues) == "q");
}

TEST_CASE("top: the header says where top is and what happened to its node", "[top][view]") {
  ViewModel v;
  TopData d = sample();
  d.notice = "node tcp://10.0.0.1:2691 lost (timed out); now on tcp://10.0.0.2:2691";
  v.update(d);
  Frame f = v.render(120, 24);
  CHECK(shows(f, "now on tcp://10.0.0.2:2691"));
  v.set_message("done: pause queue mail");
  CHECK(shows(v.render(120, 24), "done: pause queue mail"));
}

TEST_CASE("top: counts, queues, groups and jobs come from the replica", "[top][data]") {
  testing::Log log;
  REQUIRE(log.enqueue(testing::make_job(1, "mail")).ok());
  REQUIRE(log.enqueue(testing::make_job(2, "mail")).ok());
  REQUIRE(log.enqueue(testing::make_job(3, "video")).ok());
  REQUIRE(log.lease(3).ok());
  RateTracker rates;
  TopData d;
  d.now = testing::kT0 + 1000;
  d.jobs_scope = JobsScope{false, GroupBy::queue, "mail"};
  collect_from_state(log.state, rates, 10, d);
  CHECK(d.counts[static_cast<std::size_t>(JobState::queued)] == 2);
  CHECK(d.counts[static_cast<std::size_t>(JobState::running)] == 1);
  REQUIRE(d.queues.size() == 2);
  CHECK(d.queues[0].name == "mail");
  CHECK(d.queues[0].oldest_queued == testing::kT0);
  REQUIRE(d.jobs.size() == 2);
  CHECK(d.jobs[0].id == 1);
  collect_from_state(log.state, rates, 1, d);
  CHECK(d.jobs.size() == 1);  // no more than asked
  CHECK(jobs_in_scope(log.state, JobsScope{false, GroupBy::queue, "video"}, 10) ==
        std::vector<JobId>{3});
}

TEST_CASE("top: only the lines that changed are drawn again", "[top][view]") {
  ViewModel v;
  v.update(sample());
  Frame first = v.render(80, 24);
  CHECK(changed_lines({}, first).size() == 24);
  CHECK(changed_lines(first, v.render(80, 24)).empty());
  TopData d = sample();
  d.queues[1].counts[static_cast<std::size_t>(JobState::queued)] = 51;  // video
  v.update(d);
  Frame second = v.render(80, 24);
  std::vector<std::size_t> changed = changed_lines(first, second);
  REQUIRE(changed.size() == 1);
  CHECK(second[changed[0]].text().find("video") != std::string::npos);
  // Another width redraws everything.
  CHECK(changed_lines(second, v.render(100, 24)).size() == 24);
}

TEST_CASE("top: hostile numbers from the node neither break sorting nor overflow", "[top][view]") {
  TopData d = sample();
  d.resources[0].workers[0].cpu_percent = std::nan("");
  d.resources[0].workers[1].cpu_percent = 1e308;
  JobRow j;
  j.id = 1;
  j.eta_start = std::numeric_limits<TimeMs>::min();
  d.jobs = {j};
  d.jobs_scope = JobsScope{false, GroupBy::queue, "mail"};
  ViewModel v;
  v.update(d);
  v.handle_key('3');
  for (int i = 0; i < 5; ++i) v.handle_key('>');  // CPU%
  CHECK(v.table(Pane::workers).rows.size() == 2);
  CHECK(v.table(Pane::workers).rows[0].key == "01234567:77");  // 1e308 before NaN (as -1)
  v.handle_key('5');
  Frame f = v.render(120, 24);
  CHECK(shows(f, "Jobs (1)"));
  CHECK(shows(f, "0000000000000001"));
}

namespace {

// A second node with a worker whose pid repeats the first node's.
TopData two_nodes() {
  TopData d = sample();
  protocol::NodeSummary other;
  other.node = "fedcba9876543210fedcba9876543210";
  other.address = "10.0.0.2";
  other.role = "follower";
  d.nodes.push_back(other);
  protocol::ResourcesReply res;
  res.node = other.node;
  res.current.cpu_percent = 12.5;
  res.current.load1 = 0.75;
  protocol::WorkerResources w;
  w.pid = 4242;
  w.pool = "shell";
  w.role = "job";
  w.job = 0x00000000000000ffull;
  w.cpu_percent = 99;
  w.rss_kb = 2048;
  res.workers = {w};
  d.resources.push_back(res);
  d.job_started[w.job] = kNow - 65'000;
  return d;
}

CronRow cron(std::string name, std::optional<TimeMs> next, bool paused = false) {
  CronRow c;
  c.name = std::move(name);
  c.schedule = "*/5 * * * *";
  c.queue = "reports";
  c.paused = paused;
  c.next = next;
  return c;
}

}  // namespace

TEST_CASE("top: the workers pane lists the workers of every node that answered", "[top][view]") {
  ViewModel v;
  v.update(two_nodes());
  v.handle_key('3');
  // The same pid on two nodes is two rows.
  CHECK(keys(v, Pane::workers) ==
        std::vector<std::string>{"01234567:4242", "fedcba98:4242", "01234567:77"});
  Frame f = v.render(120, 24);
  CHECK(shows(f, "Workers (3)"));
  CHECK(shows(f, "fedcba98"));
  CHECK(shows(f, "1m"));  // how long the other node's job has run
  // Sorting by CPU% puts the other node's busy worker first.
  for (int i = 0; i < 5; ++i) v.handle_key('>');
  CHECK(shows(v.render(120, 24), "sort CPU%"));
  CHECK(keys(v, Pane::workers).front() == "fedcba98:4242");
  // Its job is killed through the cluster like any other.
  v.handle_key(kKeyHome);  // the selection had followed its row
  v.handle_key('k');
  auto kill = v.handle_key('y').action;
  REQUIRE(kill);
  CHECK(*kill == Action{ActionKind::kill_job, "00000000000000ff"});
  // The nodes pane shows each node's own sample.
  v.handle_key('1');
  Frame nodes = v.render(120, 24);
  CHECK(shows(nodes, "12.5"));
  CHECK(shows(nodes, "0.75"));
}

TEST_CASE("top: the cron pane lists entries, sorts by next run and pauses with a confirmation",
          "[top][view][cron]") {
  TopData d = sample();
  CronRow ran = cron("nightly", kNow + 3'600'000);
  ran.zone = "Europe/Berlin";
  ran.last_run = kNow - 120'000;
  ran.last_kind = "fired";
  d.cron = {ran, cron("soon", kNow + 30'000), cron("held", std::nullopt, true)};
  ViewModel v;
  v.update(d);
  v.handle_key('c');
  CHECK(v.focus() == Pane::cron);
  CHECK(keys(v, Pane::cron) == std::vector<std::string>{"held", "nightly", "soon"});
  Frame f = v.render(120, 24);
  CHECK(shows(f, "[6] Cron (3)  sort NAME"));
  CHECK(shows(f, "Europe/Berlin"));
  CHECK(shows(f, "in 1h"));
  CHECK(shows(f, "2m ago"));
  CHECK(shows(f, "paused"));
  CHECK(shows(f, "reports"));
  // NEXT: the soonest first, the paused entry (no next run) last.
  for (int i = 0; i < 2; ++i) v.handle_key('>');
  CHECK(shows(v.render(120, 24), "sort NEXT"));
  CHECK(keys(v, Pane::cron) == std::vector<std::string>{"soon", "nightly", "held"});
  v.handle_key('I');
  CHECK(keys(v, Pane::cron) == std::vector<std::string>{"held", "nightly", "soon"});
  // p pauses an active entry and resumes a paused one, after y.
  v.handle_key('p');
  CHECK(v.mode() == Mode::confirm);
  CHECK(shows(v.render(120, 24), "resume cron entry held? (y/n)"));
  auto resume = v.handle_key('y').action;
  REQUIRE(resume);
  CHECK(*resume == Action{ActionKind::resume_cron, "held"});
  v.handle_key(kKeyDown);
  v.handle_key('p');
  auto pause = v.handle_key('y').action;
  REQUIRE(pause);
  CHECK(*pause == Action{ActionKind::pause_cron, "nightly"});
  CHECK_FALSE(v.handle_key('k').action);  // no kill in the cron pane
  // 6 is the same pane; a big terminal shows it with the others.
  v.handle_key('1');
  v.handle_key('6');
  CHECK(v.focus() == Pane::cron);
  Frame big = v.render(200, 60);
  CHECK(shows(big, "Nodes (1)"));
  CHECK(shows(big, "Cron (3)"));
}

TEST_CASE("top: without cron entries the big screen has no cron pane", "[top][view][cron]") {
  ViewModel v;
  v.update(sample());
  CHECK_FALSE(shows(v.render(200, 60), "Cron ("));
}

TEST_CASE("top: cron entries come from the replica with their next instant", "[top][data][cron]") {
  testing::Log log;
  CronEntry e;
  e.name = "every10";
  e.schedule = "@every 10s";
  e.job = testing::make_job(0, "reports");
  REQUIRE(log.one(CronAddOp{e}).ok());
  CronEntry p = e;
  p.name = "held";
  REQUIRE(log.one(CronAddOp{p}).ok());
  REQUIRE(log.one(CronPauseOp{"held", true}).ok());
  const TimeMs instant = testing::kT0 + 5'000;
  REQUIRE(log.one(CronFireOp{"every10", instant, CronRunKind::fired, 101}).ok());
  RateTracker rates;
  TopData d;
  d.now = testing::kT0 + 6'000;
  collect_from_state(log.state, rates, 10, d);
  REQUIRE(d.cron.size() == 2);
  const CronRow& held = d.cron[0].name == "held" ? d.cron[0] : d.cron[1];
  const CronRow& every = d.cron[0].name == "held" ? d.cron[1] : d.cron[0];
  CHECK(held.paused);
  CHECK_FALSE(held.next);
  CHECK(every.queue == "reports");
  CHECK(every.last_run == instant);
  CHECK(every.last_kind == "fired");
  CHECK(every.last_job == 101);
  REQUIRE(every.next);
  CHECK(*every.next > instant);
  CHECK(*every.next <= instant + 10'000);
  // A schedule that does not parse shows no next instant rather than fail.
  CronEntry bad = e;
  bad.schedule = "not a schedule";
  CHECK_FALSE(cron_next(bad));
}

TEST_CASE("top: the nodes pane counts every node's running jobs and, from the leader, free slots",
          "[top][view]") {
  TopData d = two_nodes();
  d.nodes[0].running = 2;
  d.nodes[0].free_slots = 1;
  d.nodes[1].running = 3;
  d.nodes[1].free_slots = 4;
  ViewModel v;
  v.update(d);
  auto cells = [&](std::size_t row) {
    const Row& r = v.table(Pane::nodes).rows.at(row);
    return std::pair{r.cells.at(3).text, r.cells.at(4).text};  // RUN, FREE
  };
  CHECK(cells(0) == std::pair<std::string, std::string>{"2", "1"});
  CHECK(cells(1) == std::pair<std::string, std::string>{"3", "4"});
  // Connected to a follower: only its own free slots are known.
  d.nodes[0].role = "voter";
  v.update(d);
  CHECK(cells(0) == std::pair<std::string, std::string>{"2", "1"});
  CHECK(cells(1).first == "3");
  CHECK(cells(1).second != "4");
}
