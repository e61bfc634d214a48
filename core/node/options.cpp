#include "core/node/options.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <optional>

#include "core/version.hpp"

namespace desaster {

namespace {

struct Flag {
  char short_name;  // 0: none
  const char* long_name;
  bool takes_value;
};

constexpr Flag kFlags[] = {
    {'h', "help", false},
    {'?', nullptr, false},
    {'a', "bind-address", true},
    {'b', "broadcast-address", true},
    {'p', "port", true},
    {'k', "key", true},
    {'s', "standalone", false},
    {'d', "data-dir", true},
    {'v', "verbose", false},
    {0, "version", false},
    {'j', "concurrency", true},
    {0, "shutdown-grace", true},
    {0, "kill-grace", true},
    {0, "voter-timeout", true},
    {0, "leaderless-hold", true},
    {0, "job-memory", true},
    {0, "job-cpu", true},
    {0, "limit-grace", true},
    {0, "snapshot-bytes", true},
    {0, "truncate-corrupt-journal", false},
    {0, "max-request", true},
    // Owned by transport/http_front (apply_http_flag).
    {0, "http", true},
    {0, "https", true},
    {0, "tls-cert", true},
    {0, "tls-key", true},
    {0, "http-route", true},
    {0, "http-queue", true},
    {0, "http-queue-timeout", true},
    {0, "http-timeout", true},
    {0, "http-read-timeout", true},
    {0, "http-max-body", true},
    {0, "metrics", true},
    {0, "log-file", true},
    {0, "upgrade-timeout", true},
};

// "10", "10s" or "500ms": a kill grace, at most an hour.
std::optional<std::uint32_t> parse_grace_ms(std::string text) {
  std::uint64_t scale = 1000;
  if (text.ends_with("ms")) {
    scale = 1;
    text.resize(text.size() - 2);
  } else if (text.ends_with("s")) {
    text.resize(text.size() - 1);
  }
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  if (value > 3'600'000 / scale) return std::nullopt;
  return static_cast<std::uint32_t>(value * scale);
}

std::optional<std::uint64_t> parse_number(const std::string& text) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// "4096", "64K", "16M" or "1G" (binary multiples): a snapshot threshold,
// from 1 KiB (smaller would snapshot at every write) to 1 TiB.
std::optional<std::uint64_t> parse_byte_size(std::string text) {
  std::uint64_t scale = 1;
  if (!text.empty()) {
    switch (text.back()) {
      case 'K':
      case 'k':
        scale = 1ull << 10;
        break;
      case 'M':
      case 'm':
        scale = 1ull << 20;
        break;
      case 'G':
      case 'g':
        scale = 1ull << 30;
        break;
      default:
        break;
    }
    if (scale != 1) text.pop_back();
  }
  auto n = parse_number(text);
  if (!n || *n > (1ull << 40) / scale || *n * scale < 1024) return std::nullopt;
  return *n * scale;
}

bool is_ipv4(const std::string& text) {
  in_addr addr{};
  return inet_pton(AF_INET, text.c_str(), &addr) == 1;
}

std::string flag_name(const Flag& flag) {
  return flag.long_name ? std::string("--") + flag.long_name : std::string("-") + flag.short_name;
}

Status apply_flag(const Flag& flag, const std::string& value, NodeOptions& out) {
  auto bad = [&](const std::string& why) {
    return Status::error(ErrorCode::bad_request, flag_name(flag) + ": " + why);
  };
  switch (flag.short_name) {
    case 'h':
    case '?':
      out.show_help = true;
      return {};
    case 'a':
      if (!is_ipv4(value)) return bad("'" + value + "' is not an IPv4 address");
      out.bind_address = value;
      return {};
    case 'b':
      if (!is_ipv4(value)) return bad("'" + value + "' is not an IPv4 address");
      out.broadcast_address = value;
      return {};
    case 'p': {
      // The node uses port, port+1 and port+2.
      auto n = parse_number(value);
      if (!n || *n < 1 || *n > 65533) return bad("'" + value + "' is not a port number (1-65533)");
      out.port = static_cast<std::uint16_t>(*n);
      return {};
    }
    case 'k':
      if (value.empty()) return bad("the group key must not be empty");
      out.group_key = value;
      return {};
    case 's':
      out.standalone = true;
      return {};
    case 'd':
      if (value.empty()) return bad("the data dir must not be empty");
      out.data_dir = value;
      return {};
    case 'v':
      ++out.verbosity;
      return {};
    case 'j': {
      auto n = parse_number(value);
      if (!n || *n < 1 || *n > 4096) return bad("'" + value + "' is not a number from 1 to 4096");
      out.concurrency = static_cast<std::uint32_t>(*n);
      return {};
    }
    case 0:
      if (http_front::is_http_flag(flag.long_name)) {
        return http_front::apply_http_flag(flag.long_name, value, out.http);
      }
      if (std::string_view(flag.long_name) == "version") {
        out.show_version = true;
        return {};
      }
      if (std::string_view(flag.long_name) == "truncate-corrupt-journal") {
        out.truncate_corrupt_journal = true;
        return {};
      }
      if (std::string_view(flag.long_name) == "leaderless-hold") {
        auto ms = parse_grace_ms(value);
        if (!ms) return bad("'" + value + "' is not a duration such as 2s or 500ms (at most 1h)");
        out.leaderless_hold_ms = *ms;
        return {};
      }
      if (std::string_view(flag.long_name) == "kill-grace") {
        auto ms = parse_grace_ms(value);
        if (!ms) return bad("'" + value + "' is not a grace such as 10s or 500ms (at most 1 h)");
        out.kill_grace_ms = *ms;
        return {};
      }
      if (std::string_view(flag.long_name) == "job-memory") {
        auto n = parse_number(value);
        if (!n || *n > 1'048'576) return bad("'" + value + "' is not MiB (0-1048576; 0: none)");
        out.job_memory_mb = static_cast<std::uint32_t>(*n);
        return {};
      }
      if (std::string_view(flag.long_name) == "job-cpu") {
        auto n = parse_number(value);
        if (!n || *n > 100'000) {
          return bad("'" + value + "' is not a percentage of one CPU (0-100000; 0: none)");
        }
        out.job_cpu_percent = static_cast<std::uint32_t>(*n);
        return {};
      }
      if (std::string_view(flag.long_name) == "limit-grace") {
        auto ms = parse_grace_ms(value);
        if (!ms || *ms == 0) {
          return bad("'" + value + "' is not a grace such as 30s or 500ms (at most 1 h)");
        }
        out.limit_grace_ms = *ms;
        return {};
      }
      if (std::string_view(flag.long_name) == "voter-timeout") {
        auto n = parse_number(value);
        if (!n || *n < 1 || *n > 86'400)
          return bad("'" + value + "' is not a number of seconds (1-86400)");
        out.voter_timeout_ms = *n * 1000;
        return {};
      }
      if (std::string_view(flag.long_name) == "max-request") {
        auto n = parse_byte_size(value);
        if (!n || *n < kMinMaxRequestBytes || *n > kMaxMaxRequestBytes) {
          return bad("'" + value + "' is not a size from 64K to 16M (such as 4M)");
        }
        out.max_request_bytes = static_cast<std::uint32_t>(*n);
        return {};
      }
      if (std::string_view(flag.long_name) == "metrics") {
        const std::size_t colon = value.rfind(':');
        auto n = colon == std::string::npos ? std::nullopt : parse_number(value.substr(colon + 1));
        if (!n || *n < 1 || *n > 65535 || !is_ipv4(value.substr(0, colon))) {
          return bad("'" + value + "' is not ADDR:PORT (such as 127.0.0.1:9691)");
        }
        out.metrics_address = value.substr(0, colon);
        out.metrics_port = static_cast<std::uint16_t>(*n);
        return {};
      }
      if (std::string_view(flag.long_name) == "log-file") {
        if (value.empty()) return bad("the log file must not be empty");
        out.log_file = value;
        return {};
      }
      if (std::string_view(flag.long_name) == "upgrade-timeout") {
        auto n = parse_number(value);
        if (!n || *n < 1 || *n > 3600)
          return bad("'" + value + "' is not a number of seconds (1-3600)");
        out.upgrade_timeout_ms = static_cast<std::uint32_t>(*n * 1000);
        return {};
      }
      if (std::string_view(flag.long_name) == "snapshot-bytes") {
        auto n = parse_byte_size(value);
        if (!n) return bad("'" + value + "' is not a size from 1K to 1024G (such as 64K, 16M)");
        out.snapshot_bytes = *n;
        return {};
      }
      {
        auto n = parse_number(value);
        if (!n || *n > 86'400) return bad("'" + value + "' is not a number of seconds (0-86400)");
        out.shutdown_grace_ms = static_cast<std::uint32_t>(*n * 1000);
        return {};
      }
  }
  return bad("unhandled flag");
}

}  // namespace

Result<NodeOptions> parse_node_options(const std::vector<std::string>& args) {
  NodeOptions out;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    const Flag* flag = nullptr;
    std::optional<std::string> inline_value;
    if (arg.rfind("--", 0) == 0 && arg.size() > 2) {
      std::string name = arg.substr(2);
      if (auto eq = name.find('='); eq != std::string::npos) {
        inline_value = name.substr(eq + 1);
        name.resize(eq);
      }
      for (const Flag& f : kFlags)
        if (f.long_name && name == f.long_name) flag = &f;
      if (!flag) return Status::error(ErrorCode::bad_request, "unknown option '--" + name + "'");
    } else if (arg.size() >= 2 && arg[0] == '-' && arg[1] != '-') {
      // Short flags may be grouped (-sv) and take their value attached (-p2700) or next.
      for (std::size_t j = 1; j < arg.size(); ++j) {
        flag = nullptr;
        for (const Flag& f : kFlags)
          if (f.short_name == arg[j]) flag = &f;
        if (!flag) {
          return Status::error(ErrorCode::bad_request,
                               std::string("unknown option '-") + arg[j] + "'");
        }
        if (!flag->takes_value) {
          if (Status s = apply_flag(*flag, {}, out); !s.ok()) return s;
          continue;
        }
        std::string value;
        if (j + 1 < arg.size()) {
          value = arg.substr(j + 1);
        } else if (i + 1 < args.size()) {
          value = args[++i];
        } else {
          return Status::error(ErrorCode::bad_request, flag_name(*flag) + " needs a value");
        }
        if (Status s = apply_flag(*flag, value, out); !s.ok()) return s;
        break;
      }
      continue;
    } else {
      return Status::error(ErrorCode::bad_request, "unexpected argument '" + arg + "'");
    }
    if (flag->takes_value) {
      if (!inline_value) {
        if (i + 1 >= args.size()) {
          return Status::error(ErrorCode::bad_request, flag_name(*flag) + " needs a value");
        }
        inline_value = args[++i];
      }
    } else if (inline_value) {
      return Status::error(ErrorCode::bad_request, flag_name(*flag) + " takes no value");
    }
    if (Status s = apply_flag(*flag, inline_value.value_or(""), out); !s.ok()) return s;
  }
  if (Status s = http_front::check_http_options(out.http); !s.ok()) return s;
  return out;
}

std::string default_data_dir(bool is_root, const char* xdg_state_home, const char* home) {
  if (is_root) return "/var/lib/desaster";
  if (xdg_state_home && *xdg_state_home) return std::string(xdg_state_home) + "/desaster";
  return std::string(home && *home ? home : ".") + "/.local/state/desaster";
}

std::string node_version_text() {
  return std::string("desaster, Job Queueing Manager, version ") + kVersion + "\n";
}

std::string node_help_text() {
  return node_version_text() +
         "Licensed under GPL-3\n"
         "\n"
         " usage: desaster [-a BIND_ADDR] [-b BROADCAST_ADDR] [-p PORT] [-k GROUP_KEY] [-s]\n"
         "\n"
         " -?, -h, --help                 prints this help\n"
         " -a, --bind-address=IPADDR      local IP address to bind to [0.0.0.0]\n"
         " -b, --broadcast-address=IPADDR remote IP/multicast/broadcast address to announce to "
         "[255.255.255.255]\n"
         " -p, --port=NUMBER              port number for receiving/sending packets [2691]\n"
         " -k, --key=GROUP_KEY            cluster-group shared key [$DESASTER_KEY, else "
         "default]\n"
         " -s, --standalone               do not broadcast for peering with cluster\n"
         " -d, --data-dir=PATH            where the journal and snapshots live "
         "[/var/lib/desaster as root, else $XDG_STATE_HOME/desaster]\n"
         " -j, --concurrency=NUMBER       shell jobs run at once on this node [number of "
         "CPUs]\n"
         "     --shutdown-grace=SECONDS   on SIGTERM, how long running jobs may finish [30]\n"
         "     --upgrade-timeout=SECONDS  how long a hot upgrade (SIGUSR2) may take before it\n"
         "                                rolls back [30]\n"
         "     --kill-grace=DURATION      a killed job (or a shell job past its timeout) gets\n"
         "                                TERM, then KILL after this long (10s, 500ms) [10s]\n"
         "     --job-memory=MB            a shell job whose process group holds more RSS than\n"
         "                                this past the limit grace is stopped (as a kill) "
         "and\n"
         "                                failed, saying why [0: no limit]\n"
         "     --job-cpu=PERCENT          the same for a shell job above PERCENT of one CPU\n"
         "                                [0: no limit]\n"
         "     --limit-grace=DURATION     how long a shell job may stay over a limit [30s]\n"
         "     --voter-timeout=SECONDS    a clustered leader replaces a voter silent this long "
         "[30]\n"
         "     --leaderless-hold=DURATION while no leader is known (an election), a follower\n"
         "                                holds a client's write this long for the next leader\n"
         "                                before refusing it [2s; 0: refuse at once]\n"
         "     --snapshot-bytes=SIZE      snapshot (and compact the journal) once it grew "
         "this\n"
         "                                much; SIZE in bytes or with K, M, G [256M]\n"
         "     --truncate-corrupt-journal cut the journal at a corrupt record that intact "
         "ones\n"
         "                                follow, dropping them (the log says how many); "
         "without\n"
         "                                it such a journal stops the node from starting\n"
         "     --max-request=SIZE         the largest client request this node reads; a larger\n"
         "                                one closes its connection, unread (64K-16M) [4M]\n"
         "     --metrics=ADDR:PORT        serve Prometheus metrics on http://ADDR:PORT/metrics\n"
         "     --log-file=PATH            log there instead of stderr; SIGUSR1 reopens it\n"
         "                                (for logrotate)\n"
         " -v, --verbose                  log more detail (twice: even more)\n" +
         http_front::http_help_text() +
         "     --version                  prints the version\n"
         "\n"
         " Ports: PORT is the client API (TCP), PORT+1 the state feed, PORT+2 peer and\n"
         " dispatch traffic; beacons use UDP PORT.\n";
}

}  // namespace desaster
