// CURVE socket options from the group's keys; see curve_socket.hpp.
#include "transport/security/curve_socket.hpp"

#include <cstring>
#include <string>

namespace desaster {

namespace {
// libzmq errors as values: the options below fail only on a closed socket
// or a libzmq built without CURVE.
Status set_option(zmq::socket_t& socket, int option, const void* value, std::size_t size,
                  const char* name) {
  if (zmq_setsockopt(socket.handle(), option, value, size) == 0) return Status::success();
  return Status::error(ErrorCode::internal,
                       std::string("cannot set ") + name + ": " + zmq_strerror(zmq_errno()));
}

Status set_text(zmq::socket_t& socket, int option, const std::string& text, const char* name) {
  return set_option(socket, option, text.c_str(), text.size(), name);
}
}  // namespace

const char* to_string(CurveIdentity identity) {
  switch (identity) {
    case CurveIdentity::client:
      return "client";
    case CurveIdentity::node:
      return "node";
  }
  return "unknown";
}

Status make_curve_server(zmq::socket_t& socket, const GroupKeys& keys) {
  const int on = 1;
  if (Status s = set_option(socket, ZMQ_CURVE_SERVER, &on, sizeof on, "ZMQ_CURVE_SERVER"); !s.ok())
    return s;
  if (Status s =
          set_text(socket, ZMQ_CURVE_SECRETKEY, keys.server.secret_z85, "ZMQ_CURVE_SECRETKEY");
      !s.ok())
    return s;
  return set_option(socket, ZMQ_ZAP_DOMAIN, kZapDomain, std::strlen(kZapDomain), "ZMQ_ZAP_DOMAIN");
}

Status make_curve_client(zmq::socket_t& socket, const GroupKeys& keys, CurveIdentity identity) {
  const CurveKeypair& own = identity == CurveIdentity::node ? keys.server : keys.client;
  if (Status s =
          set_text(socket, ZMQ_CURVE_SERVERKEY, keys.server.public_z85, "ZMQ_CURVE_SERVERKEY");
      !s.ok())
    return s;
  if (Status s = set_text(socket, ZMQ_CURVE_PUBLICKEY, own.public_z85, "ZMQ_CURVE_PUBLICKEY");
      !s.ok())
    return s;
  return set_text(socket, ZMQ_CURVE_SECRETKEY, own.secret_z85, "ZMQ_CURVE_SECRETKEY");
}

}  // namespace desaster
