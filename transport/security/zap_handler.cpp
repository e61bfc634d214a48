// ZapHandler: a REP socket on inproc://zeromq.zap.01 behind a ZmqWatcher;
// see zap_handler.hpp.
#include "transport/security/zap_handler.hpp"

#include <optional>
#include <string_view>
#include <vector>

#include "transport/loop/zmq_watcher.hpp"
#include "transport/security/zap_request.hpp"

namespace desaster {

struct ZapHandler::Impl {
  Impl(uv_loop_t* loop, zmq::context_t& context, const GroupKeys& keys, RefusalHandler on_refusal)
      : loop_(loop),
        socket_(context, zmq::socket_type::rep),
        keys_(keys),
        on_refusal_(std::move(on_refusal)) {
    socket_.set(zmq::sockopt::linger, 0);
  }

  Status start();
  void answer(std::vector<zmq::message_t>& parts);

  uv_loop_t* loop_;
  zmq::socket_t socket_;
  const GroupKeys& keys_;
  RefusalHandler on_refusal_;
  std::optional<ZmqWatcher> watcher_;
  std::uint64_t accepted_ = 0;
  std::uint64_t refused_ = 0;
  bool closing_ = false;
};

Status ZapHandler::Impl::start() {
  if (watcher_ || closing_) return Status::error(ErrorCode::internal, "ZAP handler started twice");
  const std::string endpoint(kZapEndpoint);
  if (zmq_bind(socket_.handle(), endpoint.c_str()) != 0) {
    return Status::error(ErrorCode::unavailable, "cannot bind the ZAP handler to " + endpoint +
                                                     ": " + zmq_strerror(zmq_errno()));
  }
  watcher_.emplace(loop_, socket_, [this](std::vector<zmq::message_t>& parts) { answer(parts); });
  return Status::success();
}

// A REP socket must answer every request before it can take the next, so
// even a request that does not parse gets a reply (a 500).
void ZapHandler::Impl::answer(std::vector<zmq::message_t>& parts) {
  std::vector<std::string_view> frames;
  frames.reserve(parts.size());
  for (const zmq::message_t& part : parts) frames.push_back(part.to_string_view());

  std::vector<std::string> reply;
  Result<ZapRequest> request = parse_zap_request(frames);
  if (!request.ok()) {
    ++refused_;
    reply = zap_error_reply(frames, request.status().message);
    if (on_refusal_) on_refusal_({"", "", request.status().message});
  } else {
    ZapVerdict verdict = judge_zap_request(*request, keys_);
    reply = zap_reply(request->request_id, verdict);
    if (verdict.accepted) {
      ++accepted_;
    } else {
      ++refused_;
      if (on_refusal_) on_refusal_({request->address, request->mechanism, verdict.reason});
    }
  }
  std::vector<zmq::message_t> out;
  out.reserve(reply.size());
  for (const std::string& frame : reply) out.emplace_back(frame.data(), frame.size());
  if (watcher_) watcher_->send(std::move(out));
}

ZapHandler::ZapHandler(uv_loop_t* loop, zmq::context_t& context, const GroupKeys& keys,
                       RefusalHandler on_refusal)
    : impl_(new Impl(loop, context, keys, std::move(on_refusal))) {}

ZapHandler::~ZapHandler() {
  close(nullptr);
}

Status ZapHandler::start() {
  if (!impl_) return Status::error(ErrorCode::internal, "ZAP handler started after close()");
  return impl_->start();
}

void ZapHandler::close(std::function<void()> done) {
  if (!impl_) return;
  Impl* impl = impl_;
  impl_ = nullptr;
  impl->closing_ = true;
  if (!impl->watcher_) {
    delete impl;
    if (done) done();
    return;
  }
  // The socket must outlive the watcher's handles, so it goes with the Impl
  // in the watcher's close callback.
  impl->watcher_->close([impl, done = std::move(done)] {
    delete impl;
    if (done) done();
  });
}

std::uint64_t ZapHandler::accepted() const {
  return impl_ ? impl_->accepted_ : 0;
}

std::uint64_t ZapHandler::refused() const {
  return impl_ ? impl_->refused_ : 0;
}

}  // namespace desaster
