// main() of the `desaster` daemon: parse flags, start the node, run it.
#include <signal.h>
#include <unistd.h>

#include <cstdlib>

#include <cstdio>
#include <string>
#include <vector>

#include "core/node/node.hpp"
#include "core/node/options.hpp"
#include "core/node/service_notify.hpp"

int main(int argc, char** argv) {
  // A client that goes away mid-reply must not kill the node.
  signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> args(argv, argv + argc);
  desaster::Result<desaster::NodeOptions> options = desaster::parse_node_options(args);
  if (!options.ok()) {
    std::fprintf(stderr, "desaster: %s\nTry 'desaster --help'.\n",
                 options.status().message.c_str());
    return 2;
  }
  if (options->show_help) {
    std::fputs(desaster::node_help_text().c_str(), stdout);
    return 0;
  }
  if (options->show_version) {
    std::fputs(desaster::node_version_text().c_str(), stdout);
    return 0;
  }
  if (options->data_dir.empty()) {
    options->data_dir = desaster::default_data_dir(geteuid() == 0, std::getenv("XDG_STATE_HOME"),
                                                   std::getenv("HOME"));
  }
  desaster::Node node(std::move(*options));
  if (desaster::Status s = node.start(); !s.ok()) {
    std::fprintf(stderr, "desaster: %s\n", s.message.c_str());
    desaster::notify_start_failed(s.message);
    // Leave without destructors: a half-started node has sockets whose
    // watchers close only on a running loop, and ZeroMQ's context would wait
    // for them forever. Nothing was acknowledged, so nothing needs flushing.
    std::fflush(stderr);
    std::_Exit(1);
  }
  return node.run();
}
