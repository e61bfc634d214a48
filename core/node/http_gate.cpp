#include "core/node/http_gate.hpp"

#include <algorithm>

#include "core/metrics/exposition.hpp"
#include "transport/http_front/http_front.hpp"

namespace desaster {

using http_front::BackendAnswer;

class HttpGate::Backend : public http_front::HttpBackend {
 public:
  Backend(ruby_pool::PoolManager& pools, const State& state) : pools_(pools), state_(state) {}

  bool serves(const std::string& queue) const override { return pools_.serves_http(queue); }
  bool can_start(const std::string& queue) const override { return pools_.can_run_http(queue); }

  // The queue's replicated qdisc setting (desasterctl qdisc set QUEUE sfq).
  bool fair(const std::string& queue) const override {
    std::optional<QueueInfo> q = state_.queue(queue);
    return q && q->config.qdisc.kind == QdiscKind::sfq;
  }

  bool try_start(const std::string& queue, const std::string& flow, std::uint64_t id,
                 std::string payload, std::uint32_t timeout_ms,
                 bool /*idempotent: the front end retries*/, Done done) override {
    Job job;
    // Never stored: the id only names the request to the worker and in logs.
    job.id = id;
    job.kind = JobKind::http;
    job.queue = queue;
    job.flow = flow;
    job.payload = std::move(payload);
    job.timeout_ms = timeout_ms;
    job.attempts = 1;
    return pools_.run_http(
        queue, std::move(job), [done = std::move(done)](ruby_pool::TransientEnd end) {
          BackendAnswer a;
          a.worker =
              "slot " + std::to_string(end.worker_slot) + "/pid " + std::to_string(end.worker_pid);
          a.error = std::move(end.error);
          a.output = std::move(end.output);
          if (end.reply) {
            a.reply.emplace();
            a.reply->status = end.reply->status;
            a.reply->headers = std::move(end.reply->headers);
            a.reply->headers_problem = std::move(end.reply->headers_problem);
            a.reply->body = std::move(end.reply->body);
          }
          if (end.not_started) {
            a.kind = BackendAnswer::Kind::not_started;
          } else if (end.worker_lost) {
            a.kind = BackendAnswer::Kind::worker_lost;
          } else if (end.outcome == Outcome::succeeded) {
            a.kind = BackendAnswer::Kind::replied;
          } else if (end.outcome == Outcome::timed_out) {
            a.kind = BackendAnswer::Kind::timed_out;
          } else {
            a.kind = BackendAnswer::Kind::app_error;
          }
          done(std::move(a));
        });
  }

 private:
  ruby_pool::PoolManager& pools_;
  const State& state_;
};

HttpGate::HttpGate(uv_loop_t* loop, const http_front::HttpFrontOptions& options,
                   ruby_pool::PoolManager& pools, const State& state, const Logger& log,
                   zmq::context_t& context, std::optional<HttpRemoteOptions> remote)
    : access_log_(std::make_unique<LogBatch>(loop, log, LogLevel::info)),
      backend_(std::make_unique<Backend>(pools, state)),
      options_(options) {
  if (remote) {
    // As many requests out to the cluster as may wait here, and some even
    // with --http-queue 0 (which means "never wait here", not "never send").
    remote->max_in_flight = std::max<std::size_t>(options.queue_limit, 64);
    remote->queue_timeout_ms = options.queue_timeout_ms;
    remote_ = std::make_unique<HttpRemote>(loop, context, std::move(*remote), log);
  }
  front_ = std::make_unique<http_front::HttpFront>(
      loop, options, *backend_, [this](const std::string& line) { access_log_->add(line); },
      [this, &log](const std::string& line) {
        access_log_->flush();  // the access lines before it stay before it
        log.warn(line);
      },
      remote_.get());
  pools.set_idle_hook([this] { front_->on_capacity(); });
}

HttpGate::~HttpGate() = default;

Status HttpGate::start(
    std::function<Result<int>(const std::string&, const std::string&, std::uint16_t)> listen_fd) {
  if (remote_) {
    if (Status s = remote_->start(); !s.ok()) return s;
  }
  if (!listen_fd) return front_->start();
  return front_->start([listen_fd = std::move(listen_fd)](const std::string& name,
                                                          const http_front::ListenAddress& where) {
    return listen_fd(name, where.host, where.port);
  });
}

void HttpGate::stop_accepting() {
  front_->stop_accepting();
}

bool HttpGate::quiet() const {
  if (remote_ && remote_->in_flight() > 0) return false;
  return front_->quiet();
}

void HttpGate::close() {
  front_->close();
  if (remote_) remote_->close();
  access_log_->close();
}

// {waiting, in_flight, remote_in_flight, bad_400, too_large_431, slow_408,
//  routes: {ROUTE: {requests, served, status_2xx.., rejected_503, ...}}}
void HttpGate::write_stats(protocol::BodyWriter& body) const {
  const http_front::HttpFrontStats s = front_->stats();
  protocol::BodyWriter h;
  h.add("waiting", static_cast<std::uint64_t>(s.waiting));
  h.add("in_flight", static_cast<std::uint64_t>(s.in_flight));
  h.add("remote_in_flight", static_cast<std::uint64_t>(remote_ ? remote_->in_flight() : 0));
  h.add("bad_400", s.bad_400).add("too_large_431", s.too_large_431).add("slow_408", s.slow_408);
  protocol::BodyWriter routes;
  for (const auto& [name, c] : s.routes) {
    protocol::BodyWriter r;
    r.add("requests", c.requests).add("served", c.served);
    r.add("status_2xx", c.status_2xx).add("status_3xx", c.status_3xx);
    r.add("status_4xx", c.status_4xx).add("status_5xx", c.status_5xx);
    r.add("rejected_503", c.rejected_503).add("lost_502", c.lost_502);
    r.add("timed_out_504", c.timed_out_504).add("app_errors_500", c.app_errors_500);
    r.add("retried", c.retried).add("remote", c.remote);
    r.add("wait_ms_total", c.wait_ms_total);
    routes.add_packed(name, r.finish());
  }
  h.add_packed("routes", routes.finish());
  body.add_packed("http", h.finish());
}

std::string HttpGate::describe() const {
  std::string out;
  if (options_.http)
    out += "http on " + options_.http->host + ":" + std::to_string(options_.http->port);
  if (options_.https) {
    if (!out.empty()) out += ", ";
    out += "https on " + options_.https->host + ":" + std::to_string(options_.https->port);
  }
  return out;
}

void HttpGate::write_metrics(metrics::Exposition& out) const {
  using metrics::MetricType;
  const http_front::HttpFrontStats s = front_->stats();
  out.family("desaster_http_requests_total", MetricType::counter,
             "HTTP requests the front end took, by route");
  for (const auto& [route, c] : s.routes)
    out.sample("desaster_http_requests_total", {{"route", route}}, c.requests);
  out.family("desaster_http_responses_total", MetricType::counter,
             "HTTP responses the front end sent, by route and status class");
  for (const auto& [route, c] : s.routes) {
    out.sample("desaster_http_responses_total", {{"route", route}, {"class", "2xx"}}, c.status_2xx);
    out.sample("desaster_http_responses_total", {{"route", route}, {"class", "3xx"}}, c.status_3xx);
    out.sample("desaster_http_responses_total", {{"route", route}, {"class", "4xx"}}, c.status_4xx);
    out.sample("desaster_http_responses_total", {{"route", route}, {"class", "5xx"}}, c.status_5xx);
  }
  out.family("desaster_http_rejected_total", MetricType::counter,
             "HTTP requests answered 503 (no worker in time, queue full, no pool), by route");
  for (const auto& [route, c] : s.routes)
    out.sample("desaster_http_rejected_total", {{"route", route}}, c.rejected_503);
  out.family("desaster_http_remote_total", MetricType::counter,
             "HTTP requests sent to the cluster (no local worker could take them), by route");
  for (const auto& [route, c] : s.routes)
    out.sample("desaster_http_remote_total", {{"route", route}}, c.remote);
  out.family("desaster_http_queue_wait_seconds_total", MetricType::counter,
             "Time served HTTP requests waited for a worker, by route");
  for (const auto& [route, c] : s.routes)
    out.sample("desaster_http_queue_wait_seconds_total", {{"route", route}},
               static_cast<double>(c.wait_ms_total) / 1000.0);
  out.family("desaster_http_slow_clients_total", MetricType::counter,
             "HTTP connections answered 408 and closed: the request did not arrive in time");
  out.sample("desaster_http_slow_clients_total", {}, s.slow_408);
  out.family("desaster_http_waiting", MetricType::gauge,
             "HTTP requests waiting for a local worker now");
  out.sample("desaster_http_waiting", {}, static_cast<std::uint64_t>(s.waiting));
}

}  // namespace desaster
