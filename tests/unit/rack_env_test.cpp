#include <catch2/catch.hpp>

#include <map>

#include <msgpack.hpp>

#include "transport/http_front/rack_env.hpp"
#include "transport/protocol/body_writer.hpp"

using namespace desaster;
using namespace desaster::http_front;

namespace {

std::map<std::string, std::string> env_of(const std::string& payload) {
  msgpack::object_handle h = msgpack::unpack(payload.data(), payload.size());
  std::map<std::string, msgpack::object> top;
  h.get().convert(top);
  std::map<std::string, std::string> env;
  top.at("env").convert(env);
  return env;
}

std::string reply_bytes(int status, std::map<std::string, std::string> headers, std::string body) {
  protocol::BodyWriter w;
  w.add("status", status);
  protocol::BodyWriter h;
  for (const auto& [k, v] : headers) h.add(k, v);
  w.add_packed("headers", h.finish());
  w.add_bytes("body", body);
  return w.finish();
}

}  // namespace

TEST_CASE("an HTTP request becomes a CGI-style Rack env the front end vouches for", "[http]") {
  HttpRequest r;
  r.method = "POST";
  r.target = "/users/new?x=1&y=2";
  r.authority = "example.org:8080";
  r.protocol = "HTTP/1.1";
  r.headers = {{"content-type", "text/plain"},
               {"x-forwarded-for", "10.0.0.9"},
               {"x-forwarded-proto", "https"},
               {"x-forwarded-host", "evil"},
               {"cookie", "a=1"},
               {"cookie", "b=2"},
               {"x_sneaky", "1"},
               {"accept", "*/*"}};
  r.body = "hello";
  r.remote_addr = "192.0.2.7";
  r.local_port = 80;
  Result<std::string> payload = encode_rack_payload(r);
  REQUIRE(payload.ok());
  auto env = env_of(*payload);
  CHECK(env["REQUEST_METHOD"] == "POST");
  CHECK(env["PATH_INFO"] == "/users/new");
  CHECK(env["QUERY_STRING"] == "x=1&y=2");
  CHECK(env["SERVER_NAME"] == "example.org");
  CHECK(env["SERVER_PORT"] == "8080");
  CHECK(env["HTTP_HOST"] == "example.org:8080");
  CHECK(env["CONTENT_TYPE"] == "text/plain");
  CHECK(env["CONTENT_LENGTH"] == "5");
  CHECK(env.count("HTTP_CONTENT_TYPE") == 0);
  CHECK(env["REMOTE_ADDR"] == "192.0.2.7");
  CHECK(env["HTTP_X_FORWARDED_FOR"] == "10.0.0.9, 192.0.2.7");
  CHECK(env["HTTP_X_FORWARDED_PROTO"] == "http");
  CHECK(env["HTTPS"] == "off");
  CHECK(env.count("HTTP_X_FORWARDED_HOST") == 0);
  CHECK(env.count("HTTP_X_SNEAKY") == 0);
  CHECK(env["HTTP_COOKIE"] == "a=1; b=2");
  CHECK(env["HTTP_ACCEPT"] == "*/*");
}

TEST_CASE("a request target that is not a path, or a method that is not a token, is refused",
          "[http]") {
  HttpRequest r;
  r.method = "GET";
  r.target = "*";
  CHECK(!encode_rack_payload(r).ok());
  r.target = "http://x/y";
  CHECK(!encode_rack_payload(r).ok());
  r.target = "/";
  r.method = "GE T";
  CHECK(!encode_rack_payload(r).ok());
}

TEST_CASE("a Rack reply splits Rack 2's joined headers and drops the hop-by-hop ones", "[http]") {
  Result<HttpReply> reply = decode_rack_reply(reply_bytes(
      201, {{"Set-Cookie", "a=1\nb=2"}, {"Content-Length", "99"}, {"Connection", "close"}}, "ok"));
  REQUIRE(reply.ok());
  CHECK(reply->status == 201);
  CHECK(reply->body == "ok");
  REQUIRE(reply->headers.size() == 2);
  CHECK(reply->headers[0] == std::pair<std::string, std::string>{"set-cookie", "a=1"});
  CHECK(reply->headers[1] == std::pair<std::string, std::string>{"set-cookie", "b=2"});
}

TEST_CASE("a Rack reply that could split the response or has no valid status is refused",
          "[http]") {
  CHECK(!decode_rack_reply(reply_bytes(200, {{"X-A", "1\r\nInjected: yes"}}, "")).ok());
  CHECK(!decode_rack_reply(reply_bytes(200, {{"Bad Name", "1"}}, "")).ok());
  CHECK(!decode_rack_reply(reply_bytes(99, {}, "")).ok());
  CHECK(!decode_rack_reply(reply_bytes(600, {}, "")).ok());
  CHECK(!decode_rack_reply("\xc1").ok());
  CHECK(!decode_rack_reply("\x80").ok());  // an empty map: no status
}

TEST_CASE("a local worker's reply gets the same checks without being packed again", "[http]") {
  RawRackReply raw;
  raw.status = 200;
  raw.headers = {{"Content-Type", "text/plain"}, {"Set-Cookie", "a=1\nb=2"}, {"Status", "200"}};
  raw.body = "hello";
  Result<HttpReply> reply = check_rack_reply(raw);
  REQUIRE(reply.ok());
  CHECK(reply->body == "hello");
  REQUIRE(reply->headers.size() == 3);
  CHECK(reply->headers[0] == std::pair<std::string, std::string>{"content-type", "text/plain"});
  CHECK(reply->headers[2] == std::pair<std::string, std::string>{"set-cookie", "b=2"});

  RawRackReply split = raw;
  split.headers = {{"X-A", "1\r\nInjected: yes"}};
  CHECK(!check_rack_reply(split).ok());
  RawRackReply name = raw;
  name.headers = {{"Bad Name", "1"}};
  CHECK(!check_rack_reply(name).ok());
  RawRackReply nul = raw;
  nul.headers = {{"X-A", std::string("a\0b", 3)}};
  CHECK(!check_rack_reply(nul).ok());
  RawRackReply status = raw;
  status.status = 600;
  CHECK(!check_rack_reply(status).ok());
  status.status = 0;  // the worker sent none that fits
  CHECK(!check_rack_reply(status).ok());
  RawRackReply odd = raw;
  odd.headers.clear();
  odd.headers_problem = "header names and values must be strings";
  CHECK(check_rack_reply(odd).status().message ==
        "Rack reply header names and values must be strings");
}
