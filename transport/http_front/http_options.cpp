#include "transport/http_front/http_options.hpp"

#include <arpa/inet.h>

#include <array>
#include <charconv>

namespace desaster::http_front {

namespace {

constexpr std::array<std::string_view, 11> kFlags{"http",
                                                  "https",
                                                  "tls-cert",
                                                  "tls-key",
                                                  "http-route",
                                                  "http-queue",
                                                  "http-queue-timeout",
                                                  "http-timeout",
                                                  "http-read-timeout",
                                                  "http-max-body",
                                                  "http-flow"};

std::optional<std::uint64_t> parse_number(std::string_view text) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<ListenAddress> parse_listen_address(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const std::string host(text.substr(0, colon));
  in_addr addr{};
  if (inet_pton(AF_INET, host.c_str(), &addr) != 1) return std::nullopt;
  const auto port = parse_number(text.substr(colon + 1));
  if (!port || *port < 1 || *port > 65535) return std::nullopt;
  return ListenAddress{host, static_cast<std::uint16_t>(*port)};
}

std::optional<std::uint32_t> parse_duration_ms(std::string_view text) {
  std::uint64_t scale = 1000;
  if (text.ends_with("ms")) {
    scale = 1;
    text.remove_suffix(2);
  } else if (text.ends_with("s")) {
    text.remove_suffix(1);
  }
  const auto value = parse_number(text);
  if (!value || *value > 3'600'000 / scale) return std::nullopt;
  return static_cast<std::uint32_t>(*value * scale);
}

bool is_http_flag(std::string_view name) {
  for (std::string_view f : kFlags)
    if (f == name) return true;
  return false;
}

Status apply_http_flag(std::string_view name, const std::string& value, HttpFrontOptions& out) {
  auto bad = [&](const std::string& why) {
    return Status::error(ErrorCode::bad_request, "--" + std::string(name) + ": " + why);
  };
  auto quoted = "'" + value.substr(0, 200) + "'";
  if (name == "http" || name == "https") {
    auto addr = parse_listen_address(value);
    if (!addr) return bad(quoted + " is not ADDR:PORT (an IPv4 address and a port)");
    (name == "http" ? out.http : out.https) = *addr;
  } else if (name == "tls-cert" || name == "tls-key") {
    if (value.empty()) return bad("needs a file name");
    (name == "tls-cert" ? out.tls_cert : out.tls_key) = value;
  } else if (name == "http-route") {
    if (Status s = out.routes.add(value); !s.ok()) return bad(s.message);
  } else if (name == "http-queue") {
    auto n = parse_number(value);
    if (!n || *n > 1'000'000) return bad(quoted + " is not a number from 0 to 1000000");
    out.queue_limit = static_cast<std::size_t>(*n);
  } else if (name == "http-flow") {
    if (value != "addr" && value != "host") return bad(quoted + " is neither addr nor host");
    out.flow_by_host = value == "host";
  } else if (name == "http-max-body") {
    auto n = parse_number(value);
    if (!n || *n > (15u << 20)) return bad(quoted + " is not a number of bytes up to 15728640");
    out.max_body_bytes = static_cast<std::size_t>(*n);
  } else {
    auto ms = parse_duration_ms(value);
    if (!ms || *ms == 0)
      return bad(quoted + " is not a duration such as 5s or 500ms (at most 1 h)");
    if (name == "http-queue-timeout") out.queue_timeout_ms = *ms;
    if (name == "http-timeout") out.request_timeout_ms = *ms;
    if (name == "http-read-timeout") out.read_timeout_ms = *ms;
  }
  return {};
}

Status check_http_options(const HttpFrontOptions& options) {
  if (options.https && (options.tls_cert.empty() || options.tls_key.empty())) {
    return Status::error(ErrorCode::bad_request, "--https needs --tls-cert and --tls-key");
  }
  if (!options.https && (!options.tls_cert.empty() || !options.tls_key.empty())) {
    return Status::error(ErrorCode::bad_request, "--tls-cert and --tls-key go with --https");
  }
  if (!options.enabled() && !options.routes.routes().empty()) {
    return Status::error(ErrorCode::bad_request, "--http-route needs --http or --https");
  }
  return {};
}

std::string http_help_text() {
  return "     --http=ADDR:PORT           serve HTTP: each request is a transient job for a\n"
         "                                Ruby pool with a rackup (off by default)\n"
         "     --https=ADDR:PORT          the same over TLS (HTTP/2 by ALPN), with\n"
         "     --tls-cert=FILE            the certificate chain (PEM) and\n"
         "     --tls-key=FILE             its private key (PEM)\n"
         "     --http-route=HOST/PREFIX=QUEUE  requests for HOST (or *) under PREFIX go to\n"
         "                                QUEUE; longest prefix wins [all: queue http]\n"
         "     --http-queue=N             requests that may wait for a free worker; more get\n"
         "                                503 at once [8192]\n"
         "     --http-queue-timeout=DURATION  longest wait for a worker, then 503 [5s]\n"
         "     --http-timeout=DURATION    longest a worker may take, then 504 [60s]\n"
         "     --http-read-timeout=DURATION  a client slower than this to send its request\n"
         "                                gets 408 and is cut off [10s]\n"
         "     --http-flow=addr|host      what a queue with the sfq qdisc lets take turns:\n"
         "                                client addresses or Host headers [addr]\n"
         "     --http-max-body=BYTES      larger request bodies get 413 [8388608]\n";
}

}  // namespace desaster::http_front
