// compare_bench: the load generators of contrib/bench/compare, one workload
// against one server per run, and the tools the script needs around them.
//
//   compare_bench PEER WORKLOAD --port P [--jobs N] [--batch B] [--workers W]
//                 [--pid PID] [--seconds S] [--label NAME]
//                 [--concurrency C] [--require FILE]   (ruby on desaster)
//                 [--clients C]   (enqueue-single: C clients at once)
//                 [--as NAME]     (the server's name in the output, e.g. a durable peer)
//       WORKLOAD disk-sync --dir D --jobs N (PEER "disk"): fdatasync of a
//                 200-byte append in D, p50/p99, no server
//       PEER: beanstalkd redis gearman desaster sidekiq
//       WORKLOAD: enqueue-single enqueue-batch drain round-trip memory ruby disk-sync
//       prints one JSON line per figure (see measure.hpp)
//   compare_bench free-port        a loopback TCP port with the next two free
//   compare_bench wait-port P S    waits up to S seconds for a listener on P
//   compare_bench report RESULTS.jsonl OUT_DIR
//       medians, min-max and ratios: a table on stdout, results.json,
//       chart.dat and chart.gp for gnuplot in OUT_DIR
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "desaster_ruby.hpp"
#include "free_port.hpp"
#include "measure.hpp"
#include "peer.hpp"
#include "report.hpp"
#include "sidekiq.hpp"
#include "tcp_conn.hpp"
#include "workloads.hpp"

namespace bench {

std::string queue_name() {
  return "bench-" + std::to_string(getpid());
}

std::unique_ptr<Peer> make_peer(const Args& args) {
  if (args.peer == "beanstalkd") return make_beanstalkd(args);
  if (args.peer == "redis") return make_redis(args);
  if (args.peer == "gearman") return make_gearman(args);
  if (args.peer == "desaster") return make_desaster(args);
  if (args.peer == "sidekiq") return make_sidekiq(args);
  fail("unknown peer '" + args.peer + "'");
}

namespace {

Args parse(int argc, char** argv) {
  Args args;
  args.peer = argv[1];
  args.mode = argv[2];
  args.workload = args.mode;
  for (int i = 3; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--port")
      args.port = std::atoi(value.c_str());
    else if (flag == "--jobs")
      args.jobs = std::strtoull(value.c_str(), nullptr, 10);
    else if (flag == "--batch")
      args.batch = std::strtoull(value.c_str(), nullptr, 10);
    else if (flag == "--workers")
      args.workers = std::atoi(value.c_str());
    else if (flag == "--pid")
      args.pid = std::atoi(value.c_str());
    else if (flag == "--seconds")
      args.seconds = std::atof(value.c_str());
    else if (flag == "--label")
      args.workload = value;
    else if (flag == "--concurrency")
      args.concurrency = std::atoi(value.c_str());
    else if (flag == "--require")
      args.require_file = value;
    else if (flag == "--clients")
      args.clients = std::atoi(value.c_str());
    else if (flag == "--as")
      args.as = value;
    else if (flag == "--dir")
      args.dir = value;
    else
      fail("unknown flag " + flag);
  }
  if ((argc - 3) % 2 != 0) fail(std::string("flag without a value: ") + argv[argc - 1]);
  if (args.port <= 0 && args.mode != "disk-sync") fail("--port is required");
  if (args.jobs == 0 || args.batch == 0 || args.workers <= 0 || args.concurrency <= 0 ||
      args.clients <= 0)
    fail("counts must be positive");
  return args;
}

}  // namespace
}  // namespace bench

int main(int argc, char** argv) {
  using namespace bench;
  if (argc >= 2 && std::strcmp(argv[1], "free-port") == 0) return print_free_port();
  if (argc == 4 && std::strcmp(argv[1], "wait-port") == 0)
    return wait_for_port(std::atoi(argv[2]), std::atof(argv[3]));
  if (argc == 4 && std::strcmp(argv[1], "report") == 0) return run_report(argv[2], argv[3]);
  if (argc < 3) {
    std::fprintf(stderr, "usage: see the comment at the top of compare_main.cpp\n");
    return 2;
  }
  Args args = parse(argc, argv);
  if (args.mode == "ruby") {
    if (args.peer == "sidekiq") return run_sidekiq_ruby(args);
    if (args.peer == "desaster") return run_desaster_ruby(args);
    fail("the ruby workload is measured on desaster and sidekiq only");
  }
  return run_workload(args);
}
