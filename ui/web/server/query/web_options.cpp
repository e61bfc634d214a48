#include "ui/web/server/query/web_options.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace desaster::web {

namespace {

Status bad(const std::string& message) {
  return Status::error(ErrorCode::bad_request, message);
}

bool parse_port(std::string_view text, std::uint16_t& out) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return false;
  if (value == 0 || value > 65535) return false;
  out = static_cast<std::uint16_t>(value);
  return true;
}

// HOST[:PORT] as desasterctl's -c takes it: tcp://HOST:PORT.
Result<std::string> node_endpoint(const std::string& value) {
  if (value.rfind("tcp://", 0) == 0) return value;
  std::string host = value;
  std::uint16_t port = 2691;
  const std::size_t colon = value.rfind(':');
  if (colon != std::string::npos && value.find(':') == colon) {
    host = value.substr(0, colon);
    if (!parse_port(std::string_view(value).substr(colon + 1), port))
      return bad("-c: '" + value + "' has no valid port (HOST[:PORT])");
  }
  if (host.empty()) return bad("-c: '" + value + "' has no host (HOST[:PORT])");
  return "tcp://" + host + ":" + std::to_string(port);
}

}  // namespace

bool is_loopback_host(const std::string& host) {
  if (host == "localhost" || host == "::1") return true;
  in_addr addr{};
  if (inet_pton(AF_INET, host.c_str(), &addr) == 1) return (ntohl(addr.s_addr) >> 24) == 127;
  return false;
}

Result<WebOptions> parse_web_options(const std::vector<std::string>& args) {
  WebOptions o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h" || arg == "--help") {
      o.show_help = true;
      continue;
    }
    if (arg == "--read-only") {
      o.read_only = true;
      continue;
    }
    if (i + 1 >= args.size()) return bad(arg + ": needs a value (see --help)");
    const std::string& v = args[++i];
    if (arg == "-c") {
      Result<std::string> endpoint = node_endpoint(v);
      if (!endpoint.ok()) return endpoint.status();
      o.endpoint = *endpoint;
    } else if (arg == "-k") {
      o.group_key = v;
    } else if (arg == "--listen" || arg == "--metrics") {
      std::string& host = arg == "--listen" ? o.listen_host : o.metrics_host;
      std::uint16_t& port = arg == "--listen" ? o.listen_port : o.metrics_port;
      const std::size_t colon = v.rfind(':');
      if (colon == std::string::npos || colon == 0 ||
          !parse_port(std::string_view(v).substr(colon + 1), port))
        return bad(arg + ": '" + v + "' is not ADDR:PORT (an IPv4 address and a port 1-65535)");
      host = v.substr(0, colon);
      in_addr addr{};
      if (host == "localhost") host = "127.0.0.1";
      if (inet_pton(AF_INET, host.c_str(), &addr) != 1)
        return bad(arg + ": '" + host + "' is not an IPv4 address");
    } else if (arg == "--base-path") {
      std::string p = v;
      while (!p.empty() && p.back() == '/') p.pop_back();
      if (!p.empty() && p.front() != '/') return bad("--base-path: '" + v + "' must start with /");
      for (char c : p) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '/' || c == '-' || c == '_' || c == '.';
        if (!ok) return bad("--base-path: '" + v + "' may hold only A-Z a-z 0-9 / - _ .");
      }
      if (p.find("//") != std::string::npos || p.find("/.") != std::string::npos)
        return bad("--base-path: '" + v + "' has an empty or dot segment");
      o.base_path = p;
    } else if (arg == "--password-file") {
      o.password_file = v;
    } else if (arg == "--tls-cert") {
      o.tls_cert = v;
    } else if (arg == "--tls-key") {
      o.tls_key = v;
    } else if (arg == "--request-timeout") {
      std::uint64_t ms = 0;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), ms);
      if (ec != std::errc{} || end != v.data() + v.size() || ms < 100 || ms > 600'000)
        return bad("--request-timeout: '" + v + "' is not 100 to 600000 ms");
      o.request_timeout_ms = ms;
    } else if (arg == "--timeout") {
      std::int64_t ms = 0;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), ms);
      if (ec != std::errc{} || end != v.data() + v.size() || ms < 100 || ms > 600'000)
        return bad("--timeout: '" + v + "' is not 100 to 600000 ms");
      o.timeout_ms = ms;
    } else {
      return bad("unknown option '" + arg + "' (see --help)");
    }
  }
  if (o.tls_cert.empty() != o.tls_key.empty()) return bad("--tls-cert and --tls-key go together");
  if (o.metrics_port != 0 && o.metrics_port == o.listen_port && o.metrics_host == o.listen_host)
    return bad("--metrics: the page listens on " + o.listen_host + ":" +
               std::to_string(o.listen_port) + " already");
  if (!o.show_help && !is_loopback_host(o.listen_host) && o.password_file.empty())
    return bad("--listen " + o.listen_host +
               ": refusing to listen beyond loopback without "
               "--password-file (whoever reaches the page could kill every job)");
  return o;
}

std::string web_help_text() {
  return "usage: desaster-web [options]\n"
         "\n"
         "The web UI of a desaster cluster: a live replica of the scheduler state\n"
         "(one state feed subscription), a JSON API under /api/ and a page.\n"
         "\n"
         "  -c HOST[:PORT]          the node to talk to (default 127.0.0.1:2691); when it\n"
         "                          dies desaster-web moves to another node it knows of\n"
         "  -k KEY                  the cluster's group key (default $DESASTER_KEY, else\n"
         "                          \"default\")\n"
         "  --listen ADDR:PORT      where to serve HTTP (default 127.0.0.1:2690); an\n"
         "                          address beyond loopback needs --password-file\n"
         "  --metrics ADDR:PORT     serve Prometheus metrics on GET /metrics there (its\n"
         "                          own port, no login: requests, SSE clients, feed)\n"
         "  --base-path /PREFIX     serve under a path prefix, behind a reverse proxy\n"
         "  --password-file FILE    require a login with the password in FILE (its\n"
         "                          first line)\n"
         "  --read-only             show everything, refuse every action\n"
         "  --tls-cert FILE         serve HTTPS with this certificate chain (PEM)...\n"
         "  --tls-key FILE          ...and this private key (PEM)\n"
         "  --timeout MS            per request to a node (default 10000)\n"
         "  --request-timeout MS    an HTTP request must arrive within this (default\n"
         "                          10000); slower clients are disconnected\n"
         "  -h, --help              this text\n"
         "\n"
         "API: see ui/web/API.md; for example\n"
         "  curl 'http://127.0.0.1:2690/api/jobs?state=dead&search=Timeout&limit=20'\n";
}

}  // namespace desaster::web
