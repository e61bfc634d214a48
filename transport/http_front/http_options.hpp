// The HTTP front end's settings (`desaster --http ADDR:PORT ...`) and the
// parser of its flags. Pure: core/node/options.cpp hands every --http*,
// --https and --tls-* flag here, so the node's own option table stays small.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/status.hpp"
#include "transport/http_front/http_routes.hpp"

namespace desaster::http_front {

struct ListenAddress {
  std::string host;  // IPv4
  std::uint16_t port = 0;
};

struct HttpFrontOptions {
  std::optional<ListenAddress> http;   // --http ADDR:PORT
  std::optional<ListenAddress> https;  // --https ADDR:PORT, with --tls-cert and --tls-key
  std::string tls_cert;
  std::string tls_key;
  HttpRoutes routes;  // --http-route HOST/PREFIX=QUEUE, in the order given
  // Requests waiting for a free worker; past this they get 503 at once.
  // A bound on memory (about 10 KB a waiting request, its connection's
  // buffers included), not on wait: the timeout bounds that. At thousands of
  // short requests a second 1024 was a fraction of a second's arrivals, so a
  // stall of the machine that long turned requests away that would have
  // been served well within the timeout.
  std::size_t queue_limit = 8192;
  // How long a request may wait for a worker before it gets 503.
  std::uint32_t queue_timeout_ms = 5'000;
  // How long a worker may take to answer: then 504 and the worker is killed.
  std::uint32_t request_timeout_ms = 60'000;
  // A client that has not sent its whole request in this long is cut off.
  std::uint32_t read_timeout_ms = 10'000;
  std::size_t max_header_bytes = 16 * 1024;  // request line + headers: past it 431
  std::size_t max_body_bytes = 8u << 20;     // past it 413 (a worker frame holds 16 MiB)
  // --http-flow addr|host: what an sfq queue's requests take turns by.
  bool flow_by_host = false;

  bool enabled() const { return http.has_value() || https.has_value(); }
};

// True for the flags this module owns (long names without the dashes).
bool is_http_flag(std::string_view name);
// Applies one of them; errors name the flag ("--http-queue: ...").
Status apply_http_flag(std::string_view name, const std::string& value, HttpFrontOptions& out);
// Checks the flags together (--https needs a certificate and its key).
Status check_http_options(const HttpFrontOptions& options);

// "ADDR:PORT" (IPv4; port 1-65535).
std::optional<ListenAddress> parse_listen_address(std::string_view text);
// "5s", "500ms" or "5" (seconds), up to an hour.
std::optional<std::uint32_t> parse_duration_ms(std::string_view text);

std::string http_help_text();

}  // namespace desaster::http_front
