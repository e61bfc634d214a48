// desaster-web: the web UI daemon. Parses the command line, reads the
// password, starts the replica (feed thread) and the action runner, and
// serves HTTP on a libuv loop until SIGINT or SIGTERM.
#include <signal.h>
#include <uv.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "ui/web/server/action_runner.hpp"
#include "ui/web/server/http_glue.hpp"
#include "ui/web/server/query/web_options.hpp"
#include "ui/web/server/replica.hpp"
#include "ui/web/server/web_app.hpp"
#include "ui/web/server/web_metrics.hpp"

using namespace desaster;
using namespace desaster::web;

namespace {

struct Loop {
  uv_loop_t* loop = nullptr;
  uv_async_t wake{};
  uv_timer_t tick{};
  uv_signal_t sigint{};
  uv_signal_t sigterm{};
  WebApp* app = nullptr;
};

Result<std::string> read_password(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return Status::error(ErrorCode::bad_request, "--password-file: cannot read '" + path + "'");
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  if (line.size() < 8)
    return Status::error(ErrorCode::bad_request,
                         "--password-file: the password on its first line is shorter than 8 "
                         "characters");
  return line;
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  const std::vector<std::string> args(argv + 1, argv + argc);
  Result<WebOptions> parsed = parse_web_options(args);
  if (!parsed.ok()) {
    std::fprintf(stderr, "desaster-web: %s\n", parsed.status().message.c_str());
    return 2;
  }
  const WebOptions options = *parsed;
  if (options.show_help) {
    std::fputs(web_help_text().c_str(), stdout);
    return 0;
  }
  std::string password;
  if (!options.password_file.empty()) {
    Result<std::string> p = read_password(options.password_file);
    if (!p.ok()) {
      std::fprintf(stderr, "desaster-web: %s\n", p.status().message.c_str());
      return 2;
    }
    password = *p;
  }

  Loop l;
  l.loop = uv_default_loop();
  uv_async_init(l.loop, &l.wake,
                [](uv_async_t* a) { static_cast<Loop*>(a->data)->app->on_wake(); });
  l.wake.data = &l;
  auto wake = [&l] { uv_async_send(&l.wake); };

  // --metrics: desaster-web's own numbers, on a port of their own (no login,
  // no TLS: a scraper on the host or its network reads them).
  std::unique_ptr<WebMetrics> metrics;
  if (options.metrics_port != 0) metrics = std::make_unique<WebMetrics>();
  ReplicaOptions replica_options{options.endpoint, options.group_key, options.timeout_ms, {}};
  if (metrics) {
    replica_options.on_feed_lag = [m = metrics.get()](double seconds) { m->on_feed_op(seconds); };
  }
  Replica replica(std::move(replica_options));
  ActionRunner runner(replica, options.group_key, options.timeout_ms, wake);
  WebApp app(options, password, replica, runner);
  l.app = &app;

  HttpServer server(
      l.loop, [&app](h2o_req_t* req) { app.handle(req); }, options.request_timeout_ms);
  ListenOptions listen{options.listen_host, options.listen_port, options.tls_cert, options.tls_key};
  if (Status s = server.listen(listen); !s.ok()) {
    std::fprintf(stderr, "desaster-web: %s\n", s.message.c_str());
    return 1;
  }
  std::unique_ptr<HttpServer> metrics_server;
  if (metrics) {
    app.set_metrics(metrics.get());
    metrics_server = std::make_unique<HttpServer>(
        l.loop,
        [&app, m = metrics.get()](h2o_req_t* req) {
          const std::string_view path(req->path_normalized.base, req->path_normalized.len);
          const std::string_view method(req->method.base, req->method.len);
          if (path != "/metrics") return respond(req, 404, "text/plain", "GET /metrics\n");
          if (method != "GET" && method != "HEAD")
            return respond(req, 405, "text/plain", "GET /metrics\n");
          respond(req, 200, "text/plain; version=0.0.4; charset=utf-8", m->render(app.gauges()));
        },
        options.request_timeout_ms);
    ListenOptions metrics_listen;
    metrics_listen.host = options.metrics_host;
    metrics_listen.port = options.metrics_port;
    if (Status s = metrics_server->listen(metrics_listen); !s.ok()) {
      std::fprintf(stderr, "desaster-web: --metrics: %s\n", s.message.c_str());
      return 1;
    }
  }
  replica.start(wake);
  runner.start();

  uv_timer_init(l.loop, &l.tick);
  l.tick.data = &l;
  uv_timer_start(
      &l.tick, [](uv_timer_t* t) { static_cast<Loop*>(t->data)->app->on_tick(); }, 250, 250);
  auto on_signal = [](uv_signal_t* s, int) { uv_stop(s->loop); };
  uv_signal_init(l.loop, &l.sigint);
  uv_signal_start(&l.sigint, on_signal, SIGINT);
  uv_signal_init(l.loop, &l.sigterm);
  uv_signal_start(&l.sigterm, on_signal, SIGTERM);

  std::fprintf(stderr, "desaster-web: serving %s://%s:%u%s/ for the node at %s%s%s\n",
               options.tls_cert.empty() ? "http" : "https", options.listen_host.c_str(),
               static_cast<unsigned>(options.listen_port), options.base_path.c_str(),
               options.endpoint.c_str(), password.empty() ? "" : " (login required)",
               options.read_only ? " (read-only)" : "");
  std::fflush(stderr);
  uv_run(l.loop, UV_RUN_DEFAULT);
  std::fprintf(stderr, "desaster-web: stopping\n");
  runner.stop();
  replica.stop();
  // The loop's handles and h2o's connections end with the process.
  std::fflush(stderr);
  std::_Exit(0);
}
