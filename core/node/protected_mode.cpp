// Protected mode; see protected_mode.hpp.
#include "core/node/protected_mode.hpp"

#include "transport/security/key_source.hpp"

namespace desaster {

bool is_loopback_address(std::string_view address) {
  if (address.starts_with("127.")) return true;
  if (address == "::1" || address == "[::1]") return true;
  return address.starts_with("::ffff:127.");
}

std::string protected_mode_refusal() {
  return std::string(
             "this node runs with the default group key, so it serves clients on its "
             "own machine only (protected mode); give the node and its clients a key of "
             "your own with -k KEY or ") +
         kGroupKeyEnvironment;
}

std::string listen_address(ListenSocket which, const std::string& bind_address,
                           bool protected_mode) {
  if (which != ListenSocket::feed || !protected_mode || is_loopback_address(bind_address))
    return bind_address;
  return "127.0.0.1";
}

}  // namespace desaster
