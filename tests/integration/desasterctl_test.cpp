// desasterctl end to end against a real node: output, --json, exit codes.
#include "tests/integration/harness/fixtures.hpp"

using namespace desaster;
using namespace desaster::test;

namespace {
CommandResult ctl(const RunningNode& n, std::vector<std::string> args) {
  args.insert(args.begin(), {DESASTERCTL_BIN, "-c", "127.0.0.1:" + std::to_string(n.port)});
  return run_command(args);
}
}  // namespace

TEST_CASE("desasterctl enqueue prints the job id and job shows it", "[integration][ctl]") {
  RunningNode n;
  CommandResult r = ctl(n, {"enqueue", "--queue", "mail", "--", "echo", "hi there"});
  REQUIRE(r.exit_status == 0);
  std::string id = r.out.substr(0, r.out.find('\n'));
  REQUIRE(id.size() == 16);
  CommandResult waited = ctl(n, {"wait", id});
  CHECK(waited.exit_status == 0);
  CommandResult shown = ctl(n, {"job", id});
  CHECK(shown.exit_status == 0);
  CHECK(shown.out.find("succeeded") != std::string::npos);
  CHECK(shown.out.find("hi there") != std::string::npos);
  CommandResult json = ctl(n, {"jobs", "--queue", "mail", "--json"});
  CHECK(json.exit_status == 0);
  CHECK(json.out.find("\"id\":\"" + id + "\"") != std::string::npos);
  CHECK(json.out.find("\"total\":1") != std::string::npos);
  CommandResult queues = ctl(n, {"queues"});
  CHECK(queues.out.find("mail") != std::string::npos);
}

TEST_CASE("desasterctl enqueue --wait returns the job's output and its success",
          "[integration][ctl]") {
  RunningNode n;
  CommandResult ok = ctl(n, {"enqueue", "--wait", "--sh", "--", "echo", "done"});
  CHECK(ok.exit_status == 0);
  CHECK(ok.out == "done\n");
  CommandResult failed = ctl(n, {"enqueue", "--wait", "--max-attempts", "1", "--", "false"});
  CHECK(failed.exit_status == 1);
  CHECK(failed.err.find("dead") != std::string::npos);
}

TEST_CASE("desasterctl exit codes tell usage errors, refusals and an unreachable node apart",
          "[integration][ctl]") {
  RunningNode n;
  CHECK(ctl(n, {"frobnicate"}).exit_status == 2);
  CommandResult missing = ctl(n, {"job", "00000000000000ff"});
  CHECK(missing.exit_status == 1);
  CHECK(missing.err.find("no job") != std::string::npos);
  CommandResult nowhere =
      run_command({DESASTERCTL_BIN, "-c", "127.0.0.1:" + std::to_string(free_port_triplet()),
                   "--timeout", "500ms", "stats"});
  CHECK(nowhere.exit_status == 3);
}

TEST_CASE("desasterctl retry and delete act on the failed set", "[integration][ctl]") {
  RunningNode n;
  CommandResult r = ctl(n, {"enqueue", "--max-attempts", "1", "--", "false"});
  std::string id = r.out.substr(0, 16);
  ctl(n, {"wait", id});
  CommandResult failed = ctl(n, {"failed"});
  CHECK(failed.out.find(id) != std::string::npos);
  CHECK(ctl(n, {"retry", id}).exit_status == 0);
  ctl(n, {"wait", id});
  CHECK(ctl(n, {"delete", id}).exit_status == 0);
  CHECK(ctl(n, {"job", id}).exit_status == 1);
}
