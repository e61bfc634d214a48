// desaster-top as a person uses it: in a tmux pane of a fixed size against
// a real node, keys sent with send-keys, the screen read with capture-pane,
// every expectation awaited with a bound.
#include <signal.h>
#include <unistd.h>

#include <sstream>

#include "core/model/job_id.hpp"
#include "tests/integration/harness/fixtures.hpp"
#include "tests/integration/harness/tmux.hpp"

using namespace desaster;
using namespace desaster::test;

namespace {

// The line of the screen that shows `text`, -1 when none does.
int line_of(const std::string& screen, const std::string& text) {
  std::istringstream in(screen);
  std::string line;
  for (int i = 0; std::getline(in, line); ++i) {
    if (contains(line, text)) return i;
  }
  return -1;
}

CommandResult ctl(const RunningNode& n, std::vector<std::string> args) {
  args.insert(args.begin(), {DESASTERCTL_BIN, "-c", "127.0.0.1:" + std::to_string(n.port)});
  return run_command(args);
}

bool cron_paused(RunningNode& n, const std::string& name) {
  protocol::CronCommand show;
  show.action = protocol::CronAction::show;
  show.name = name;
  auto r = n.client->cron(show);
  return r.ok() && !r->entries.empty() && r->entries[0].entry.paused;
}

// The screen's line that shows `text` ("" when none does).
std::string line_with(const std::string& screen, const std::string& text) {
  std::istringstream in(screen);
  std::string line;
  while (std::getline(in, line)) {
    if (contains(line, text)) return line;
  }
  return {};
}

bool queue_paused(RunningNode& n, const std::string& name) {
  auto queues = n.client->queues();
  if (!queues.ok()) return false;
  for (const auto& q : *queues) {
    if (q.name == name) return q.paused;
  }
  return false;
}

}  // namespace

TEST_CASE(
    "desaster-top in tmux shows queues live, filters, sorts, acts with confirmation and "
    "restores the terminal on q",
    "[integration][top]") {
  RunningNode n;
  // A job that runs until it is killed, and a paused queue with a backlog
  // (the depth to sort by).
  CommandResult sleeper = ctl(n, {"enqueue", "--queue", "mailq", "--", "sleep", "300"});
  REQUIRE(sleeper.exit_status == 0);
  const std::string sleeper_id = sleeper.out.substr(0, 16);
  REQUIRE(ctl(n, {"queue", "create", "deepq"}).exit_status == 0);
  REQUIRE(ctl(n, {"queue", "pause", "deepq"}).exit_status == 0);
  for (int i = 0; i < 3; ++i) {
    REQUIRE(ctl(n, {"enqueue", "--queue", "deepq", "--", "true"}).exit_status == 0);
  }
  REQUIRE(wait_until([&] {
    auto job = n.client->get(*parse_job_id(sleeper_id));
    return job.ok() && job->state == JobState::running;
  }));

  const std::string top = std::string(DESASTER_TOP_BIN) + " -c 127.0.0.1:" + std::to_string(n.port);
  Tmux t("echo before-top; " + top + "; echo top-exit-$?; sleep 600", 100, 30);

  // The queues pane shows the queues made with desasterctl.
  REQUIRE_SCREEN(t, t.wait_for("Queues (2)"));
  CHECK(contains(t.last, "mailq"));
  CHECK(contains(t.last, "deepq"));
  CHECK(t.format("#{alternate_on}") == "1");

  // An op shows live: a queue created now appears without a key pressed.
  const auto before = std::chrono::steady_clock::now();
  REQUIRE(ctl(n, {"enqueue", "--queue", "liveq", "--", "true"}).exit_status == 0);
  REQUIRE_SCREEN(t, t.wait_for("liveq", std::chrono::seconds(3)));
  const auto shown_after = std::chrono::steady_clock::now() - before;
  CHECK(shown_after < std::chrono::seconds(2));

  // Sorting by depth puts the backlog first.
  t.text(">");
  REQUIRE_SCREEN(t, t.wait_for("sort QUEUED"));
  CHECK(line_of(t.last, "deepq") < line_of(t.last, "mailq"));
  CHECK(line_of(t.last, "deepq") < line_of(t.last, "liveq"));
  t.text("<");
  REQUIRE_SCREEN(t, t.wait_for("sort QUEUE\n"));  // capture-pane drops trailing spaces

  // / filters the pane; Esc clears the filter.
  t.text("/");
  REQUIRE_SCREEN(t, t.wait_for("filter Queues: _"));
  t.text("live");
  t.keys("Enter");
  REQUIRE_SCREEN(t, t.wait_for("filter 'live'"));
  REQUIRE_SCREEN(t, t.wait_for("Queues (1)"));
  CHECK(contains(t.last, "liveq"));
  CHECK_FALSE(contains(t.last, "mailq"));

  // Pause the selected queue: asked first, done after y.
  t.text("p");
  REQUIRE_SCREEN(t, t.wait_for("pause queue liveq? (y/n)"));
  CHECK_FALSE(queue_paused(n, "liveq"));
  t.text("y");
  REQUIRE_SCREEN(t, t.wait_for("done: pause queue liveq"));
  CHECK(wait_until([&] { return queue_paused(n, "liveq"); }, std::chrono::seconds(5)));
  REQUIRE_SCREEN(t, t.wait_for("paused"));
  t.keys("Escape");
  REQUIRE_SCREEN(t, t.wait_for("Queues (3)"));

  // Kill the running job from the jobs pane of its queue.
  t.text("/mailq");
  t.keys("Enter");
  REQUIRE_SCREEN(t, t.wait_for("Queues (1)"));
  t.keys("Enter");
  REQUIRE_SCREEN(t, t.wait_for("Jobs of queue mailq (1)"));
  REQUIRE_SCREEN(t, t.wait_for(sleeper_id));
  t.text("k");
  REQUIRE_SCREEN(t, t.wait_for("kill job " + sleeper_id + "? (y/n)"));
  t.text("y");
  REQUIRE_SCREEN(t, t.wait_for("done: kill job " + sleeper_id));
  CHECK(wait_until([&] {
    auto job = n.client->get(*parse_job_id(sleeper_id));
    return job.ok() && job->state == JobState::killed;
  }));
  REQUIRE_SCREEN(t, t.wait_for("killed"));

  // The help, then other sizes: 80x24 keeps one pane readable, 200x60
  // shows the panes together.
  t.text("?");
  REQUIRE_SCREEN(t, t.wait_for("invert the sort order"));
  t.text(" ");
  t.resize(80, 24);
  REQUIRE_SCREEN(t, t.wait_screen([](const std::string& s) {
    return contains(s, "Jobs of queue mailq") && !contains(s, "Nodes (");
  }));
  CHECK(contains(t.last, "desaster-top"));
  CHECK(contains(t.last, "? help"));
  t.resize(200, 60);
  REQUIRE_SCREEN(t, t.wait_screen([](const std::string& s) {
    return contains(s, "Nodes (1)") && contains(s, "Queues (1)  sort QUEUE  filter 'mailq'") &&
           contains(s, "Workers (") && contains(s, "Failed by queue") &&
           contains(s, "Jobs of queue mailq");
  }));

  // q gives the terminal back: the shell's screen with what was on it.
  t.text("q");
  REQUIRE_SCREEN(t, t.wait_for("top-exit-0"));
  CHECK(contains(t.last, "before-top"));
  CHECK_FALSE(contains(t.last, "Queues ("));
  CHECK(t.format("#{alternate_on}") == "0");
  CHECK(t.format("#{cursor_flag}") == "1");
}

TEST_CASE("desaster-top --once prints the panes as plain text", "[integration][top]") {
  RunningNode n;
  REQUIRE(ctl(n, {"queue", "create", "onceq"}).exit_status == 0);
  REQUIRE(ctl(n, {"queue", "pause", "onceq"}).exit_status == 0);
  REQUIRE(ctl(n, {"enqueue", "--queue", "onceq", "--", "true"}).exit_status == 0);
  CommandResult r = run_command({DESASTER_TOP_BIN, "-c", "127.0.0.1:" + std::to_string(n.port),
                                 "--once", "--size", "120x40"});
  INFO(r.err);
  REQUIRE(r.exit_status == 0);
  CHECK(contains(r.out, "Nodes (1)"));
  CHECK(contains(r.out, "Queues (1)"));
  CHECK(contains(r.out, "onceq"));
  CHECK(contains(r.out, "paused"));
  CHECK(contains(r.out, "queued 1"));
  CHECK_FALSE(contains(r.out, "\x1b"));  // plain text, no escape sequences
  // --poll asks the node instead of keeping a replica: the same screen.
  CommandResult polled = run_command({DESASTER_TOP_BIN, "-c", "127.0.0.1:" + std::to_string(n.port),
                                      "--once", "--poll", "--size", "120x40"});
  REQUIRE(polled.exit_status == 0);
  CHECK(contains(polled.out, "Queues (1)"));
  CHECK(contains(polled.out, "onceq"));
  CHECK(contains(polled.out, "queued 1"));
  // --json: the same data for scripts.
  CommandResult json =
      run_command({DESASTER_TOP_BIN, "-c", "127.0.0.1:" + std::to_string(n.port), "--json"});
  REQUIRE(json.exit_status == 0);
  CHECK(contains(json.out, "\"name\":\"onceq\""));
  CHECK(contains(json.out, "\"paused\":true"));
  CHECK(contains(json.out, "\"mode\":\"standalone\""));
  CHECK(contains(json.out, "\"role\":\"leader\""));
  // An unreachable node is exit status 3, like desasterctl.
  CommandResult nowhere = run_command(
      {DESASTER_TOP_BIN, "-c", "127.0.0.1:" + std::to_string(free_port_triplet()), "--once"},
      std::chrono::seconds(30));
  CHECK(nowhere.exit_status == 3);
}

TEST_CASE(
    "desaster-top shows the cron entries made with desasterctl, sorts them by next run and "
    "pauses one after y",
    "[integration][top][cron]") {
  RunningNode n;
  // Named so that the order by name and the order by next run differ.
  REQUIRE(ctl(n, {"cron", "add", "alpha", "0 3 * * *", "--tz", "Europe/Berlin", "--queue",
                  "nightlyq", "--", "true"})
              .exit_status == 0);
  REQUIRE(ctl(n, {"cron", "add", "zeta", "@every 20s", "--queue", "oftenq", "--", "true"})
              .exit_status == 0);
  const std::string top = std::string(DESASTER_TOP_BIN) + " -c 127.0.0.1:" + std::to_string(n.port);
  Tmux t(top + "; echo top-exit-$?; sleep 600", 100, 30);
  REQUIRE_SCREEN(t, t.wait_for("Queues ("));
  t.text("c");
  REQUIRE_SCREEN(t, t.wait_for("Cron (2)  sort NAME"));
  CHECK(contains(t.last, "Europe/Berlin"));
  CHECK(contains(t.last, "nightlyq"));
  CHECK(contains(t.last, "@every 20s"));
  CHECK(line_of(t.last, "alpha") < line_of(t.last, "zeta"));
  // An entry added now shows without a key pressed.
  REQUIRE(ctl(n, {"cron", "add", "mid", "@hourly", "--", "true"}).exit_status == 0);
  REQUIRE_SCREEN(t, t.wait_for("Cron (3)", std::chrono::seconds(3)));

  // > > sorts by NEXT: the every-20s entry first; I reverses it.
  t.text(">>");
  REQUIRE_SCREEN(t, t.wait_for("sort NEXT\n"));
  CHECK(line_of(t.last, "zeta") < line_of(t.last, "alpha"));
  t.text("I");
  REQUIRE_SCREEN(t, t.wait_for("sort NEXT rev"));
  CHECK(line_of(t.last, "alpha") < line_of(t.last, "zeta"));
  t.text("I<<");
  REQUIRE_SCREEN(t, t.wait_for("sort NAME\n"));

  // Pause the selected entry (alpha, first by name): asked, done after y.
  t.text("p");
  REQUIRE_SCREEN(t, t.wait_for("pause cron entry alpha? (y/n)"));
  t.text("y");
  REQUIRE_SCREEN(t, t.wait_for("done: pause cron entry alpha"));
  CHECK(wait_until([&] { return cron_paused(n, "alpha"); }, std::chrono::seconds(5)));
  REQUIRE_SCREEN(t, t.wait_screen([](const std::string& s) {
    return contains(line_with(s, "0 3 * * *"), "paused");
  }));
  CHECK_FALSE(contains(line_with(t.last, "@every 20s"), "paused"));

  // --once and --json show the entries too.
  CommandResult once = run_command({DESASTER_TOP_BIN, "-c", "127.0.0.1:" + std::to_string(n.port),
                                    "--once", "--size", "120x60"});
  REQUIRE(once.exit_status == 0);
  CHECK(contains(once.out, "Cron (3)"));
  CHECK(contains(once.out, "zeta"));
  CommandResult json =
      run_command({DESASTER_TOP_BIN, "-c", "127.0.0.1:" + std::to_string(n.port), "--json"});
  REQUIRE(json.exit_status == 0);
  CHECK(contains(json.out,
                 "\"name\":\"alpha\",\"schedule\":\"0 3 * * *\",\"zone\":\"Europe/Berlin\""));
  CHECK(contains(json.out, "\"queue\":\"oftenq\",\"paused\":false"));
  // The same from a polled top ("cron" asked of the node).
  CommandResult polled = run_command({DESASTER_TOP_BIN, "-c", "127.0.0.1:" + std::to_string(n.port),
                                      "--once", "--poll", "--size", "120x60"});
  REQUIRE(polled.exit_status == 0);
  CHECK(contains(polled.out, "Cron (3)"));
  CHECK(contains(polled.out, "Europe/Berlin"));

  t.text("q");
  REQUIRE_SCREEN(t, t.wait_for("top-exit-0"));
}

TEST_CASE("desaster-top --poll in tmux follows the node without a replica", "[integration][top]") {
  RunningNode n;
  REQUIRE(ctl(n, {"queue", "create", "pollq"}).exit_status == 0);
  REQUIRE(ctl(n, {"queue", "pause", "pollq"}).exit_status == 0);
  CommandResult queued = ctl(n, {"enqueue", "--queue", "pollq", "--", "true"});
  REQUIRE(queued.exit_status == 0);
  const std::string id = queued.out.substr(0, 16);
  const std::string top =
      std::string(DESASTER_TOP_BIN) + " --poll -c 127.0.0.1:" + std::to_string(n.port);
  Tmux t(top + "; echo top-exit-$?; sleep 600", 100, 30);
  REQUIRE_SCREEN(t, t.wait_for("pollq"));
  // Its oldest job's age, asked once a second ("-" until then).
  REQUIRE_SCREEN(t, t.wait_for("s priority paused"));
  REQUIRE(ctl(n, {"enqueue", "--queue", "laterq", "--", "true"}).exit_status == 0);
  REQUIRE_SCREEN(t, t.wait_for("laterq", std::chrono::seconds(3)));
  // The selection stayed on pollq while laterq came in before it: its
  // jobs pane, then delete its job after y.
  t.keys("Enter");
  REQUIRE_SCREEN(t, t.wait_for("Jobs of queue pollq (1)"));
  REQUIRE_SCREEN(t, t.wait_for(id));
  t.text("x");
  REQUIRE_SCREEN(t, t.wait_for("delete job " + id + "? (y/n)"));
  t.text("y");
  REQUIRE_SCREEN(t, t.wait_for("done: delete job " + id));
  CHECK(wait_until([&] { return !n.client->get(*parse_job_id(id)).ok(); }));
  REQUIRE_SCREEN(t, t.wait_for("Jobs of queue pollq (0)"));
  t.text("q");
  REQUIRE_SCREEN(t, t.wait_for("top-exit-0"));
  CHECK(t.format("#{alternate_on}") == "0");
}

TEST_CASE(
    "desaster-top says when its node is lost, reconnects when it is back, and restores the "
    "terminal on SIGTERM",
    "[integration][top]") {
  RunningNode n;
  REQUIRE(ctl(n, {"queue", "create", "backq"}).exit_status == 0);
  const std::string top = std::string(DESASTER_TOP_BIN) + " -c 127.0.0.1:" + std::to_string(n.port);
  Tmux t(top + "; echo top-exit-$?; sleep 600", 120, 30);
  REQUIRE_SCREEN(t, t.wait_for("backq"));
  n.client.reset();
  n.node.kill9();
  REQUIRE_SCREEN(t, t.wait_for("no node answers, retrying", std::chrono::seconds(20)));
  CHECK(contains(t.last, "node tcp://127.0.0.1:" + std::to_string(n.port) + " lost"));
  n.restart();
  REQUIRE_SCREEN(t, t.wait_for("reconnected to tcp://127.0.0.1:" + std::to_string(n.port),
                               std::chrono::seconds(20)));
  CHECK(contains(t.last, "backq"));

  // SIGTERM, as from kill or a session manager, ends top cleanly too.
  const std::string shell = t.format("#{pane_pid}");
  CommandResult pid = run_command({"pgrep", "-P", shell, "-x", "desaster-top"});
  REQUIRE(pid.exit_status == 0);
  REQUIRE(::kill(std::stoi(pid.out), SIGTERM) == 0);
  REQUIRE_SCREEN(t, t.wait_for("top-exit-0"));
  CHECK(t.format("#{alternate_on}") == "0");
}

TEST_CASE("desaster-top draws in colour, and in monochrome under NO_COLOR", "[integration][top]") {
  RunningNode n;
  const std::string top = std::string(DESASTER_TOP_BIN) + " -c 127.0.0.1:" + std::to_string(n.port);
  Tmux colour(top + "; sleep 600", 100, 30);
  Tmux mono("NO_COLOR=1 " + top + "; sleep 600", 100, 30);
  auto styled = [](const Tmux& t) { return t.tmux({"capture-pane", "-e", "-p", "-t", "top"}).out; };
  REQUIRE_SCREEN(colour, colour.wait_for("Queues (0)"));
  REQUIRE_SCREEN(mono, mono.wait_for("Queues (0)"));
  // Cyan header and focused title in colour; reverse video without.
  CHECK(contains(styled(colour), "\x1b[36m"));
  CHECK(contains(styled(colour), "\x1b[46m"));
  const std::string m = styled(mono);
  CHECK_FALSE(contains(m, "\x1b[36m"));
  CHECK_FALSE(contains(m, "\x1b[46m"));
  CHECK(contains(m, "7m [2] Queues (0)"));
}

TEST_CASE("desaster-top polls the node rather than copy a state of over 20000 jobs",
          "[integration][top]") {
  RunningNode n;
  REQUIRE(ctl(n, {"queue", "create", "bigq"}).exit_status == 0);
  REQUIRE(ctl(n, {"queue", "pause", "bigq"}).exit_status == 0);
  for (int batch = 0; batch < 21; ++batch) {
    std::vector<protocol::JobSpec> specs(1000, shell_job("true", "bigq"));
    REQUIRE(n.client->enqueue(specs).ok());
  }
  CommandResult r =
      run_command({DESASTER_TOP_BIN, "-c", "127.0.0.1:" + std::to_string(n.port), "--json"});
  INFO(r.err);
  REQUIRE(r.exit_status == 0);
  CHECK(contains(r.out, "polling the node (21000 jobs"));
  CHECK(contains(r.out, "\"name\":\"bigq\""));
}
