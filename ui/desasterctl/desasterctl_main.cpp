// main() of desasterctl: parse the command line, talk to a node through the
// C++ client, print a table or JSON. Exit status: 0 ok, 1 refused or failed,
// 2 bad usage, 3 node unreachable.
#include <cstdio>
#include <string>
#include <vector>

#include "transport/client/client.hpp"
#include "ui/desasterctl/ctl_args.hpp"
#include "ui/desasterctl/ctl_commands.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  desaster::Result<desaster::CtlArgs> parsed = desaster::parse_ctl_args(args);
  if (!parsed.ok()) {
    std::fprintf(stderr, "desasterctl: %s\n", parsed.status().message.c_str());
    return 2;
  }
  if (parsed->command == "help") {
    std::fputs(desaster::ctl_help_text().c_str(), stdout);
    return 0;
  }
  return desaster::run_ctl_command(*parsed);
}
