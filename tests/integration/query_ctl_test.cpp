// desasterctl's queries against a real node: jobs with search, state, sort
// and cursor pages; failed --group-by; errors for a bad cursor or flag.
#include "tests/integration/harness/fixtures.hpp"

using namespace desaster;
using namespace desaster::test;

namespace {

CommandResult ctl(const RunningNode& n, std::vector<std::string> args) {
  args.insert(args.begin(), {DESASTERCTL_BIN, "-c", "127.0.0.1:" + std::to_string(n.port)});
  return run_command(args);
}

std::string enqueue(const RunningNode& n, std::vector<std::string> args) {
  CommandResult r = ctl(n, std::move(args));
  REQUIRE(r.exit_status == 0);
  return r.out.substr(0, 16);
}

// The value after "--cursor " on the summary line, or "".
std::string next_cursor(const std::string& out) {
  std::size_t at = out.find("next: --cursor ");
  if (at == std::string::npos) return {};
  at += 15;
  return out.substr(at, out.find('\n', at) - at);
}

}  // namespace

TEST_CASE("desasterctl jobs filters, sorts and pages with a cursor through a real node",
          "[integration][ctl][query]") {
  RunningNode n;
  const std::string hello = enqueue(n, {"enqueue", "--queue", "mail", "--", "echo", "Hello"});
  const std::string dead1 = enqueue(n, {"enqueue", "--max-attempts", "1", "--", "false"});
  const std::string dead2 =
      enqueue(n, {"enqueue", "--max-attempts", "1", "--sh", "--", "exit", "3"});
  for (const std::string& id : {hello, dead1, dead2}) ctl(n, {"wait", id});

  CommandResult found = ctl(n, {"jobs", "--search", "HELLO", "--json"});
  CHECK(found.exit_status == 0);
  CHECK(found.out.find("\"id\":\"" + hello + "\"") != std::string::npos);
  CHECK(found.out.find("\"total\":1") != std::string::npos);
  CHECK(found.out.find("\"index\":") != std::string::npos);

  CommandResult first =
      ctl(n, {"jobs", "--state", "dead", "--sort", "created_at", "--desc", "--limit", "1"});
  CHECK(first.exit_status == 0);
  CHECK(first.out.find(dead2) != std::string::npos);  // the newest first
  CHECK(first.out.find("1 of 2, next: --cursor ") != std::string::npos);
  const std::string cursor = next_cursor(first.out);
  REQUIRE(!cursor.empty());
  CommandResult second = ctl(n, {"jobs", "--state", "dead", "--sort", "created_at", "--desc",
                                 "--limit", "1", "--cursor", cursor});
  CHECK(second.exit_status == 0);
  CHECK(second.out.find(dead1) != std::string::npos);
  CHECK(second.out.find("1 of 2\n") != std::string::npos);  // and no next page

  CommandResult none = ctl(n, {"jobs", "--queue", "mail", "--state", "dead,failed"});
  CHECK(none.out.find("0 of 0") != std::string::npos);
}

TEST_CASE("desasterctl failed --group-by counts the failed set by error, class and queue",
          "[integration][ctl][query]") {
  RunningNode n;
  std::vector<std::string> ids;
  for (const char* code : {"3", "4"})
    ids.push_back(enqueue(
        n, {"enqueue", "--queue", "etl", "--max-attempts", "1", "--sh", "--", "exit", code}));
  for (const std::string& id : ids) ctl(n, {"wait", id});

  CommandResult by_queue = ctl(n, {"failed", "--group-by", "queue"});
  CHECK(by_queue.exit_status == 0);
  CHECK(by_queue.out.find("        2  ") != std::string::npos);
  CHECK(by_queue.out.find("etl") != std::string::npos);
  CHECK(by_queue.out.find("1 groups, 2 jobs") != std::string::npos);

  CommandResult by_error = ctl(n, {"failed", "--group-by", "error", "--json"});
  CHECK(by_error.exit_status == 0);
  CHECK(by_error.out.find("\"count\":2") != std::string::npos);  // exit codes normalised away
  CHECK(by_error.out.find("\"example\":\"" + ids[1] + "\"") != std::string::npos);
}

TEST_CASE("desasterctl jobs refuses a bad cursor and bad flags with what was wrong",
          "[integration][ctl][query]") {
  RunningNode n;
  CommandResult bad_cursor = ctl(n, {"jobs", "--cursor", "nonsense"});
  CHECK(bad_cursor.exit_status == 1);
  CHECK(bad_cursor.err.find("cursor 'nonsense' is malformed") != std::string::npos);
  CommandResult wrong_sort =
      ctl(n, {"jobs", "--sort", "created_at", "--cursor", "id.a.0.0000000000000001."});
  CHECK(wrong_sort.exit_status == 1);
  CHECK(wrong_sort.err.find("belongs to sort id") != std::string::npos);
  CommandResult bad_flag = ctl(n, {"jobs", "--sort", "color"});
  CHECK(bad_flag.exit_status == 2);
  CHECK(bad_flag.err.find("--sort: 'color' is not one of") != std::string::npos);
}
