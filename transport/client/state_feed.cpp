// StateFeed (state_feed.hpp): the SUB, the catch-up requests, and the
// FeedReplica they feed.
#include "transport/client/state_feed.hpp"

#include <charconv>
#include <optional>

#include <zmq.hpp>

#include "core/state/feed_replica.hpp"
#include "transport/client/connection.hpp"
#include "transport/protocol/feed_frame.hpp"
#include "transport/protocol/replies.hpp"
#include "transport/security/curve_socket.hpp"
#include "transport/security/key_source.hpp"

namespace desaster {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Frames taken off the SUB before the replica's gaps are looked at again.
constexpr std::size_t kMaxBatch = 10'000;

// tcp://host:port -> tcp://host:port+1
Result<std::string> next_port_endpoint(const std::string& endpoint) {
  const std::size_t colon = endpoint.rfind(':');
  unsigned port = 0;
  if (colon != std::string::npos) {
    const char* first = endpoint.data() + colon + 1;
    const char* last = endpoint.data() + endpoint.size();
    auto [end, ec] = std::from_chars(first, last, port);
    if (ec == std::errc() && end == last && first != last && port < 65535) {
      return endpoint.substr(0, colon + 1) + std::to_string(port + 1);
    }
  }
  return Status::error(ErrorCode::bad_request, "cannot derive the state feed's endpoint from '" +
                                                   endpoint + "' (expected tcp://host:port)");
}

}  // namespace

struct StateFeed::Impl {
  Impl(StateFeedOptions o, const GroupKeys& keys)
      : options(std::move(o)), keys(keys), connection(options.endpoint, keys) {}

  Status open();
  Status take_snapshot();
  Status read_snapshot(protocol::FeedSnapshotReply& first, std::string& bytes);
  Status fill_gaps();
  Status catch_up();
  void offer(std::string_view frame);

  StateFeedOptions options;
  const GroupKeys& keys;
  zmq::context_t context;
  std::optional<zmq::socket_t> sub;
  Connection connection;
  FeedReplica replica;
  StateFeedStats stats;
};

Status StateFeed::Impl::open() {
  replica.set_on_applied([this](const LogEntry& entry, const Op& op, const ApplyResult& result) {
    ++stats.applied;
    if (options.on_op) options.on_op(entry, op, result, replica.state());
  });
  if (options.feed_endpoint.empty()) {
    Result<std::string> derived = next_port_endpoint(options.endpoint);
    if (!derived.ok()) return derived.status();
    options.feed_endpoint = *derived;
  }
  try {
    zmq::socket_t socket(context, zmq::socket_type::sub);
    socket.set(zmq::sockopt::linger, 0);
    if (Status s = make_curve_client(socket, keys, CurveIdentity::client); !s.ok()) return s;
    socket.set(zmq::sockopt::subscribe, "");
    socket.connect(options.feed_endpoint);
    sub = std::move(socket);
  } catch (const zmq::error_t& e) {
    return Status::error(ErrorCode::bad_request,
                         "cannot subscribe to '" + options.feed_endpoint + "': " + e.what());
  }
  // Subscribed first, snapshot second: nothing published in between is lost.
  if (Status s = connection.open(); !s.ok()) return s;
  return take_snapshot();
}

// Reads the node's snapshot chunk by chunk; starts over (a few times) when
// the node dropped the encoding being read.
Status StateFeed::Impl::take_snapshot() {
  constexpr int kAttempts = 3;
  Status last;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    protocol::FeedSnapshotReply first;
    std::string bytes;
    last = read_snapshot(first, bytes);
    if (last.code == ErrorCode::not_found) continue;
    if (!last.ok()) return last;
    if (Status s = replica.load_snapshot(first.index, first.term, bytes); !s.ok()) return s;
    ++stats.snapshots;
    if (options.on_snapshot) options.on_snapshot(first.index, replica.state());
    return Status::success();
  }
  return last;
}

Status StateFeed::Impl::read_snapshot(protocol::FeedSnapshotReply& first, std::string& bytes) {
  protocol::FeedSnapshot request;
  do {
    Result<protocol::Reply> reply = connection.call(request, options.timeout);
    if (!reply.ok()) return reply.status();
    if (!reply->status.ok()) return reply->status;
    protocol::FeedSnapshotReply body;
    Status s = protocol::decode_body(reply->body, body);
    if (s.ok() && request.offset != 0 && (body.index != first.index || body.total != first.total)) {
      s = Status::error(ErrorCode::bad_request, "a chunk of another snapshot came back");
    }
    if (s.ok() && body.offset != request.offset) {
      s = Status::error(ErrorCode::bad_request, "a chunk at another offset came back");
    }
    if (!s.ok()) {
      return Status::error(ErrorCode::internal,
                           "bad feed_snapshot reply from " + options.endpoint + ": " + s.message);
    }
    if (request.offset == 0) first = body;
    bytes += body.snapshot;
    request.offset = bytes.size();
    request.index = first.index;
  } while (request.offset < first.total);
  return Status::success();
}

// Asks for each gap until none is left; a range the node no longer keeps
// means a fresh snapshot.
Status StateFeed::Impl::fill_gaps() {
  while (std::optional<FeedGap> gap = replica.gap()) {
    Result<protocol::Reply> reply =
        connection.call(protocol::FeedOps{gap->from, gap->to}, options.timeout);
    if (!reply.ok()) return reply.status();
    if (reply->status.code == ErrorCode::not_found) return take_snapshot();
    if (!reply->status.ok()) return reply->status;
    protocol::FeedOpsReply body;
    if (Status s = protocol::decode_body(reply->body, body); !s.ok()) {
      return Status::error(ErrorCode::internal,
                           "bad feed_ops reply from " + options.endpoint + ": " + s.message);
    }
    ++stats.gaps_filled;
    const std::uint64_t before = replica.index();
    for (const std::string& frame : body.frames) offer(frame);
    if (replica.index() == before && !replica.needs_snapshot()) {
      // The node answered nothing we could use: start over from a snapshot
      // rather than ask the same question forever.
      return take_snapshot();
    }
    if (replica.needs_snapshot()) return take_snapshot();
  }
  return Status::success();
}

Status StateFeed::Impl::catch_up() {
  if (replica.needs_snapshot()) {
    if (Status s = take_snapshot(); !s.ok()) return s;
  }
  return fill_gaps();
}

void StateFeed::Impl::offer(std::string_view frame) {
  Result<LogEntry> entry = protocol::decode_feed_frame(frame);
  // A frame that does not decode is as good as lost: the gap it leaves is
  // filled from the node's ring.
  if (!entry.ok()) return;
  (void)replica.offer(std::move(*entry));
}

Result<std::unique_ptr<StateFeed>> StateFeed::connect(StateFeedOptions options) {
  Result<const GroupKeys*> keys = group_keys(resolve_group_key(options.group_key));
  if (!keys.ok()) return keys.status();
  auto impl = std::make_unique<Impl>(std::move(options), **keys);
  if (Status s = impl->open(); !s.ok()) return s;
  return std::unique_ptr<StateFeed>(new StateFeed(std::move(impl)));
}

StateFeed::StateFeed(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StateFeed::~StateFeed() = default;

Status StateFeed::poll(milliseconds wait) {
  Impl& m = *impl_;
  const Clock::time_point deadline = Clock::now() + wait;
  const std::uint64_t applied_before = m.stats.applied;
  for (;;) {
    std::size_t taken = 0;
    zmq::message_t message;
    while (taken < kMaxBatch && m.sub->recv(message, zmq::recv_flags::dontwait)) {
      ++taken;
      ++m.stats.frames;
      if (m.options.drop_every != 0 && m.stats.frames % m.options.drop_every == 0) {
        ++m.stats.dropped_by_hook;
        continue;
      }
      m.offer(message.to_string_view());
    }
    if (Status s = m.catch_up(); !s.ok()) return s;
    if (m.stats.applied != applied_before || taken == kMaxBatch) {
      if (m.stats.applied != applied_before) return Status::success();
      continue;
    }
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return Status::success();
    zmq::pollitem_t item{static_cast<void*>(*m.sub), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, left);
  }
}

const State& StateFeed::state() const {
  return impl_->replica.state();
}
std::uint64_t StateFeed::index() const {
  return impl_->replica.index();
}
std::uint64_t StateFeed::term() const {
  return impl_->replica.term();
}
const StateFeedStats& StateFeed::stats() const {
  return impl_->stats;
}

}  // namespace desaster
