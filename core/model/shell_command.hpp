// What a shell job runs: its payload, msgpack-encoded as a map
//   {"argv": [str...]} or {"sh": str}, optional "env": {str: str}, "cwd": str
// argv runs directly (execvp); sh runs through /bin/sh -c.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/status.hpp"

namespace desaster {

struct ShellCommand {
  std::vector<std::string> argv;           // either argv ...
  std::string sh;                          // ... or a shell string
  std::map<std::string, std::string> env;  // added to the node's environment
  std::string cwd;                         // empty: the node's working directory
};

std::string encode_shell_command(const ShellCommand& command);
// Errors name the offending field: "payload field 'argv' must be an array of strings".
Result<ShellCommand> decode_shell_command(std::string_view payload);
// A one-line rendering for listings: argv joined by spaces, or the sh string.
std::string describe_shell_command(const ShellCommand& command);

}  // namespace desaster
