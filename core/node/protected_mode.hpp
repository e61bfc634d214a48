// Protected mode (as Redis has it): a node that runs with the public default
// group key serves clients on its own machine only. Anyone who installs
// desaster knows that key, and a client may run shell commands as the node's
// user, so without this the quick start would open a shell to the LAN.
// Nodes still peer with the default key (zero configuration stays); only
// client requests from other addresses are answered with an error that says
// how to set a key.
#pragma once

#include <string>
#include <string_view>

namespace desaster {

// 127.0.0.0/8, ::1 and ::ffff:127.x.y.z, as libzmq gives a peer's address.
bool is_loopback_address(std::string_view address);

// The error a refused client reads.
std::string protected_mode_refusal();

}  // namespace desaster
