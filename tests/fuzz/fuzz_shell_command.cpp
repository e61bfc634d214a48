// Fuzzes the shell payload decoder: any bytes must give a command or an error,
// never a crash, and a command that decodes must survive a re-encode unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/model/shell_command.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  auto decoded = desaster::decode_shell_command(payload);
  if (!decoded.ok()) {
    if (decoded.status().message.empty()) std::abort();
    return 0;
  }
  auto again = desaster::decode_shell_command(desaster::encode_shell_command(*decoded));
  if (!again.ok() || again->argv != decoded->argv || again->sh != decoded->sh ||
      again->env != decoded->env || again->cwd != decoded->cwd) {
    std::abort();
  }
  (void)desaster::describe_shell_command(*decoded);
  return 0;
}
