// Internal to transport/client: the data behind Client, shared by the
// files that implement its methods (client.cpp, client_<area>.cpp).
#pragma once

#include "transport/client/client.hpp"
#include "transport/client/connection.hpp"
#include "transport/protocol/map_reader.hpp"

namespace desaster {

using std::chrono::milliseconds;

struct Client::Impl {
  using milliseconds = std::chrono::milliseconds;

  Impl(const ClientOptions& opts, const GroupKeys& keys)
      : options(opts), connection(opts.endpoint, keys) {}

  // The reply to body, as a typed body; error replies become their Status.
  template <typename Body>
  Result<Body> call(protocol::RequestBody body, milliseconds timeout);
  Result<protocol::Reply> call_raw(protocol::RequestBody body, milliseconds timeout);

  // The node may hold a waiting request up to wait; we allow that on top of
  // the usual timeout (0 in either means no limit).
  milliseconds timeout_with(milliseconds wait) const {
    if (wait.count() <= 0 || options.timeout.count() <= 0) return milliseconds(0);
    return options.timeout + wait;
  }

  ClientOptions options;
  Connection connection;
};

inline Result<protocol::Reply> Client::Impl::call_raw(protocol::RequestBody body,
                                                      std::chrono::milliseconds timeout) {
  Result<protocol::Reply> reply = connection.call(std::move(body), timeout);
  if (!reply.ok()) return reply.status();
  if (!reply->status.ok()) return reply->status;
  return reply;
}

template <typename Body>
Result<Body> Client::Impl::call(protocol::RequestBody body, std::chrono::milliseconds timeout) {
  Result<protocol::Reply> reply = call_raw(std::move(body), timeout);
  if (!reply.ok()) return reply.status();
  Body out;
  Status status = protocol::decode_body(reply->body, out);
  if (!status.ok()) {
    return Status::error(ErrorCode::internal,
                         "bad reply from " + connection.endpoint() + ": " + status.message);
  }
  return out;
}

}  // namespace desaster
