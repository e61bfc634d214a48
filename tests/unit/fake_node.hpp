// A fake node for client tests: a ROUTER in a thread that decodes requests
// with the real codec, records them, and answers as the test says (hello and
// worker registration are answered by default). Frames given to push() go to
// the peer that registered as a worker, else to the last peer heard from.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "transport/protocol/messages.hpp"
#include "transport/protocol/replies.hpp"
#include "transport/security/curve_socket.hpp"
#include "transport/security/key_source.hpp"

namespace desaster::transport_test {

using namespace std::chrono_literals;

// An answer to send: a status and an already-encoded body.
struct Answer {
  Status status;
  std::string body;
};

class FakeNode {
 public:
  // Returns the answer to a request, or nullopt to stay silent.
  using Responder = std::function<std::optional<Answer>(const protocol::Request&)>;

  // Speaks CURVE with the default group's keys, as clients expect; with no
  // ZAP handler in this context libzmq lets every CURVE client in.
  explicit FakeNode(Responder responder = {}) : responder_(std::move(responder)) {
    router_.set(zmq::sockopt::linger, 0);
    auto keys = group_keys(kDefaultGroupKey);
    if (!keys.ok() || !make_curve_server(router_, **keys).ok()) throw std::runtime_error("keys");
    router_.bind("tcp://127.0.0.1:*");
    endpoint_ = router_.get(zmq::sockopt::last_endpoint);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeNode() {
    stop_ = true;
    thread_.join();
  }

  const std::string& endpoint() const { return endpoint_; }

  // Sends a frame to the peer that last said "worker" (or anything, if none).
  void push(std::string frame) {
    std::lock_guard<std::mutex> lock(mutex_);
    outgoing_.push_back(std::move(frame));
  }

  // Waits up to limit until pred holds for the requests seen so far.
  bool wait_for(const std::function<bool(const std::vector<protocol::Request>&)>& pred,
                std::chrono::milliseconds limit = 5s) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return pred(requests_); });
  }

  std::vector<protocol::Request> requests() {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }

  template <typename Body>
  std::vector<Body> bodies() {
    std::vector<Body> out;
    for (const protocol::Request& r : requests())
      if (const Body* b = std::get_if<Body>(&r.body)) out.push_back(*b);
    return out;
  }

  template <typename Body>
  static bool count_at_least(const std::vector<protocol::Request>& requests, std::size_t n) {
    std::size_t seen = 0;
    for (const protocol::Request& r : requests) seen += std::holds_alternative<Body>(r.body);
    return seen >= n;
  }

 private:
  std::optional<Answer> answer(const protocol::Request& request) {
    if (responder_) {
      if (std::optional<Answer> a = responder_(request)) return a;
    }
    // What every test needs from a node and does not want to spell out.
    if (std::holds_alternative<protocol::Hello>(request.body))
      return Answer{
          {},
          protocol::encode_body(protocol::HelloReply{"fake", "0.0.0", protocol::kProtocolVersion})};
    if (std::holds_alternative<protocol::WorkerHello>(request.body))
      return Answer{{}, protocol::encode_body(protocol::WorkerReply{50})};
    if (std::holds_alternative<protocol::Report>(request.body)) return Answer{{}, ""};
    return std::nullopt;
  }

  void serve() {
    while (!stop_) {
      zmq::pollitem_t item{router_.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, 5ms);
      send_pushes();
      if (!(item.revents & ZMQ_POLLIN)) continue;
      zmq::message_t peer;
      zmq::message_t frame;
      if (!router_.recv(peer) || !peer.more() || !router_.recv(frame)) continue;
      std::uint64_t id = 0;
      Result<protocol::Request> request = protocol::decode_request(frame.to_string_view(), &id);
      if (!request.ok()) {
        reply(peer, protocol::encode_reply(id, request.status(), ""));
        continue;
      }
      if (std::holds_alternative<protocol::WorkerHello>(request->body)) worker_ = peer.to_string();
      std::optional<Answer> a = answer(*request);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        requests_.push_back(*request);
      }
      changed_.notify_all();
      if (a) reply(peer, protocol::encode_reply(request->id, a->status, a->body));
      last_peer_ = peer.to_string();
    }
  }

  void send_pushes() {
    std::deque<std::string> frames;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      frames.swap(outgoing_);
    }
    for (std::string& frame : frames) {
      const std::string& to = worker_.empty() ? last_peer_ : worker_;
      router_.send(zmq::buffer(to), zmq::send_flags::sndmore);
      router_.send(zmq::buffer(frame), zmq::send_flags::none);
    }
  }

  void reply(const zmq::message_t& peer, const std::string& frame) {
    router_.send(zmq::buffer(peer.data(), peer.size()), zmq::send_flags::sndmore);
    router_.send(zmq::buffer(frame), zmq::send_flags::none);
  }

  Responder responder_;
  zmq::context_t context_;
  zmq::socket_t router_{context_, zmq::socket_type::router};
  std::string endpoint_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<protocol::Request> requests_;
  std::deque<std::string> outgoing_;
  std::string worker_;     // serve() thread only
  std::string last_peer_;  // serve() thread only
};

}  // namespace desaster::transport_test
