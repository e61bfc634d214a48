// contrib/init.d/desaster, the SysV init script, driven as init would: a
// real node started (the script waits for its READY=1), queried, reloaded,
// its log rotated, restarted and stopped. The script reads its paths from a
// defaults file the test writes (DESASTER_DEFAULTS), pointing at this
// build's binary and a temp dir.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/integration/harness/harness.hpp"
#include "tests/integration/harness/process_probe.hpp"

#include <catch2/catch.hpp>

using namespace desaster::test;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("the SysV script starts, reports, reloads, rotates, restarts and stops the node",
          "[integration][ops][sysv]") {
  TempDir dir;
  const std::uint16_t port = free_port_triplet();
  const std::string defaults = dir.path() + "/defaults";
  const std::string pidfile = dir.path() + "/desaster.pid";
  const std::string log = dir.path() + "/log/desaster.log";
  {
    std::ofstream out(defaults);
    out << "DAEMON=" << DESASTER_BIN << "\n"
        << "DATA_DIR=" << dir.path() << "/data\n"
        << "PIDFILE=" << pidfile << "\n"
        << "LOG_FILE=" << log << "\n"
        << "RUN_AS=" << (geteuid() == 0 ? "root" : "") << "\n"
        << "DESASTER_OPTS=\"-s -a 127.0.0.1 -p " << port << "\"\n"
        << "DESASTER_RUBY_DIR=" << DESASTER_SOURCE_DIR << "/workers/ruby\n"
        << "START_TIMEOUT=30\n";
  }
  auto script = [&](const std::string& action) {
    return run_command({"env", "DESASTER_DEFAULTS=" + defaults, "sh",
                        std::string(DESASTER_SOURCE_DIR) + "/contrib/init.d/desaster", action});
  };
  auto pid_of = [&] { return std::atoi(read_file(pidfile).c_str()); };

  CommandResult status = script("status");
  CHECK(status.exit_status == 3);  // LSB: not running

  CommandResult start = script("start");
  INFO(start.out << start.err << read_file(log));
  REQUIRE(start.exit_status == 0);
  // Started means ready: the node answers at once, no waiting.
  const pid_t pid = pid_of();
  REQUIRE(pid > 0);
  CHECK(alive(pid));
  CommandResult stats =
      run_command({DESASTERCTL_BIN, "-c", "127.0.0.1:" + std::to_string(port), "stats"});
  CHECK(stats.exit_status == 0);

  status = script("status");
  CHECK(status.exit_status == 0);
  CHECK(status.out.find("is running (pid " + std::to_string(pid) + ")") != std::string::npos);
  CHECK(script("start").exit_status == 0);  // already running: still success
  CHECK(pid_of() == pid);

  CHECK(script("reload").exit_status == 0);
  CHECK(wait_until([&] { return read_file(log).find("SIGHUP: reloading") != std::string::npos; }));
  CHECK(script("force-reload").exit_status == 0);

  std::filesystem::rename(log, log + ".1");
  CHECK(script("rotate").exit_status == 0);
  CHECK(wait_until(
      [&] { return read_file(log).find("SIGUSR1: reopened the log file") != std::string::npos; }));

  CommandResult restart = script("restart");
  INFO(restart.out << restart.err);
  CHECK(restart.exit_status == 0);
  const pid_t second = pid_of();
  CHECK(second > 0);
  CHECK(second != pid);
  CHECK(!alive(pid));  // the old node is gone

  CommandResult stop = script("stop");
  CHECK(stop.exit_status == 0);
  CHECK(!alive(second));
  CHECK(read_file(log).find("stopped; journal flushed") != std::string::npos);
  CHECK(script("status").exit_status == 3);
  CHECK(script("bogus").exit_status == 3);
}
