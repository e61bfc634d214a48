// desaster-web's command line, parsed without side effects so it can be
// tested: where the node is, where to listen, and how to guard the page.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/model/status.hpp"

namespace desaster::web {

struct WebOptions {
  std::string endpoint = "tcp://127.0.0.1:2691";  // -c HOST[:PORT]
  std::string group_key;                          // -k; empty: $DESASTER_KEY, else "default"
  std::string listen_host = "127.0.0.1";          // --listen ADDR:PORT
  std::uint16_t listen_port = 2690;
  std::string metrics_host;  // --metrics ADDR:PORT; port 0: no metrics
  std::uint16_t metrics_port = 0;
  std::string base_path;  // --base-path: "" or "/x/y" (no trailing slash)
  std::string password_file;
  bool read_only = false;
  std::string tls_cert;
  std::string tls_key;
  std::int64_t timeout_ms = 10'000;  // per node request
  // A request (line, headers, body) must arrive within this; slow clients
  // are cut off.
  std::uint64_t request_timeout_ms = 10'000;
  bool show_help = false;
};

// args excludes argv[0]. Errors name the flag. Also refuses a non-loopback
// --listen without --password-file, and a lone --tls-cert or --tls-key.
Result<WebOptions> parse_web_options(const std::vector<std::string>& args);
std::string web_help_text();
// 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(const std::string& host);

}  // namespace desaster::web
