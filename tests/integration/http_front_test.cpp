// The HTTP front end end to end: a real node with --http, a real Ruby pool
// running tests/integration/ruby_apps/http_app (wrapped in Rack::Lint), and
// real clients: curl, and a raw socket for what curl will not send.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <future>
#include <sstream>

#include "tests/integration/harness/fixtures.hpp"

using namespace desaster;
using namespace desaster::test;
using namespace std::chrono_literals;

namespace {

const std::string kApp = std::string(DESASTER_SOURCE_DIR) + "/tests/integration/ruby_apps/http_app";

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A node serving HTTP on a port of its own, with a pool of `workers` Ruby
// workers running the test app for the default queue `http`.
struct HttpNode {
  TempDir dir;
  std::uint16_t port = free_port_triplet();
  std::uint16_t http_port = free_port_triplet();
  NodeProcess node;
  std::unique_ptr<Client> client;

  explicit HttpNode(std::uint32_t workers, std::vector<std::string> extra = {})
      : node(dir.path() + "/data", port, with_http(extra, http_port)) {
    REQUIRE(node.start());
    ClientOptions options;
    options.endpoint = node.endpoint();
    auto c = Client::connect(options);
    REQUIRE(c.ok());
    client = std::move(*c);
    PoolSpec spec;
    spec.name = "web";
    spec.dir = kApp;
    spec.rackup = kApp + "/config.ru";
    spec.min_workers = workers;
    spec.max_workers = workers;
    spec.queues = {{"http", 1}};
    Status added = client->pool_add(spec);
    INFO(added.message);
    REQUIRE(added.ok());
    const bool ready = wait_until(
        [&] {
          auto pools = client->pools();
          if (!pools.ok() || pools->size() != 1) return false;
          std::size_t idle = 0;
          for (const auto& w : pools->front().workers) idle += w.state == "idle";
          return idle == workers;
        },
        60s);
    INFO(node.log());
    REQUIRE(ready);
  }

  static std::vector<std::string> with_http(std::vector<std::string> extra, std::uint16_t port) {
    extra.insert(extra.begin(), {"--http", "127.0.0.1:" + std::to_string(port)});
    return extra;
  }

  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(http_port) + path;
  }

  // curl: the body, then a last line with the status code.
  CommandResult curl(std::vector<std::string> args) const {
    std::vector<std::string> argv{"curl", "-sS", "--max-time", "20", "-w", "\n%{http_code}"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, 30s);
  }
};

std::string status_of(const CommandResult& r) {
  const auto nl = r.out.rfind('\n');
  return nl == std::string::npos ? r.out : r.out.substr(nl + 1);
}

std::string body_of(const CommandResult& r) {
  const auto nl = r.out.rfind('\n');
  return nl == std::string::npos ? std::string() : r.out.substr(0, nl);
}

// Sends bytes on a fresh connection and returns everything the server sent
// until it closed (or 5 s passed).
std::string raw_exchange(std::uint16_t port, const std::string& bytes) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return "connect failed";
  }
  (void)!write(fd, bytes.data(), bytes.size());
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  close(fd);
  return out;
}

}  // namespace

TEST_CASE(
    "the HTTP front end serves GET and POST with a body from a Rack pool, on one kept-alive "
    "connection",
    "[integration][http]") {
  HttpNode n(1);
  CommandResult get = n.curl({n.url("/hello?name=ada")});
  INFO(get.err << n.node.log());
  CHECK(status_of(get) == "200");
  CHECK(body_of(get) == "hello name=ada");

  CommandResult post = n.curl({"--data-binary", "x=1&y=2", n.url("/echo")});
  CHECK(status_of(post) == "200");
  CHECK(body_of(post) == "POST application/x-www-form-urlencoded 7:x=1&y=2");

  // A chunked upload arrives whole.
  CommandResult chunked =
      n.curl({"-H", "Transfer-Encoding: chunked", "--data-binary", "chunked body", n.url("/echo")});
  CHECK(body_of(chunked) == "POST application/x-www-form-urlencoded 12:chunked body");

  // Two requests, one connection: curl says it re-used it.
  CommandResult two = run_command(
      {"curl", "-sS", "-v", "--max-time", "20", n.url("/hello?1"), n.url("/hello?2")}, 30s);
  CHECK(two.out == "hello 1hello 2");
  CHECK(two.err.find("Re-using existing connection") != std::string::npos);

  // Repeated Rack headers (Rack 2's "\n") become separate headers.
  CommandResult cookies = run_command({"curl", "-sS", "-D", "-", n.url("/cookies")}, 30s);
  CHECK(cookies.out.find("set-cookie: a=1\r\n") != std::string::npos);
  CHECK(cookies.out.find("set-cookie: b=2\r\n") != std::string::npos);

  // Every request has a line in the log: who served it and how long it waited.
  CHECK(wait_until(
      [&] {
        return n.node.log().find("\"GET /hello?name=ada\" 200 14B queue=http worker=slot 0/pid ") !=
               std::string::npos;
      },
      5s));
  CHECK(n.node.log().find(" wait_ms=") != std::string::npos);
}

TEST_CASE(
    "the Rack env carries the peer, the scheme and the forwarding headers the front end vouches "
    "for",
    "[integration][http]") {
  HttpNode n(1);
  CommandResult env = n.curl({"-H", "X-Forwarded-For: 10.9.8.7", "-H", "X-Forwarded-Proto: https",
                              "-H", "X-Forwarded-Host: evil.test", "-H", "X-Custom: yes", "-H",
                              "X_Custom: sneaky", n.url("/env?q=1")});
  INFO(env.out << n.node.log());
  REQUIRE(status_of(env) == "200");
  const std::string json = body_of(env);
  CHECK(json.find("\"REMOTE_ADDR\":\"127.0.0.1\"") != std::string::npos);
  CHECK(json.find("\"HTTPS\":\"off\"") != std::string::npos);
  CHECK(json.find("\"rack.url_scheme\":\"http\"") != std::string::npos);
  CHECK(json.find("\"HTTP_X_FORWARDED_FOR\":\"10.9.8.7, 127.0.0.1\"") != std::string::npos);
  CHECK(json.find("\"HTTP_X_FORWARDED_PROTO\":\"http\"") != std::string::npos);
  CHECK(json.find("HTTP_X_FORWARDED_HOST") == std::string::npos);
  CHECK(json.find("\"HTTP_X_CUSTOM\":\"yes\"") != std::string::npos);
  CHECK(json.find("\"QUERY_STRING\":\"q=1\"") != std::string::npos);
  CHECK(json.find("\"PATH_INFO\":\"/env\"") != std::string::npos);
  CHECK(json.find("\"SERVER_PROTOCOL\":\"HTTP/1.1\"") != std::string::npos);
}

TEST_CASE(
    "with every worker busy a full queue or a long wait gets 503 with Retry-After, and a killed "
    "worker's POST 502",
    "[integration][http]") {
  HttpNode n(1, {"--http-queue", "1", "--http-queue-timeout", "1s"});
  const std::string pidfile = n.dir.path() + "/busy.pid";
  // A POST holds the only worker until the test kills it.
  auto busy = std::async(std::launch::async, [&] {
    return n.curl({"--data-binary", "x", n.url("/slow?pidfile=" + pidfile)});
  });
  REQUIRE(wait_until([&] { return !slurp(pidfile).empty(); }, 20s));

  // Two more: one waits (the queue holds one) and gets 503 after 1 s, the
  // other finds the queue full and gets 503 at once. Which is which depends
  // on arrival; both say why.
  auto first = std::async(std::launch::async, [&] { return n.curl({"-D", "-", n.url("/hello")}); });
  auto second = std::async(std::launch::async, [&] {
    return n.curl({"-D", "-", n.url("/hello")});
  });
  const CommandResult a = first.get();
  const CommandResult b = second.get();
  INFO(a.out << "\n---\n" << b.out << n.node.log());
  CHECK(status_of(a) == "503");
  CHECK(status_of(b) == "503");
  CHECK(a.out.find("retry-after: 1\r\n") != std::string::npos);
  CHECK(b.out.find("retry-after: 1\r\n") != std::string::npos);
  const std::string both = a.out + b.out;
  CHECK(both.find("1 requests waiting") != std::string::npos);
  CHECK(both.find("no worker free within 1000 ms") != std::string::npos);

  // The busy worker dies mid-request: a POST is never retried.
  const pid_t worker = std::stoi(slurp(pidfile));
  REQUIRE(::kill(worker, SIGKILL) == 0);
  const CommandResult killed = busy.get();
  CHECK(status_of(killed) == "502");
  CHECK(body_of(killed).find("the worker serving the request died") != std::string::npos);
}

TEST_CASE("a GET whose worker dies mid-request is tried once more on another worker",
          "[integration][http]") {
  HttpNode n(2);
  const std::string marker = n.dir.path() + "/died.pid";
  CommandResult r = n.curl({n.url("/die-once?marker=" + marker)});
  INFO(r.out << n.node.log());
  CHECK(status_of(r) == "200");
  const std::string dead = slurp(marker);
  REQUIRE(!dead.empty());
  CHECK(body_of(r).rfind("survived on ", 0) == 0);
  CHECK(body_of(r) != "survived on " + dead);
  CHECK(n.node.log().find("trying it once more") != std::string::npos);
}

TEST_CASE(
    "a POST sent behind another request to a worker that dies never ran there and is served by "
    "the next worker",
    "[integration][http]") {
  HttpNode n(1);
  // Short requests first: the pool learns that its requests are short, so
  // with its one worker busy it takes the next request behind the current.
  // (One curl, one keep-alive connection, one request after the other.)
  std::vector<std::string> hellos;
  for (int i = 0; i < 60; ++i) hellos.push_back(n.url("/hello"));
  const CommandResult warm = n.curl(hellos);
  REQUIRE(warm.exit_status == 0);
  REQUIRE(warm.out.find("\n200") != std::string::npos);
  const std::string pidfile = n.dir.path() + "/busy.pid";
  auto busy = std::async(std::launch::async, [&] {
    return n.curl({"--data-binary", "x", n.url("/slow?pidfile=" + pidfile)});
  });
  REQUIRE(wait_until([&] { return !slurp(pidfile).empty(); }, 20s));
  auto behind = std::async(std::launch::async, [&] {
    return n.curl({"--data-binary", "y", n.url("/echo")});
  });
  // It went to the worker (not into the front end's queue) once stats show
  // nothing waiting and two requests in flight.
  REQUIRE(wait_until(
      [&] {
        CommandResult st = run_command(
            {DESASTERCTL_BIN, "-c", "127.0.0.1:" + std::to_string(n.port), "stats", "--json"});
        return st.out.find("\"waiting\":0,\"in_flight\":2") != std::string::npos;
      },
      20s));
  REQUIRE(::kill(std::stoi(slurp(pidfile)), SIGKILL) == 0);
  const CommandResult killed = busy.get();
  const CommandResult served = behind.get();
  INFO(killed.out << "\n---\n" << served.out << n.node.log());
  CHECK(status_of(killed) == "502");
  // The POST never began on the dead worker: not a 502, and not a retry.
  CHECK(status_of(served) == "200");
  CHECK(body_of(served).find(" 1:y") != std::string::npos);
  CHECK(n.node.log().find("never began") != std::string::npos);
  CHECK(n.node.log().find("trying it once more") == std::string::npos);
}

TEST_CASE(
    "malformed requests get 400, oversized headers 431, oversized bodies 413, an app error 500",
    "[integration][http]") {
  HttpNode n(1, {"--http-max-body", "1000"});
  const std::string garbage = raw_exchange(n.http_port, "THIS IS NOT HTTP\r\n\r\n");
  CHECK(garbage.rfind("HTTP/1.1 400", 0) == 0);
  const std::string star = raw_exchange(n.http_port, "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(star.rfind("HTTP/1.1 400", 0) == 0);

  CommandResult big_header = n.curl({"-H", "X-Big: " + std::string(20'000, 'a'), n.url("/hello")});
  CHECK(status_of(big_header) == "431");
  CommandResult big_body = n.curl({"--data-binary", std::string(2000, 'b'), n.url("/echo")});
  CHECK(status_of(big_body) == "413");
  CommandResult raised = n.curl({n.url("/raise")});
  CHECK(status_of(raised) == "500");
  // The node still serves.
  CHECK(status_of(n.curl({n.url("/hello")})) == "200");
}

TEST_CASE("a client too slow to send its headers or its body gets 408 and the connection closes",
          "[integration][http]") {
  HttpNode n(1, {"--http-read-timeout", "1s"});
  // Headers that never end, and a body that never comes whole: raw_exchange
  // reads until the server closes (or 5 s pass, which would fail below).
  const auto asked = std::chrono::steady_clock::now();
  const std::string headers = raw_exchange(n.http_port, "GET /hello HTTP/1.1\r\nHost: x\r\n");
  CHECK(headers.rfind("HTTP/1.1 408", 0) == 0);
  CHECK(headers.find("connection: close") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - asked < 4s);
  const std::string body = raw_exchange(
      n.http_port, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly part");
  CHECK(body.rfind("HTTP/1.1 408", 0) == 0);
  // A client that sends its request whole is served as always, and so is a
  // kept-alive connection's second request.
  CommandResult twice = n.curl({n.url("/hello?a"), n.url("/hello?b")});
  CHECK(twice.out == "hello a\n200hello b\n200");
  CHECK(n.node.log().find("408: the request did not arrive within 1000 ms") != std::string::npos);
  CommandResult shown = run_command(
      {DESASTERCTL_BIN, "-c", "127.0.0.1:" + std::to_string(n.port), "stats", "--json"});
  CHECK(shown.out.find("\"slow_408\":2") != std::string::npos);
}

TEST_CASE(
    "on a queue with the sfq qdisc, a noisy client's waiting requests do not starve another's",
    "[integration][http]") {
  HttpNode n(1, {"--http-queue-timeout", "30s"});
  CommandResult set = run_command({DESASTERCTL_BIN, "-c", "127.0.0.1:" + std::to_string(n.port),
                                   "qdisc", "set", "http", "sfq"});
  INFO(set.out << set.err);
  REQUIRE(set.exit_status == 0);
  // 12 requests of a quarter second at once from 127.0.0.1: one runs, 11 wait.
  constexpr int kNoisy = 12;
  std::vector<std::string> argv{"curl", "-sS", "--parallel",      "--parallel-max",
                                "12",   "-w",  "\n%{http_code}\n"};
  for (int i = 0; i < kNoisy; ++i) argv.push_back(n.url("/work?s=0.25&noisy" + std::to_string(i)));
  auto noisy = std::async(std::launch::async, [&] { return run_command(argv, 60s); });
  auto waiting = [&] {
    CommandResult st = run_command(
        {DESASTERCTL_BIN, "-c", "127.0.0.1:" + std::to_string(n.port), "stats", "--json"});
    const auto at = st.out.find("\"waiting\":");
    return at == std::string::npos ? 0 : std::atoi(st.out.c_str() + at + 10);
  };
  REQUIRE(wait_until([&] { return waiting() >= kNoisy - 2; }, 20s));
  auto served_noisy = [&](const std::string& log) {
    std::size_t count = 0;
    for (auto at = log.find("\"GET /work?s=0.25&noisy"); at != std::string::npos;
         at = log.find("\"GET /work?s=0.25&noisy", at + 1))
      ++count;
    return count;
  };
  const std::size_t before = served_noisy(n.node.log());
  // Another client (another address) asks once: its request takes the next
  // turn, not the 12th.
  CommandResult quiet = n.curl({"--interface", "127.0.0.2", n.url("/work?s=0.01&quiet")});
  CHECK(status_of(quiet) == "200");
  CommandResult all = noisy.get();
  CHECK(all.out.find("\n503\n") == std::string::npos);
  const std::string log = n.node.log();
  const auto quiet_at = log.find("\"GET /work?s=0.01&quiet\" 200");
  REQUIRE(quiet_at != std::string::npos);
  CHECK(log.find("http 127.0.0.2 \"GET /work?s=0.01&quiet") != std::string::npos);
  const std::size_t ahead = served_noisy(log.substr(0, quiet_at));
  INFO("noisy requests served before it: " << ahead << ", when it was sent: " << before);
  // At most the one running when it came and the one whose turn it was.
  CHECK(ahead <= before + 2);
  CHECK(served_noisy(log) == kNoisy);
}

TEST_CASE(
    "the front end with --https serves the same app over TLS, HTTP/2 by ALPN, and tells the app it "
    "is HTTPS",
    "[integration][http]") {
  TempDir certs;
  const std::string cert = certs.path() + "/cert.pem", key = certs.path() + "/key.pem";
  CommandResult made =
      run_command({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                   "-out", cert, "-days", "1", "-subj", "/CN=localhost"});
  INFO(made.err);
  REQUIRE(made.exit_status == 0);
  const std::uint16_t tls_port = free_port_triplet();
  HttpNode n(1, {"--https", "127.0.0.1:" + std::to_string(tls_port), "--tls-cert", cert,
                 "--tls-key", key});
  const std::string url = "https://127.0.0.1:" + std::to_string(tls_port) + "/env";
  CommandResult h2 = n.curl({"-k", "--http2", "-H", "X-Forwarded-Proto: http", url});
  INFO(h2.out << h2.err << n.node.log());
  REQUIRE(status_of(h2) == "200");
  CHECK(body_of(h2).find("\"SERVER_PROTOCOL\":\"HTTP/2\"") != std::string::npos);
  CHECK(body_of(h2).find("\"HTTPS\":\"on\"") != std::string::npos);
  CHECK(body_of(h2).find("\"rack.url_scheme\":\"https\"") != std::string::npos);
  CHECK(body_of(h2).find("\"HTTP_X_FORWARDED_PROTO\":\"https\"") != std::string::npos);
  CommandResult h1 = n.curl({"-k", "--http1.1", url});
  CHECK(body_of(h1).find("\"SERVER_PROTOCOL\":\"HTTP/1.1\"") != std::string::npos);
  // Plain HTTP on --http still answers beside it.
  CHECK(status_of(n.curl({n.url("/hello")})) == "200");
}

TEST_CASE("the front end counts each route's requests by status class in stats",
          "[integration][http]") {
  const std::uint16_t metrics_port = free_port_triplet();
  HttpNode n(
      1, {"--http-route", "*/api=http", "--metrics", "127.0.0.1:" + std::to_string(metrics_port)});
  CHECK(status_of(n.curl({n.url("/hello")})) == "200");
  CHECK(status_of(n.curl({n.url("/api/hello")})) == "404");  // the app has no /api
  CHECK(status_of(n.curl({n.url("/raise")})) == "500");
  CHECK(status_of(n.curl({n.url("/hello?x=1")})) == "200");

  CommandResult shown = run_command(
      {DESASTERCTL_BIN, "-c", "127.0.0.1:" + std::to_string(n.port), "stats", "--json"});
  INFO(shown.out << shown.err);
  REQUIRE(shown.exit_status == 0);
  const std::string& s = shown.out;
  CHECK(s.find("\"default\":{\"requests\":3,\"served\":2,\"status_2xx\":2,\"status_3xx\":0,"
               "\"status_4xx\":0,\"status_5xx\":1,\"rejected_503\":0,\"lost_502\":0,"
               "\"timed_out_504\":0,\"app_errors_500\":1,") != std::string::npos);
  CHECK(s.find("\"*/api\":{\"requests\":1,\"served\":1,\"status_2xx\":0,\"status_3xx\":0,"
               "\"status_4xx\":1,\"status_5xx\":0,") != std::string::npos);
  CHECK(s.find("\"remote_in_flight\":0") != std::string::npos);

  // The same counters on /metrics.
  CommandResult scraped =
      run_command({"curl", "-sS", "--max-time", "10",
                   "http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics"});
  INFO(scraped.out);
  CHECK(scraped.out.find("desaster_http_requests_total{route=\"default\"} 3\n") !=
        std::string::npos);
  CHECK(scraped.out.find("desaster_http_responses_total{route=\"default\",class=\"5xx\"} 1\n") !=
        std::string::npos);
  CHECK(scraped.out.find("desaster_http_responses_total{route=\"*/api\",class=\"4xx\"} 1\n") !=
        std::string::npos);
  CHECK(scraped.out.find("desaster_http_rejected_total{route=\"default\"} 0\n") !=
        std::string::npos);
}
