#include "transport/http_front/rack_env.hpp"

#include <algorithm>
#include <map>

#include "core/codec/unpack.hpp"
#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/map_reader.hpp"

namespace desaster::http_front {

namespace {

using protocol::BodyWriter;

bool is_token_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u >= 0x7f) return false;
  return std::string_view("\"(),/:;<=>?@[\\]{}").find(c) == std::string_view::npos;
}

bool is_token(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), is_token_char);
}

// Headers a hop consumes, and those only the front end may say.
bool dropped_request_header(std::string_view name) {
  static constexpr std::string_view kDropped[] = {"connection",
                                                  "keep-alive",
                                                  "proxy-connection",
                                                  "transfer-encoding",
                                                  "te",
                                                  "upgrade",
                                                  "host",
                                                  "content-length",
                                                  "x-forwarded-proto",
                                                  "x-forwarded-host",
                                                  "x-forwarded-port",
                                                  "x-forwarded-ssl",
                                                  "forwarded",
                                                  "http2-settings"};
  if (std::find(std::begin(kDropped), std::end(kDropped), name) != std::end(kDropped)) return true;
  return name.find('_') != std::string_view::npos || !is_token(name);
}

bool dropped_reply_header(std::string_view name) {
  static constexpr std::string_view kDropped[] = {
      "connection", "keep-alive", "transfer-encoding", "content-length",
      "status",     "upgrade",    "proxy-connection",  "te"};
  return std::find(std::begin(kDropped), std::end(kDropped), name) != std::end(kDropped);
}

std::string env_name(std::string_view header) {
  std::string out = "HTTP_";
  for (char c : header) {
    if (c == '-') c = '_';
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    out += c;
  }
  return out;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// SERVER_NAME and SERVER_PORT from the authority ("example.org:8080",
// "[::1]:80"), else from the connection.
std::pair<std::string, std::string> server_of(const HttpRequest& r) {
  const std::string fallback_port = std::to_string(r.local_port);
  std::string_view a = r.authority;
  if (a.empty()) return {"localhost", fallback_port};
  std::string_view host = a;
  std::string_view port;
  if (a.front() == '[') {
    const auto close = a.find(']');
    if (close != std::string_view::npos) {
      host = a.substr(0, close + 1);
      if (close + 1 < a.size() && a[close + 1] == ':') port = a.substr(close + 2);
    }
  } else if (const auto colon = a.rfind(':'); colon != std::string_view::npos) {
    host = a.substr(0, colon);
    port = a.substr(colon + 1);
  }
  const bool digits =
      !port.empty() && port.size() <= 5 &&
      std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
  std::string p = digits ? std::string(port) : (r.tls ? "443" : "80");
  return {host.empty() ? std::string("localhost") : std::string(host), p};
}

}  // namespace

Result<std::string> encode_rack_payload(const HttpRequest& r) {
  if (!is_token(r.method))
    return Status::error(ErrorCode::bad_request, "the method is not a token");
  if (r.target.empty() || r.target.front() != '/')
    return Status::error(ErrorCode::bad_request, "the request target is not a path");
  const auto q = r.target.find('?');
  const std::string_view path = std::string_view(r.target).substr(0, q);
  const std::string_view query =
      q == std::string::npos ? std::string_view() : std::string_view(r.target).substr(q + 1);

  // Repeated headers join as one (", "; cookies "; "), as CGI has them.
  std::map<std::string, std::string> headers;
  std::string forwarded_for;
  std::string content_type;
  bool has_content_type = false;
  for (const auto& [raw_name, value] : r.headers) {
    const std::string name = lower(raw_name);
    if (name == "x-forwarded-for") {
      if (!forwarded_for.empty()) forwarded_for += ", ";
      forwarded_for += value;
      continue;
    }
    if (dropped_request_header(name)) continue;
    if (name == "content-type") {
      content_type = value;
      has_content_type = true;
      continue;
    }
    std::string key = env_name(name);
    auto [it, fresh] = headers.emplace(key, value);
    if (!fresh) it->second += (name == "cookie" ? "; " : ", ") + value;
  }
  if (!forwarded_for.empty()) forwarded_for += ", ";
  forwarded_for += r.remote_addr;

  const auto [server_name, server_port] = server_of(r);
  const bool has_body =
      !r.body.empty() || r.method == "POST" || r.method == "PUT" || r.method == "PATCH";
  BodyWriter env;
  env.add("REQUEST_METHOD", r.method);
  env.add("SCRIPT_NAME", "");
  env.add("PATH_INFO", path);
  env.add("QUERY_STRING", query);
  env.add("REQUEST_URI", r.target);
  env.add("SERVER_NAME", server_name);
  env.add("SERVER_PORT", server_port);
  env.add("SERVER_PROTOCOL", r.protocol.empty() ? std::string("HTTP/1.1") : r.protocol);
  env.add("REMOTE_ADDR", r.remote_addr);
  env.add("HTTPS", r.tls ? "on" : "off");
  env.add("rack.url_scheme", r.tls ? "https" : "http");
  if (!r.authority.empty()) env.add("HTTP_HOST", r.authority);
  env.add("HTTP_X_FORWARDED_FOR", forwarded_for);
  env.add("HTTP_X_FORWARDED_PROTO", r.tls ? "https" : "http");
  if (has_body) env.add("CONTENT_LENGTH", std::to_string(r.body.size()));
  if (has_content_type) env.add("CONTENT_TYPE", content_type);
  for (const auto& [key, value] : headers) {
    if (key == "HTTP_HOST" || key == "HTTP_X_FORWARDED_FOR") continue;
    env.add(key, value);
  }

  BodyWriter payload;
  payload.add_packed("env", env.finish());
  payload.add_bytes("body", r.body);
  return payload.finish();
}

Result<HttpReply> decode_rack_reply(std::string_view output) {
  Result<msgpack::object_handle> unpacked = codec::unpack_bounded(output, "Rack reply");
  if (!unpacked.ok()) return unpacked.status();
  const msgpack::object& root = unpacked->get();
  auto bad = [](const std::string& why) {
    return Status::error(ErrorCode::bad_request, "Rack reply " + why);
  };
  if (root.type != msgpack::type::MAP) return bad("is not a map");
  RawRackReply raw;
  bool has_status = false;
  for (std::uint32_t i = 0; i < root.via.map.size; ++i) {
    const msgpack::object_kv& kv = root.via.map.ptr[i];
    if (kv.key.type != msgpack::type::STR) return bad("has a key that is not a string");
    const std::string_view key(kv.key.via.str.ptr, kv.key.via.str.size);
    const msgpack::object& v = kv.val;
    if (key == "status") {
      if (v.type != msgpack::type::POSITIVE_INTEGER || v.via.u64 < 100 || v.via.u64 > 599)
        return bad("status is not a number from 100 to 599");
      raw.status = static_cast<int>(v.via.u64);
      has_status = true;
    } else if (key == "body") {
      if (v.type == msgpack::type::BIN) {
        raw.body.assign(v.via.bin.ptr, v.via.bin.size);
      } else if (v.type == msgpack::type::STR) {
        raw.body.assign(v.via.str.ptr, v.via.str.size);
      } else {
        return bad("body is not bytes");
      }
    } else if (key == "headers") {
      if (v.type != msgpack::type::MAP) return bad("headers is not a map");
      for (std::uint32_t h = 0; h < v.via.map.size; ++h) {
        const msgpack::object_kv& hv = v.via.map.ptr[h];
        if (hv.key.type != msgpack::type::STR || hv.val.type != msgpack::type::STR)
          return bad("header names and values must be strings");
        raw.headers.emplace_back(std::string(hv.key.via.str.ptr, hv.key.via.str.size),
                                 std::string(hv.val.via.str.ptr, hv.val.via.str.size));
      }
    }
  }
  if (!has_status) return bad("has no status");
  return check_rack_reply(std::move(raw));
}

Result<HttpReply> check_rack_reply(RawRackReply raw) {
  auto bad = [](const std::string& why) {
    return Status::error(ErrorCode::bad_request, "Rack reply " + why);
  };
  if (raw.status < 100 || raw.status > 599) return bad("status is not a number from 100 to 599");
  if (!raw.headers_problem.empty()) return bad(raw.headers_problem);
  HttpReply reply;
  reply.status = raw.status;
  reply.body = std::move(raw.body);
  reply.headers.reserve(raw.headers.size());
  for (auto& [raw_name, raw_values] : raw.headers) {
    const std::string name = lower(raw_name);
    if (!is_token(name)) return bad("header name '" + name.substr(0, 100) + "' is not a token");
    if (dropped_reply_header(name)) continue;
    // Rack 2 joins repeated values with "\n": each line is one header.
    std::string_view values(raw_values);
    while (true) {
      const auto nl = values.find('\n');
      const std::string_view one = values.substr(0, nl);
      if (std::any_of(one.begin(), one.end(), [](char c) {
            return c == '\r' || c == '\0' || (static_cast<unsigned char>(c) < 0x20 && c != '\t');
          }))
        return bad("header '" + name + "' has a control character");
      if (nl == std::string_view::npos && values.size() == raw_values.size()) {
        reply.headers.emplace_back(name, std::move(raw_values));  // one line: no copy
        break;
      }
      reply.headers.emplace_back(name, std::string(one));
      if (nl == std::string_view::npos) break;
      values.remove_prefix(nl + 1);
    }
  }
  return reply;
}

}  // namespace desaster::http_front
