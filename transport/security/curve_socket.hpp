// Makes a ZeroMQ socket speak CURVE with the group's keys (group_keys.hpp).
//
// A server socket (every node's ROUTER and PUB) holds the group's server
// secret key and names the ZAP domain, so libzmq asks the ZAP handler
// (zap_handler.hpp) about every peer; a client socket knows the server's
// public key and presents either the group's client keypair (clients,
// workers, UIs) or the server keypair (a node's DEALER to another node), so
// the handler can tell the two apart. Call these before bind()/connect().
#pragma once

#include <zmq.hpp>

#include "core/model/status.hpp"
#include "transport/security/group_keys.hpp"

namespace desaster {

inline constexpr const char* kZapDomain = "desaster";

// Which of the group's keypairs a connecting socket presents; the ZAP
// handler gives the connection this name as its ZMQ "User-Id" property.
enum class CurveIdentity : unsigned char {
  client,  // "client": clients, workers, UIs
  node,    // "node": node-to-node traffic
};
const char* to_string(CurveIdentity identity);

// ZMQ_CURVE_SERVER = 1, ZMQ_CURVE_SECRETKEY = the group's server secret
// key, ZMQ_ZAP_DOMAIN = kZapDomain.
Status make_curve_server(zmq::socket_t& socket, const GroupKeys& keys);

// ZMQ_CURVE_SERVERKEY = the group's server public key, and the keypair
// `identity` names as ZMQ_CURVE_PUBLICKEY / ZMQ_CURVE_SECRETKEY.
Status make_curve_client(zmq::socket_t& socket, const GroupKeys& keys, CurveIdentity identity);

}  // namespace desaster
