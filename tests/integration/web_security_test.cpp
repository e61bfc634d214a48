// desaster-web's guards over HTTP: the password login with its session
// cookie and rate limit, read-only mode, refusing to listen beyond loopback
// without a password, the base path, and the limits on header size, body
// size and slow clients.
#include <unistd.h>

#include "tests/integration/harness/fixtures.hpp"
#include "tests/integration/web/web_harness.hpp"

using namespace desaster;
using namespace desaster::test;
using namespace desaster::test::web;

namespace {

struct Web {
  TempDir dir;
  std::uint16_t port = free_port_triplet();
  WebProcess process;
  Web(std::uint16_t node_port, std::vector<std::string> args)
      : process(dir.path(), prepend(std::move(args), node_port, port)) {}
  static std::vector<std::string> prepend(std::vector<std::string> args, std::uint16_t node,
                                          std::uint16_t port) {
    args.insert(args.begin(), {"-c", "127.0.0.1:" + std::to_string(node), "--listen",
                               "127.0.0.1:" + std::to_string(port)});
    return args;
  }
};

std::string write_password(const TempDir& dir, const std::string& password) {
  const std::string path = dir.path() + "/password";
  std::ofstream(path) << password << "\n";
  return path;
}

std::string cookie_of(const HttpResponse& r) {
  REQUIRE(!r.set_cookies.empty());
  const std::string& c = r.set_cookies.front();
  return c.substr(0, c.find(';'));
}

}  // namespace

TEST_CASE("desaster-web with a password: login, session cookie, CSRF, rate limit",
          "[integration][web]") {
  RunningNode n;
  TempDir secrets;
  Web web(n.port, {"--password-file", write_password(secrets, "correct horse battery")});
  INFO(web.process.log());
  REQUIRE(web.process.start());
  const std::uint16_t port = web.port;

  const json before = http(port, "GET", "/api/session").doc();
  CHECK(before["auth_required"] == true);
  CHECK(before["logged_in"] == false);
  CHECK(before["csrf_token"] == "");
  const HttpResponse refused = http(port, "GET", "/api/overview");
  CHECK(refused.status == 401);
  CHECK(refused.error().rfind("session:", 0) == 0);
  CHECK(http(port, "GET", "/").status == 200);  // the page, which shows its login form

  const HttpResponse wrong = http(port, "POST", "/login", "password=guess",
                                  {"Content-Type: application/x-www-form-urlencoded"});
  CHECK(wrong.status == 401);
  CHECK(wrong.set_cookies.empty());

  const HttpResponse ok = http(port, "POST", "/login", "password=correct+horse+battery",
                               {"Content-Type: application/x-www-form-urlencoded"});
  INFO(ok.body);
  REQUIRE(ok.status == 200);
  const std::string& set = ok.set_cookies.front();
  CHECK(set.find("HttpOnly") != std::string::npos);
  CHECK(set.find("SameSite=Strict") != std::string::npos);
  CHECK(set.find("Secure") == std::string::npos);  // plain HTTP here
  const std::string cookie = "Cookie: " + cookie_of(ok);
  const std::string token = ok.doc()["csrf_token"].get<std::string>();
  CHECK(http(port, "GET", "/api/overview", {}, {cookie}).status == 200);
  // Actions need desaster-web to follow its node first.
  REQUIRE(wait_until([&] {
    return http(port, "GET", "/api/overview", {}, {cookie}).doc()["connection_state"] ==
           "connected";
  }));
  const json session = http(port, "GET", "/api/session", {}, {cookie}).doc();
  CHECK(session["logged_in"] == true);
  CHECK(session["csrf_token"] == token);

  // A logged-in POST still needs the token.
  CHECK(http(port, "POST", "/api/queues/x/pause", "{}", {cookie}).status == 403);
  CHECK(http(port, "POST", "/api/queues", R"({"name":"made-here"})",
             {cookie, "X-CSRF-Token: " + token})
            .status == 200);
  // A token of no session opens nothing.
  CHECK(
      http(port, "POST", "/api/queues", R"({"name":"nope"})", {"X-CSRF-Token: " + token}).status ==
      401);

  // Logout ends the session.
  CHECK(http(port, "POST", "/logout", {}, {cookie, "X-CSRF-Token: " + token}).status == 200);
  CHECK(http(port, "GET", "/api/overview", {}, {cookie}).status == 401);

  // Wrong passwords are rate-limited per address (one wrong one so far).
  int limited_at = 0;
  for (int i = 2; i <= 7 && limited_at == 0; ++i) {
    const HttpResponse r =
        http(port, "POST", "/login", R"({"password":"nope"})", {"Content-Type: application/json"});
    if (r.status == 429) {
      limited_at = i;
      CHECK(r.headers.count("retry-after") == 1);
      CHECK(r.error().rfind("password:", 0) == 0);
    } else {
      CHECK(r.status == 401);
    }
  }
  CHECK(limited_at == 6);
  // Even the right password waits now.
  CHECK(http(port, "POST", "/login", "password=correct+horse+battery").status == 429);
}

TEST_CASE("desaster-web --read-only refuses every action", "[integration][web]") {
  RunningNode n;
  Web web(n.port, {"--read-only"});
  REQUIRE(web.process.start());
  const json session = http(web.port, "GET", "/api/session").doc();
  CHECK(session["read_only"] == true);
  const std::string token = session["csrf_token"].get<std::string>();
  const HttpResponse r =
      http(web.port, "POST", "/api/queues", R"({"name":"q"})", {"X-CSRF-Token: " + token});
  CHECK(r.status == 403);
  CHECK(r.error() == "desaster-web runs read-only");
  CHECK(http(web.port, "GET", "/api/queues").status == 200);
}

TEST_CASE("desaster-web refuses to listen beyond loopback without a password",
          "[integration][web]") {
  TempDir dir;
  WebProcess web(dir.path(), {"--listen", "0.0.0.0:" + std::to_string(free_port_triplet())});
  web.spawn();
  CHECK(web.wait_exit() == 2);
  CHECK(web.log().find("without --password-file") != std::string::npos);
  TempDir dir2;
  WebProcess help(dir2.path(), {"--help"});
  help.spawn();
  CHECK(help.wait_exit() == 0);
  CHECK(help.log().find("--base-path") != std::string::npos);
}

TEST_CASE("desaster-web under a base path", "[integration][web]") {
  RunningNode n;
  Web web(n.port, {"--base-path", "/desaster/"});
  REQUIRE(web.process.start());
  CHECK(http(web.port, "GET", "/desaster/api/session").status == 200);
  CHECK(http(web.port, "GET", "/desaster/").status == 200);
  const HttpResponse redirect = http(web.port, "GET", "/desaster");
  CHECK(redirect.status == 302);
  CHECK(redirect.headers.at("location") == "/desaster/");
  CHECK(http(web.port, "GET", "/api/session").status == 404);
}

TEST_CASE("desaster-web limits header size, body size and slow clients", "[integration][web]") {
  RunningNode n;
  Web web(n.port, {"--request-timeout", "1000"});
  REQUIRE(web.process.start());
  const std::string token = http(web.port, "GET", "/api/session").doc()["csrf_token"];

  const HttpResponse big_header =
      http(web.port, "GET", "/api/overview", {}, {"X-Filler: " + std::string(20'000, 'a')});
  CHECK(big_header.status == 431);
  CHECK(big_header.error().rfind("headers:", 0) == 0);

  const HttpResponse big_body = http(web.port, "POST", "/api/actions",
                                     std::string(2 * 1024 * 1024, ' '), {"X-CSRF-Token: " + token});
  CHECK(big_body.status == 413);

  // A request that never completes is cut off after the request timeout.
  const int fd = connect_to(web.port);
  REQUIRE(fd >= 0);
  REQUIRE(send_all(fd, "GET /api/overview HTTP/1.1\r\nHost: x\r\n"));
  bool closed = false;
  const auto start = std::chrono::steady_clock::now();
  read_until_closed(fd, std::chrono::seconds(10), &closed);
  close(fd);
  CHECK(closed);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  // And the server still answers others.
  CHECK(http(web.port, "GET", "/api/session").status == 200);
}

TEST_CASE("desaster-web over TLS: HTTPS, HTTP/2, and a Secure session cookie",
          "[integration][web]") {
  RunningNode n;
  TempDir secrets;
  const std::string cert = secrets.path() + "/cert.pem";
  const std::string key = secrets.path() + "/key.pem";
  const CommandResult made =
      run_command({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                   "-out", cert, "-days", "1", "-subj", "/CN=localhost"});
  INFO(made.err);
  REQUIRE(made.exit_status == 0);
  Web web(n.port, {"--tls-cert", cert, "--tls-key", key, "--password-file",
                   write_password(secrets, "tls password 1")});
  INFO(web.process.log());
  REQUIRE(web.process.start());
  const std::string base = "https://127.0.0.1:" + std::to_string(web.port);
  const CommandResult h2 = run_command({"curl", "-sk", "--http2", "-o", "/dev/null", "-w",
                                        "%{http_version} %{http_code}", base + "/api/session"});
  CHECK(h2.out == "2 200");
  const CommandResult login = run_command({"curl", "-sk", "-D", "-", "-o", "/dev/null", "-d",
                                           "password=tls password 1", base + "/login"});
  INFO(login.out);
  CHECK(login.out.find("HttpOnly; SameSite=Strict") != std::string::npos);
  CHECK(login.out.find("; Secure") != std::string::npos);
  // Plain HTTP on the TLS port is not served.
  CHECK(http(web.port, "GET", "/api/session").status == 0);
}

TEST_CASE(
    "desaster-web without a node answers reads from an empty state and refuses actions at once",
    "[integration][web]") {
  TempDir dir;
  const std::uint16_t nowhere = free_port_triplet();
  Web web(nowhere, {});
  REQUIRE(web.process.start());
  const json o = http(web.port, "GET", "/api/overview").doc();
  CHECK(o["connection_state"] == "disconnected");
  CHECK(o["totals"]["jobs"] == 0);
  CHECK(http(web.port, "GET", "/api/jobs").doc()["total"] == 0);
  const std::string token = http(web.port, "GET", "/api/session").doc()["csrf_token"];
  const auto start = std::chrono::steady_clock::now();
  const HttpResponse r =
      http(web.port, "POST", "/api/queues/q/pause", "{}", {"X-CSRF-Token: " + token});
  CHECK(r.status == 503);
  CHECK(r.error().rfind("node:", 0) == 0);
  CHECK(http(web.port, "GET", "/api/workers").status == 503);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}
