#include "core/node/http_gate.hpp"

#include "transport/http_front/http_front.hpp"

namespace desaster {

using http_front::BackendAnswer;

class HttpGate::Backend : public http_front::HttpBackend {
 public:
  explicit Backend(ruby_pool::PoolManager& pools) : pools_(pools) {}

  bool serves(const std::string& queue) const override { return pools_.serves_http(queue); }

  bool try_start(const std::string& queue, std::uint64_t id, std::string payload,
                 std::uint32_t timeout_ms, Done done) override {
    Job job;
    // Never stored: the id only names the request to the worker and in logs.
    job.id = id;
    job.kind = JobKind::http;
    job.queue = queue;
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
          if (end.worker_lost) {
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
};

HttpGate::HttpGate(uv_loop_t* loop, const http_front::HttpFrontOptions& options,
                   ruby_pool::PoolManager& pools, const Logger& log)
    : backend_(std::make_unique<Backend>(pools)), options_(options) {
  front_ = std::make_unique<http_front::HttpFront>(
      loop, options, *backend_, [&log](const std::string& line) { log.info(line); },
      [&log](const std::string& line) { log.warn(line); });
  pools.set_idle_hook([this] { front_->on_capacity(); });
}

HttpGate::~HttpGate() = default;

Status HttpGate::start() {
  return front_->start();
}

void HttpGate::close() {
  front_->close();
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

}  // namespace desaster
