// The command line of `desaster`: the seed's flags plus the few a daemon
// needs (data dir, verbosity, concurrency). Parsing is a pure function so it
// can be unit-tested and fuzzed; only main() prints and exits.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/model/status.hpp"
#include "transport/http_front/http_options.hpp"

namespace desaster {

// --max-request: the bound on one client request, before and after the
// CURVE handshake (ZMQ_MAXMSGSIZE of the client port). The ceiling is the
// protocol's own frame limit (protocol::kMaxFrameBytes).
inline constexpr std::uint32_t kDefaultMaxRequestBytes = 4u << 20;
inline constexpr std::uint32_t kMinMaxRequestBytes = 64u << 10;
inline constexpr std::uint32_t kMaxMaxRequestBytes = 16u << 20;

struct NodeOptions {
  std::string bind_address = "0.0.0.0";
  std::string broadcast_address = "255.255.255.255";
  std::uint16_t port = 2691;
  std::string group_key;  // empty: $DESASTER_KEY, else "default" (key_source.hpp)
  bool standalone = false;
  std::string data_dir;           // empty: default_data_dir()
  int verbosity = 0;              // -v: 1, -vv: 2
  std::uint32_t concurrency = 0;  // shell jobs at once; 0: number of CPUs
  std::uint32_t shutdown_grace_ms = 30'000;
  // A hot upgrade (SIGUSR2, desasterctl upgrade): running jobs finishing and
  // the new process getting ready, each within this, or it rolls back.
  std::uint32_t upgrade_timeout_ms = 30'000;
  std::uint32_t kill_grace_ms = 10'000;     // TERM, then KILL after this (killed or timed-out jobs)
  std::uint64_t voter_timeout_ms = 30'000;  // autopilot: a silent voter is replaced after this
  // A follower that knows no leader holds a client's write this long for
  // the next one (HeldWrites); 0: refuses it at once.
  std::uint32_t leaderless_hold_ms = 2'000;
  // Each shell job's limits (its process group's RSS and CPU); 0: none.
  std::uint32_t job_memory_mb = 0;
  std::uint32_t job_cpu_percent = 0;
  std::uint32_t limit_grace_ms = 30'000;
  std::uint64_t snapshot_bytes = 256ull << 20;  // journal growth between snapshots
  // An operator's explicit choice to cut a corrupt journal (JournalOptions).
  bool truncate_corrupt_journal = false;
  std::uint32_t max_request_bytes = kDefaultMaxRequestBytes;
  http_front::HttpFrontOptions http;  // --http, --https and their settings
  // --metrics ADDR:PORT: Prometheus metrics over HTTP; port 0: none.
  std::string metrics_address;
  std::uint16_t metrics_port = 0;
  // --log-file PATH: log lines go there (reopened on SIGUSR1), not stderr.
  std::string log_file;
  bool show_help = false;
  bool show_version = false;
};

// argv[0] is skipped. Errors say which flag and why ("--port: '70000' is not
// a port number (1-65533)").
Result<NodeOptions> parse_node_options(const std::vector<std::string>& args);

// /var/lib/desaster as root, else $XDG_STATE_HOME/desaster (or
// ~/.local/state/desaster).
std::string default_data_dir(bool is_root, const char* xdg_state_home, const char* home);

std::string node_help_text();
std::string node_version_text();

}  // namespace desaster
