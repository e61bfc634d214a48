// The HTTP front end's way to the rest of the cluster: a request that no
// local Rack worker can take (no pool for its queue here, or the local wait
// queue full) becomes an ordinary http job, enqueued with wait through this
// node's own client port. A follower forwards it to the leader like any
// client write, the leader schedules it to whichever node's pool serves the
// queue (the cluster-wide balancing the dispatcher already does), and the
// enqueue reply carries the final job, whose output is the Rack triple.
//
// Why a durable job and not a forward to a peer's --http: nothing new on the
// wire, no peer HTTP addresses to learn, and the leader's view of every
// node's free slots picks the worker. The price is two or three Raft entries
// per overflow request (the local fast path stays unjournaled) and a record
// of the request in the jobs list.
//
// A GET or HEAD may run twice (max_attempts 2, as the local path retries a
// lost worker once); any other method runs at most once. The timeouts are
// the local path's: the enqueue waits the queue timeout; a job no worker has
// taken by then is killed and answered 503, a running one gets a second wait
// of the request timeout, then is killed and answered 504. A killed job
// cannot run after its client was answered.
//
// Threading: loop thread only. Owns a DEALER on the node's ZeroMQ context.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include <uv.h>
#include <zmq.hpp>

#include "core/model/status.hpp"
#include "core/node/log.hpp"
#include "transport/http_front/http_backend.hpp"
#include "transport/loop/zmq_watcher.hpp"
#include "transport/protocol/messages.hpp"
#include "transport/security/group_keys.hpp"

namespace desaster {

struct HttpRemoteOptions {
  std::string endpoint;  // this node's client port: tcp://ADDR:PORT
  const GroupKeys* keys = nullptr;
  std::size_t max_in_flight = 1024;  // past it the front end answers 503
  std::uint32_t queue_timeout_ms = 5'000;
};

class HttpRemote : public http_front::HttpBackend {
 public:
  HttpRemote(uv_loop_t* loop, zmq::context_t& context, HttpRemoteOptions options,
             const Logger& log);
  ~HttpRemote() override;
  HttpRemote(const HttpRemote&) = delete;
  HttpRemote& operator=(const HttpRemote&) = delete;

  Status start();
  // Answers every request still out 503 and closes the socket.
  void close();

  // The cluster may have a pool for any queue; whether it does shows as a
  // 503 once the wait is over.
  bool serves(const std::string&) const override { return !closed_; }
  // flow goes into the job: the leader's sfq qdisc takes turns by it.
  bool try_start(const std::string& queue, const std::string& flow, std::uint64_t id,
                 std::string payload, std::uint32_t timeout_ms, bool idempotent,
                 Done done) override;
  std::size_t in_flight() const { return pending_.size(); }

 private:
  struct Pending {
    Done done;
    std::uint64_t deadline_ms = 0;  // our own guard, past the node's wait
    JobId job = 0;                  // set once the job runs: the second wait
    std::uint32_t run_ms = 0;       // the request timeout, for that wait
  };
  void send(protocol::RequestBody body, std::uint64_t request_id);
  void on_message(std::vector<zmq::message_t>& parts);
  void on_reply(Pending pending, const protocol::Reply& reply);
  void on_wait_reply(Pending pending, const protocol::Reply& reply);
  void kill_job(JobId id);
  void expire();

  uv_loop_t* loop_;
  zmq::context_t& context_;
  HttpRemoteOptions options_;
  const Logger& log_;
  std::optional<zmq::socket_t> socket_;
  std::unique_ptr<ZmqWatcher> watcher_;
  uv_timer_t* timer_ = nullptr;
  std::uint64_t next_request_id_ = 1;
  std::unordered_map<std::uint64_t, Pending> pending_;
  bool closed_ = false;
};

}  // namespace desaster
