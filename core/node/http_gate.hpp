// The node's side of the HTTP front end: it runs each request as a
// transient http job on a local Ruby pool (the local fast path: no leader,
// no Raft entry, no journal) and tells the front end when a worker frees.
// The only HTTP code node.cpp sees is this class.
//
// Threading: loop thread only.
#pragma once

#include <memory>
#include <string>

#include <uv.h>

#include "core/model/status.hpp"
#include "core/node/log.hpp"
#include "transport/http_front/http_options.hpp"
#include "workers/ruby_pool/pool_manager.hpp"

namespace desaster {

namespace http_front {
class HttpFront;
}

class HttpGate {
 public:
  HttpGate(uv_loop_t* loop, const http_front::HttpFrontOptions& options,
           ruby_pool::PoolManager& pools, const Logger& log);
  ~HttpGate();
  Status start();
  // Stops listening and answers waiting requests (running ones end with the pools).
  void close();
  std::string describe() const;  // "http on 127.0.0.1:8080, https on ..."

 private:
  class Backend;
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<http_front::HttpFront> front_;
  http_front::HttpFrontOptions options_;
};

}  // namespace desaster
