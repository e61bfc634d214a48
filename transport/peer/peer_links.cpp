#include "transport/peer/peer_links.hpp"

#include "transport/security/curve_socket.hpp"

namespace desaster {

namespace {

constexpr int kHighWaterMark = 10'000;

}  // namespace

std::optional<std::string_view> raft_payload(const std::vector<zmq::message_t>& parts) {
  if (parts.size() != 3) return std::nullopt;
  if (parts[1].to_string_view() != kRaftFrameTag) return std::nullopt;
  return parts[2].to_string_view();
}

PeerLinks::PeerLinks(uv_loop_t* loop, zmq::context_t& context, const GroupKeys& keys,
                     ReplyHandler on_reply)
    : loop_(loop), context_(context), keys_(keys), on_reply_(std::move(on_reply)) {}

PeerLinks::~PeerLinks() = default;

bool PeerLinks::connect(const std::string& node_id, const std::string& endpoint) {
  if (closed_) return false;
  if (auto it = links_.find(node_id); it != links_.end()) {
    if (it->second.endpoint == endpoint) return true;
    Link old = std::move(it->second);
    links_.erase(it);
    retire(std::move(old));
  }
  Link link;
  link.endpoint = endpoint;
  try {
    link.socket = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::dealer);
    link.socket->set(zmq::sockopt::linger, 0);
    link.socket->set(zmq::sockopt::sndhwm, kHighWaterMark);
    link.socket->set(zmq::sockopt::rcvhwm, kHighWaterMark);
    if (!make_curve_client(*link.socket, keys_, CurveIdentity::node).ok()) return false;
    link.socket->connect(endpoint);
  } catch (const zmq::error_t&) {
    return false;
  }
  link.watcher = std::make_unique<ZmqWatcher>(
      loop_, *link.socket,
      [this, node_id](std::vector<zmq::message_t>& parts) { on_link_message(node_id, parts); });
  links_.emplace(node_id, std::move(link));
  return true;
}

void PeerLinks::disconnect(const std::string& node_id) {
  auto it = links_.find(node_id);
  if (it == links_.end()) return;
  Link old = std::move(it->second);
  links_.erase(it);
  retire(std::move(old));
}

std::optional<std::string> PeerLinks::endpoint(const std::string& node_id) const {
  auto it = links_.find(node_id);
  if (it == links_.end()) return std::nullopt;
  return it->second.endpoint;
}

// The socket must outlive its watcher's close callback.
void PeerLinks::retire(Link link) {
  ++closing_;
  auto shared = std::make_shared<Link>(std::move(link));
  shared->watcher->close([this, shared] {
    shared->socket.reset();
    if (--closing_ == 0 && closed_ && on_closed_) {
      auto done = std::move(on_closed_);
      on_closed_ = nullptr;
      done();
    }
  });
}

bool PeerLinks::send(const std::string& node_id, std::vector<zmq::message_t> parts) {
  auto it = links_.find(node_id);
  if (it == links_.end() || it->second.watcher->outbox_size() >= kMaxQueued) {
    ++dropped_;
    return false;
  }
  it->second.watcher->send(std::move(parts));
  return true;
}

void PeerLinks::on_link_message(const std::string& node_id, std::vector<zmq::message_t>& parts) {
  if (parts.size() == 1) {
    if (on_reply_) on_reply_(node_id, parts[0].to_string_view());
    return;
  }
  std::vector<std::string_view> views;
  views.reserve(parts.size());
  for (const zmq::message_t& part : parts) views.push_back(part.to_string_view());
  if (!is_relay_message(views)) return;
  Result<RelayFrame> relay = decode_relay_frame(views);
  if (relay.ok() && on_relay_) on_relay_(node_id, *relay);
}

bool PeerLinks::send_relay(const std::string& node_id, std::string_view via_node,
                           std::string_view worker, std::string_view frame) {
  std::vector<zmq::message_t> parts;
  parts.emplace_back(kRelayFrameTag.data(), kRelayFrameTag.size());
  parts.emplace_back(via_node.data(), via_node.size());
  parts.emplace_back(worker.data(), worker.size());
  parts.emplace_back(frame.data(), frame.size());
  return send(node_id, std::move(parts));
}

bool PeerLinks::send_raft(const std::string& node_id, std::string_view message) {
  std::vector<zmq::message_t> parts;
  parts.emplace_back(kRaftFrameTag.data(), kRaftFrameTag.size());
  parts.emplace_back(message.data(), message.size());
  return send(node_id, std::move(parts));
}

bool PeerLinks::send_frame(const std::string& node_id, std::string_view frame) {
  std::vector<zmq::message_t> parts;
  parts.emplace_back(frame.data(), frame.size());
  return send(node_id, std::move(parts));
}

void PeerLinks::close(std::function<void()> done) {
  if (closed_) {
    if (done) done();
    return;
  }
  closed_ = true;
  on_closed_ = std::move(done);
  ++closing_;  // held until every link is retired, so done runs once, last
  std::map<std::string, Link> links;
  links.swap(links_);
  for (auto& [id, link] : links) retire(std::move(link));
  if (--closing_ == 0 && on_closed_) {
    auto callback = std::move(on_closed_);
    on_closed_ = nullptr;
    callback();
  }
}

}  // namespace desaster
