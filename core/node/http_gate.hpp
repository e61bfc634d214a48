// The node's side of the HTTP front end: it runs each request as a
// transient http job on a local Ruby pool (the local fast path: no leader,
// no Raft entry, no journal) and tells the front end when a worker frees.
// In a cluster, what no local worker can take goes to the cluster as an http
// job (http_remote.hpp). The only HTTP code node.cpp sees is this class.
//
// Threading: loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <uv.h>

#include "core/model/status.hpp"
#include "core/node/http_remote.hpp"
#include "core/node/log.hpp"
#include "core/node/log_batch.hpp"
#include "transport/http_front/http_options.hpp"
#include "transport/protocol/body_writer.hpp"
#include "workers/ruby_pool/pool_manager.hpp"

namespace desaster {

namespace http_front {
class HttpFront;
}
namespace metrics {
class Exposition;
}

class HttpGate {
 public:
  // remote: how to reach this node's client port (a clustered node); none
  // for a standalone one, whose front end answers 503 for what it cannot run.
  HttpGate(uv_loop_t* loop, const http_front::HttpFrontOptions& options,
           ruby_pool::PoolManager& pools, const State& state, const Logger& log,
           zmq::context_t& context, std::optional<HttpRemoteOptions> remote);
  ~HttpGate();
  // listen_fd: where the listening sockets come from (the node's
  // ListenerSet, so a hot upgrade passes them on); none: bound here.
  Status start(std::function<Result<int>(const std::string& name, const std::string& host,
                                         std::uint16_t port)>
                   listen_fd = {});
  // A hot upgrade's old process: no new connection (the new process accepts
  // on the same sockets); quiet once every accepted request is answered.
  void stop_accepting();
  bool quiet() const;
  // Stops listening and answers waiting requests (running ones end with the pools).
  void close();
  std::string describe() const;  // "http on 127.0.0.1:8080, https on ..."
  // The "http" key of the stats reply: the front end's counters per route.
  void write_stats(protocol::BodyWriter& body) const;
  // The same counters as Prometheus families (desaster_http_*).
  void write_metrics(metrics::Exposition& out) const;

 private:
  class Backend;
  std::unique_ptr<LogBatch> access_log_;  // one write per loop turn, not per request
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<HttpRemote> remote_;
  std::unique_ptr<http_front::HttpFront> front_;
  http_front::HttpFrontOptions options_;
};

}  // namespace desaster
