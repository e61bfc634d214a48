// main() of desaster-top, the terminal monitor: parse the flags, run the
// screen (top_app.hpp). Exit status: 0 ok, 1 failed, 2 bad usage, 3 node
// unreachable.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "ui/top/top_app.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = desaster::top::parse_top_args(args);
  if (!parsed.ok()) {
    std::fprintf(stderr, "desaster-top: %s\n", parsed.status().message.c_str());
    return 2;
  }
  if (parsed->help) {
    std::fputs(desaster::top::top_help_text().c_str(), stdout);
    return 0;
  }
  // Caught here so that the stack unwinds and the terminal is restored
  // (Terminal's destructor) before the message is printed.
  try {
    return desaster::top::run_top(*parsed);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "desaster-top: %s\n", e.what());
    return 1;
  }
}
