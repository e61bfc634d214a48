// Protected mode (as Redis has it): a node that runs with the public default
// group key serves clients on its own machine only. Anyone who installs
// desaster knows that key, and a client may run shell commands as the node's
// user, so without this the quick start would open a shell to the LAN.
// Nodes still peer with the default key (zero configuration stays); client
// requests from other addresses are answered with an error that says how to
// set a key, and the state feed (read by clients only, and carrying every
// job's payload) listens on loopback alone.
#pragma once

#include <string>
#include <string_view>

#include "core/node/socket_limits.hpp"

namespace desaster {

// 127.0.0.0/8, ::1 and ::ffff:127.x.y.z, as libzmq gives a peer's address.
bool is_loopback_address(std::string_view address);

// The error a refused client reads.
std::string protected_mode_refusal();

// Where `which` listens: the node's bind address, but the feed on
// 127.0.0.1 when the node is protected and bound beyond loopback.
std::string listen_address(ListenSocket which, const std::string& bind_address,
                           bool protected_mode);

}  // namespace desaster
