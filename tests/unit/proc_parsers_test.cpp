// The /proc parsers of the resource monitor, on real captures (Debian 12,
// Linux 6.1, 2 CPUs) and on malformed text.
#include <catch2/catch.hpp>

#include "workers/monitor/proc_parsers.hpp"

using namespace desaster;
using namespace desaster::monitor;

namespace {

constexpr const char* kProcStat =
    "cpu  2847719 308038 747570 646720 9801 0 16144 0 0 0\n"
    "cpu0 1431738 155186 360768 332484 1047 0 6985 0 0 0\n"
    "cpu1 1415980 152852 386802 314236 8753 0 9159 0 0 0\n"
    "intr 123 0 0\n";

constexpr const char* kPidStat =
    "31743 (cat) R 31739 31739 6080 0 -1 4194304 100 0 0 0 0 0 0 0 20 0 1 0 2296645 3133440 414 "
    "18446744073709551615 94042129895424 94042129915305 140726388560736 0 0 0 0 0 0 0 0 0 17 1 0 "
    "0 0 0 0 94042129931312 94042129932928 94042372956160 140726388562373 140726388562393 "
    "140726388562393 140726388563947 0\n";

constexpr const char* kKernelThreadStat =
    "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 1 0 0 20 0 1 0 18 0 0 18446744073709551615 0 0 "
    "0 0 0 0 0 2147483647 0 1 0 0 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n";

constexpr const char* kStatus =
    "Name:\tgrep\nUmask:\t0022\nState:\tR (running)\nTgid:\t31744\nVmPeak:\t    6612 kB\n"
    "VmSize:\t    6612 kB\nVmHWM:\t    2128 kB\nVmRSS:\t    2128 kB\nRssAnon:\t     256 kB\n";

constexpr const char* kMeminfo =
    "MemTotal:       24683620 kB\nMemFree:        18267580 kB\nMemAvailable:   22426568 kB\n"
    "Buffers:           16240 kB\nCached:          4144508 kB\nSwapCached:            0 kB\n"
    "HugePages_Total:       0\n";

std::string error_of(const Status& s) {
  return s.ok() ? std::string("ok") : s.message;
}

}  // namespace

TEST_CASE("the cpu line of /proc/stat gives total and idle ticks", "[monitor][proc]") {
  Result<CpuTimes> t = parse_proc_stat(kProcStat);
  REQUIRE(t.ok());
  CHECK(t->total == 2847719ull + 308038 + 747570 + 646720 + 9801 + 0 + 16144 + 0);
  CHECK(t->idle == 646720ull + 9801);
  // Old kernels have only four counters.
  REQUIRE(parse_proc_stat("cpu 1 2 3 4\n").ok());
  CHECK(parse_proc_stat("cpu 1 2 3 4\n")->total == 10);
}

TEST_CASE("malformed /proc/stat is refused with what was wrong", "[monitor][proc]") {
  CHECK(error_of(parse_proc_stat("").status()) ==
        "/proc/stat: the first line is not the 'cpu' line");
  CHECK(error_of(parse_proc_stat("cpu0 1 2 3 4\n").status()).find("not the 'cpu' line") !=
        std::string::npos);
  CHECK(error_of(parse_proc_stat("cpu 1 2 3\n").status()).find("fewer than 4") !=
        std::string::npos);
  CHECK(error_of(parse_proc_stat("cpu 1 2 x 4\n").status()) ==
        "/proc/stat: cpu counter 3 is not a number");
  CHECK(error_of(parse_proc_stat("cpu 1 -2 3 4\n").status()).find("not a number") !=
        std::string::npos);
  CHECK(error_of(parse_proc_stat("cpu 18446744073709551615 1 0 0\n").status()).find("overflow") !=
        std::string::npos);
  CHECK(
      error_of(parse_proc_stat("cpu 99999999999999999999 1 0 0\n").status()).find("not a number") !=
      std::string::npos);
}

TEST_CASE("/proc/PID/stat gives pid, comm, state, group, cpu ticks and start", "[monitor][proc]") {
  Result<ProcessStat> s = parse_pid_stat(kPidStat);
  REQUIRE(s.ok());
  CHECK(s->pid == 31743);
  CHECK(s->comm == "cat");
  CHECK(s->state == 'R');
  CHECK(s->ppid == 31739);
  CHECK(s->pgrp == 31739);
  CHECK(s->utime == 0);
  CHECK(s->stime == 0);
  CHECK(s->starttime == 2296645);
  Result<ProcessStat> k = parse_pid_stat(kKernelThreadStat);
  REQUIRE(k.ok());
  CHECK(k->comm == "kthreadd");
  CHECK(k->stime == 1);
  CHECK(k->starttime == 18);
}

TEST_CASE("a comm with spaces and parentheses ends at the last parenthesis", "[monitor][proc]") {
  std::string text = kPidStat;
  text.replace(text.find("(cat)"), 5, "(a) (b c))");
  Result<ProcessStat> s = parse_pid_stat(text);
  REQUIRE(s.ok());
  CHECK(s->comm == "a) (b c)");
  CHECK(s->starttime == 2296645);
}

TEST_CASE("malformed /proc/PID/stat is refused with what was wrong", "[monitor][proc]") {
  CHECK(error_of(parse_pid_stat("").status()).find("no '(comm)'") != std::string::npos);
  CHECK(error_of(parse_pid_stat("12 cat R 1 1").status()).find("no '(comm)'") != std::string::npos);
  CHECK(error_of(parse_pid_stat("x (cat) R 1 1").status()).find("pid") != std::string::npos);
  CHECK(error_of(parse_pid_stat("-3 (cat) R 1 1").status()).find("pid") != std::string::npos);
  CHECK(error_of(parse_pid_stat("12 (cat) R 1 1 1").status()).find("fewer than 22") !=
        std::string::npos);
  std::string bad_utime = kPidStat;
  bad_utime.replace(bad_utime.find(" 100 0 0 0 0 "), 13, " 100 0 0 0 z ");
  CHECK(error_of(parse_pid_stat(bad_utime).status()) == "/proc/PID/stat: utime is not a number");
  std::string bad_state = kPidStat;
  bad_state.replace(bad_state.find(") R "), 4, ") RR ");
  CHECK(error_of(parse_pid_stat(bad_state).status()).find("state") != std::string::npos);
}

TEST_CASE("VmRSS of /proc/PID/status is read in kB, absent means no memory", "[monitor][proc]") {
  REQUIRE(parse_status_rss_kb(kStatus).ok());
  CHECK(*parse_status_rss_kb(kStatus) == 2128);
  Result<std::uint64_t> zombie = parse_status_rss_kb("Name:\tsh\nState:\tZ (zombie)\n");
  REQUIRE(zombie.ok());
  CHECK(*zombie == 0);
  CHECK(error_of(parse_status_rss_kb("VmRSS:\t12 MB\nName:\tx\n").status())
            .find("VmRSS is not '<number> kB'") != std::string::npos);
  CHECK(error_of(parse_status_rss_kb("VmRSS:\t\n").status()).find("VmRSS") != std::string::npos);
  CHECK(error_of(parse_status_rss_kb("garbage").status()).find("not a status file") !=
        std::string::npos);
  // A key that only starts like VmRSS is another key.
  CHECK(*parse_status_rss_kb("Name:\tx\nVmRSSX:\t5 kB\n") == 0);
}

TEST_CASE("/proc/meminfo gives total and available memory", "[monitor][proc]") {
  Result<MemInfo> m = parse_meminfo(kMeminfo);
  REQUIRE(m.ok());
  CHECK(m->total_kb == 24683620);
  CHECK(m->available_kb == 22426568);
  CHECK(m->used_kb() == 24683620 - 22426568);
  // Before MemAvailable existed: free + buffers + cached.
  Result<MemInfo> old =
      parse_meminfo("MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 10 kB\nCached: 200 kB\n");
  REQUIRE(old.ok());
  CHECK(old->available_kb == 310);
}

TEST_CASE("malformed /proc/meminfo is refused with what was wrong", "[monitor][proc]") {
  CHECK(error_of(parse_meminfo("").status()) == "/proc/meminfo: no MemTotal");
  CHECK(error_of(parse_meminfo("MemTotal: lots kB\n").status())
            .find("MemTotal is not '<number> kB'") != std::string::npos);
  CHECK(error_of(parse_meminfo("MemTotal: 5 kB\n").status()).find("neither MemAvailable") !=
        std::string::npos);
  CHECK(error_of(parse_meminfo("MemTotal: 5 kB\nMemAvailable: 3 kB extra\n").status())
            .find("MemAvailable") != std::string::npos);
}

TEST_CASE("/proc/loadavg gives the three load averages", "[monitor][proc]") {
  Result<LoadAverage> l = parse_loadavg("12.88 14.23 11.21 9/164 31748\n");
  REQUIRE(l.ok());
  CHECK(l->one == Approx(12.88));
  CHECK(l->five == Approx(14.23));
  CHECK(l->fifteen == Approx(11.21));
  CHECK(error_of(parse_loadavg("1.0 2.0").status()).find("fewer than three") != std::string::npos);
  CHECK(error_of(parse_loadavg("1.0 -2.0 3.0").status()).find("non-negative") != std::string::npos);
  CHECK(error_of(parse_loadavg("1.0 nan 3.0").status()).find("non-negative") != std::string::npos);
  CHECK(error_of(parse_loadavg("1.0 1e999 3.0").status()).find("non-negative") !=
        std::string::npos);
}

TEST_CASE("cpu percentages come from counter deltas", "[monitor][proc]") {
  CHECK(node_cpu_percent({1000, 800}, {2000, 1300}) == Approx(50.0));
  CHECK(node_cpu_percent({1000, 800}, {1000, 800}) == 0);
  CHECK(node_cpu_percent({2000, 800}, {1000, 800}) == 0);  // counters went back
  // Past 2^53 / 100 ticks, 100 * busy / total rounded to 100.00000000000001 (found by fuzzing).
  CHECK(node_cpu_percent({}, {800000000024590, 0}) <= 100.0);
  // 150 ticks of 100 Hz in 1.5 s: one CPU busy the whole time.
  CHECK(process_cpu_percent(50, 200, 1500, 100) == Approx(100.0));
  CHECK(process_cpu_percent(0, 400, 1000, 100) == Approx(400.0));
  CHECK(process_cpu_percent(10, 10, 1000, 100) == 0);
  CHECK(process_cpu_percent(10, 20, 0, 100) == 0);
}
