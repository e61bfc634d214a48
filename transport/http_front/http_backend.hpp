// What the HTTP front end needs from the node: somewhere to run a request
// now. The node implements it twice: over its own Ruby pools (the fast
// path, core/node/http_gate.cpp) and over the cluster (core/node/http_remote.*,
// for requests no local worker can take). The front end knows nothing of
// pools, jobs or the dispatcher.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace desaster::http_front {

// A Rack reply as a local worker sent it, before check_rack_reply.
struct RawRackReply {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string headers_problem;  // set instead when they were not strings
  std::string body;
};

struct BackendAnswer {
  enum class Kind {
    replied,      // reply, or output the packed Rack reply {status, headers, body}
    app_error,    // the app raised: 500
    worker_lost,  // the worker died mid-request: 502 (an idempotent one may retry)
    not_started,  // sent behind another request to a worker that died first: it never ran
    timed_out,    // past the request timeout, the worker was killed: 504
    unavailable,  // no worker anywhere took it in time, or the cluster refused it: 503
  };
  Kind kind = Kind::replied;
  std::string output;
  // A local worker's reply, passed as it came (output is empty then): not
  // packed into output and decoded again.
  std::optional<RawRackReply> reply;
  std::string error;
  std::string worker;  // "slot N/pid PID" or "node ID/WORKER": for the access log
};

class HttpBackend {
 public:
  using Done = std::function<void(BackendAnswer)>;
  virtual ~HttpBackend() = default;
  // Something here can ever run requests of queue (maybe busy now).
  virtual bool serves(const std::string& queue) const = 0;
  // A worker for queue is free now (try_start would start): asked before
  // the request is copied into a job, so a refusal costs no copy.
  virtual bool can_start(const std::string& /*queue*/) const { return true; }
  // The queue's qdisc is sfq: its waiting requests take turns by flow.
  virtual bool fair(const std::string& /*queue*/) const { return false; }
  // Runs the request (payload: the Rack env and body, rack_env.hpp) on a
  // free worker now and returns true, or returns false when none is free.
  // done runs once, from the loop, maybe before try_start returns.
  // idempotent (GET, HEAD): a backend that retries by itself may run it twice.
  // flow: the request's sfq flow (client address or Host), "" for none.
  virtual bool try_start(const std::string& queue, const std::string& flow, std::uint64_t id,
                         std::string payload, std::uint32_t timeout_ms, bool idempotent,
                         Done done) = 0;
};

}  // namespace desaster::http_front
