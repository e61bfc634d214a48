// ActiveJob end to end: a real node runs a Ruby pool that loads the Rails
// app in ruby_apps/rails_jobs (Debian's Rails 6.1, queue_adapter :desaster),
// and the app's own code, run as a separate `ruby` process, enqueues with
// perform_later, set(wait:), deliver_later and a Sidekiq-style perform_async.
// Jobs report what they received under the app's out/ directory.
#include <fstream>
#include <map>
#include <sstream>

#include "core/model/job_id.hpp"
#include "tests/integration/harness/fixtures.hpp"

using namespace desaster;
using namespace desaster::test;
using namespace std::chrono_literals;

namespace {

const std::string kSource = std::string(DESASTER_SOURCE_DIR);

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> lines_of(const std::string& path) {
  std::vector<std::string> lines;
  std::istringstream in(read_file(path));
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The words of a line.
std::vector<std::string> words(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

bool rails_installed() {
  return run_command(
             {"ruby", "-e", "require 'rails'; require 'active_job'; require 'action_mailer'"})
             .exit_status == 0;
}

// A node whose Ruby pool loads the Rails app, copied into the node's dir.
struct RailsPool {
  RunningNode n;
  std::string app = n.dir.path() + "/app";

  RailsPool() {
    REQUIRE(run_command({"cp", "-r", kSource + "/tests/integration/ruby_apps/rails_jobs", app})
                .exit_status == 0);
    PoolSpec spec;
    spec.name = "rails";
    spec.dir = app;
    spec.require_files = {app + "/config/environment.rb"};
    spec.min_workers = 2;
    spec.max_workers = 2;
    Status added = n.client->pool_add(spec);
    INFO(added.message);
    REQUIRE(added.ok());
    bool idle = wait_until(
        [&] {
          auto pools = n.client->pools();
          if (!pools.ok() || pools->size() != 1) return false;
          std::size_t k = 0;
          for (const auto& w : pools->front().workers) k += w.state == "idle";
          return k == 2;
        },
        90s);
    INFO(n.node.log());
    REQUIRE(idle);
  }

  // Runs enqueue.rb's scenario; its "name value" lines as a map.
  std::map<std::string, std::string> enqueue(const std::string& scenario) {
    CommandResult r =
        run_command({"env", "DESASTER_URL=tcp://127.0.0.1:" + std::to_string(n.port), "ruby", "-I",
                     kSource + "/workers/ruby/lib", app + "/enqueue.rb", scenario},
                    120s);
    INFO(r.err);
    REQUIRE(r.exit_status == 0);
    std::map<std::string, std::string> out;
    std::istringstream in(r.out);
    for (std::string name, value; in >> name >> value;) out[name] = value;
    return out;
  }

  JobId id(const std::map<std::string, std::string>& ids, const std::string& name) {
    INFO(name);
    REQUIRE(ids.count(name) == 1);
    std::optional<JobId> parsed = parse_job_id(ids.at(name));
    REQUIRE(parsed);
    return *parsed;
  }

  // Waits until out/NAME has `count` lines, and returns them.
  std::vector<std::string> report(const std::string& name, std::size_t count) {
    const std::string path = app + "/out/" + name;
    bool enough = wait_until([&] { return lines_of(path).size() >= count; }, 30s);
    INFO(name << ": " << read_file(path));
    INFO(n.node.log());
    REQUIRE(enough);
    return lines_of(path);
  }
};

}  // namespace

TEST_CASE(
    "ActiveJob on desaster: perform_later runs in a Rails pool with its arguments as sent, "
    "set(wait:) no earlier, deliver_later delivers, a Sidekiq-style class runs",
    "[integration][ruby][activejob]") {
  if (!rails_installed())
    FAIL("Rails 6.1 is missing: apt install ruby-railties ruby-activejob ruby-actionmailer");
  RailsPool p;
  std::map<std::string, std::string> ids = p.enqueue("basics");

  // perform_later: the job's own class and queue, its priority, and every
  // argument as it was (a symbol, a GlobalID record, times, kwargs).
  const JobId echo = p.id(ids, "echo");
  Job job = p.n.wait_final(echo);
  CHECK(job.state == JobState::succeeded);
  CHECK(job.job_class == "EchoJob");
  CHECK(job.queue == "echo");
  CHECK(job.priority == 5);
  CHECK(job.retry.max_attempts == 0);  // no retry_on: desaster's defaults
  CHECK(p.report("echo", 1) ==
        std::vector<std::string>{
            "arg0 Symbol :urgent",
            "arg1 Widget #<Widget id=7 name=anvil>",
            "arg2 ActiveSupport::TimeWithZone 2026-01-02T03:04:05.123456+01:00",
            "arg3 Hash {\"a\"=>[1, 2.5, nil]}",
            "kw :note String \"kw\"",
            "kw :when_at Time 2026-05-06T07:08:09.000000Z",
            "kw :tags Array [:x, :y]",
            "provider_job_id " + format_job_id(echo),
            "queue echo priority 5",
        });

  // set(wait: 2.seconds): scheduled, and run no earlier.
  const std::int64_t enqueued_at = std::stoll(ids.at("enqueued_at"));
  const JobId later = p.id(ids, "later");
  CHECK(p.n.get(later).run_at >= enqueued_at + 2000);
  CHECK(p.n.wait_final(later).state == JobState::succeeded);
  std::vector<std::string> ran = words(p.report("later", 1).at(0));
  REQUIRE(ran.size() == 3);
  CHECK(ran[0] == "wait");
  CHECK(std::stoll(ran[1]) >= enqueued_at + 2000);
  CHECK(ran[2] == format_job_id(later));
  // set(wait_until: an hour ahead): still scheduled, an hour ahead.
  Job until = p.n.get(p.id(ids, "later_until"));
  CHECK(until.state == JobState::scheduled);
  CHECK(until.run_at >= enqueued_at + 3600 * 1000 - 1000);
  CHECK(until.run_at <= enqueued_at + 3600 * 1000 + 60 * 1000);

  // deliver_later: ActionMailer's job (on the default queue under Rails 6.1
  // defaults), delivered by the :test method inside the worker (its
  // observer writes out/mail).
  Job mail = p.n.wait_final(p.id(ids, "mail"));
  CHECK(mail.state == JobState::succeeded);
  CHECK(mail.job_class == "ActionMailer::MailDeliveryJob");
  CHECK(mail.queue == "default");
  CHECK(p.report("mail", 1).at(0) ==
        "to ops@example.com subject widget anvil body #<Widget id=7 name=anvil> at "
        "2026-01-02T00:00:00Z");

  // include Desaster::Job with sidekiq_options: queue and retry translated.
  Job legacy = p.n.wait_final(p.id(ids, "legacy"));
  CHECK(legacy.state == JobState::succeeded);
  CHECK(legacy.queue == "legacy");
  CHECK(legacy.retry.max_attempts == 2);
  CHECK(p.report("legacy", 1).at(0) == "bob 5");
}

TEST_CASE(
    "ActiveJob retries on desaster: retry_on re-enqueues and desaster never retries too, "
    "discard_on ends the job, without retry_on desaster retries and the backtrace shows",
    "[integration][ruby][activejob]") {
  if (!rails_installed())
    FAIL("Rails 6.1 is missing: apt install ruby-railties ruby-activejob ruby-actionmailer");
  RailsPool p;
  std::map<std::string, std::string> ids = p.enqueue("retries");

  // retry_on, succeeding at the third execution: each execution is a
  // desaster job of one attempt; the failed ones succeed as desaster jobs
  // (ActiveJob rescued the error and enqueued the next).
  std::vector<std::string> flaky = p.report("flaky", 3);
  REQUIRE(flaky.size() == 3);
  std::vector<JobId> chain;
  for (std::size_t i = 0; i < 3; ++i) {
    std::vector<std::string> w = words(flaky[i]);
    REQUIRE(w.size() == 2);
    CHECK(w[0] == std::to_string(i + 1));
    std::optional<JobId> id = parse_job_id(w[1]);
    REQUIRE(id);
    chain.push_back(*id);
  }
  CHECK(chain[0] == p.id(ids, "flaky"));
  CHECK((chain[0] != chain[1] && chain[1] != chain[2]));
  for (JobId id : chain) {
    Job j = p.n.wait_final(id);
    CHECK(j.state == JobState::succeeded);
    CHECK(j.attempts == 1);
    CHECK(j.retry.max_attempts == 1);
    CHECK(j.job_class == "FlakyJob");
  }

  // retry_on exhausted: the last execution's exception fails its desaster
  // job for good, after one attempt.
  std::vector<std::string> exhausted = p.report("exhausted", 2);
  std::optional<JobId> last = parse_job_id(words(exhausted.at(1)).at(1));
  REQUIRE(last);
  Job dead = p.n.wait_final(*last);
  CHECK(dead.state == JobState::dead);
  CHECK(dead.attempts == 1);
  CHECK(dead.last_error == "FlakyError: still failing at execution 2");
  CHECK(p.n.wait_final(p.id(ids, "exhausted")).state == JobState::succeeded);
  CHECK(lines_of(p.app + "/out/exhausted").size() == 2);

  // discard_on: the block ran and the job is done.
  const JobId discard = p.id(ids, "discard");
  CHECK(p.n.wait_final(discard).state == JobState::succeeded);
  CHECK(p.report("discarded", 1).at(0) == format_job_id(discard) + " not worth retrying");

  // No retry_on: desaster's retries (desaster_options max_attempts: 2), the
  // same job id both times, and the exception in `desasterctl job`.
  const JobId broken = p.id(ids, "broken");
  Job failed = p.n.wait_final(broken);
  CHECK(failed.state == JobState::dead);
  CHECK(failed.attempts == 2);
  CHECK(failed.last_error == "ArgumentError: broken on purpose: widget 7");
  CHECK(p.report("broken", 2) ==
        std::vector<std::string>{format_job_id(broken), format_job_id(broken)});
  CommandResult shown = run_command({DESASTERCTL_BIN, "-c", "127.0.0.1:" + std::to_string(p.n.port),
                                     "job", format_job_id(broken)});
  INFO(shown.out);
  CHECK(shown.exit_status == 0);
  CHECK(shown.out.find("ArgumentError: broken on purpose: widget 7") != std::string::npos);
  CHECK(shown.out.find("config/environment.rb") != std::string::npos);
  CHECK(shown.out.find("in `perform'") != std::string::npos);
}
