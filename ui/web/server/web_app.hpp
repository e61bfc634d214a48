// desaster-web's routes (ui/web/API.md): the page, the JSON API, the SSE
// stream, login and the guards every request passes (header size, base
// path, session, CSRF, read-only). Reads come from the Replica; actions go
// through the ActionRunner. Loop thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "ui/web/server/action_runner.hpp"
#include "ui/web/server/auth.hpp"
#include "ui/web/server/http_glue.hpp"
#include "ui/web/server/query/web_options.hpp"
#include "ui/web/server/replica.hpp"
#include "ui/web/server/web_metrics.hpp"

namespace desaster::web {

class WebApp {
 public:
  WebApp(const WebOptions& options, std::string password, Replica& replica, ActionRunner& runner);

  void handle(h2o_req_t* req);
  // After a wake: op events, finished requests, operation progress to SSE.
  void on_wake();
  // Every 250 ms: the throttled overview, keep-alives.
  void on_tick();
  // --metrics: every request is counted and timed there from now on.
  void set_metrics(WebMetrics* metrics) { metrics_ = metrics; }
  // What a scrape of desaster-web's metrics shows beside the request counts.
  WebGauges gauges() const;

 private:
  void route(h2o_req_t* req, std::string_view path, std::string_view query);
  void api_get(h2o_req_t* req, std::string_view path, std::string_view query);
  void api_post(h2o_req_t* req, std::string_view path);
  void serve_file(h2o_req_t* req, std::string_view path);
  void login(h2o_req_t* req);
  void logout(h2o_req_t* req);
  void session(h2o_req_t* req);
  void jobs(h2o_req_t* req, std::string_view query);
  void job(h2o_req_t* req, std::string_view id, std::string_view query);
  void groups(h2o_req_t* req, std::string_view query);
  void actions(h2o_req_t* req);
  void queue_post(h2o_req_t* req, std::string_view rest);
  void node_json(h2o_req_t* req, std::string_view what, std::string_view query);
  void events(h2o_req_t* req, std::string_view query);
  // web_app_admin.cpp: pools, nodes and the blacklist (false: not theirs).
  bool admin_post(h2o_req_t* req, std::string_view path);
  bool admin_get(h2o_req_t* req, std::string_view path, std::string_view query);
  // web_app_cron.cpp: the cron entries and their actions.
  bool cron_get(h2o_req_t* req, std::string_view path, std::string_view query);
  bool cron_post(h2o_req_t* req, std::string_view path);

  void json(h2o_req_t* req, int status, std::string_view body);
  void error(h2o_req_t* req, int status, const std::string& message);
  void error(h2o_req_t* req, const Status& status);
  // Runs work on the runner and answers req with its result.
  void later(h2o_req_t* req, ActionRunner::Work work, int ok_status = 200);
  std::string session_cookie(h2o_req_t* req) const;
  std::string overview() const;
  std::int64_t now_ms() const;

  WebOptions options_;
  Auth auth_;
  Replica& replica_;
  ActionRunner& runner_;
  SseHub sse_;
  std::uint64_t overview_index_ = 0;       // index of the last overview pushed
  std::uint64_t overview_generation_ = 0;  // connection generation pushed
  std::uint64_t ticks_ = 0;
  std::uint64_t events_dropped_ = 0;
  WebMetrics* metrics_ = nullptr;
};

}  // namespace desaster::web
