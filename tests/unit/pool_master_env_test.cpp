// The environment a Ruby pool master starts with: the node's own, with the
// launch's NAME=VALUE entries laid over it (DESASTER_URL and DESASTER_KEY,
// so the pool's jobs enqueue on their node).
#include <catch2/catch.hpp>

#include "workers/ruby_pool/pool_master.hpp"

using desaster::ruby_pool::master_environment;

TEST_CASE("a master's environment is the node's with the launch's entries replacing same names",
          "[unit][ruby_pool]") {
  char path[] = "PATH=/usr/bin";
  char url[] = "DESASTER_URL=tcp://elsewhere:1";
  char key_prefix[] = "DESASTER_KEYS=unrelated";  // a longer name is another name
  char odd[] = "NO_EQUALS_SIGN";
  char* base[] = {path, url, key_prefix, odd, nullptr};
  std::vector<std::string> env =
      master_environment(base, {"DESASTER_URL=tcp://127.0.0.1:2691", "DESASTER_KEY=k=v"});
  CHECK(env == std::vector<std::string>{"PATH=/usr/bin", "DESASTER_KEYS=unrelated",
                                        "NO_EQUALS_SIGN", "DESASTER_URL=tcp://127.0.0.1:2691",
                                        "DESASTER_KEY=k=v"});
}

TEST_CASE("a master's environment without additions is the node's unchanged", "[unit][ruby_pool]") {
  char home[] = "HOME=/root";
  char* base[] = {home, nullptr};
  CHECK(master_environment(base, {}) == std::vector<std::string>{"HOME=/root"});
  CHECK(master_environment(nullptr, {"A=1"}) == std::vector<std::string>{"A=1"});
}
