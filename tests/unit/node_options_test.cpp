#include <catch2/catch.hpp>

#include "core/node/options.hpp"

using namespace desaster;

namespace {
Result<NodeOptions> parse(std::vector<std::string> args) {
  args.insert(args.begin(), "desaster");
  return parse_node_options(args);
}
}  // namespace

TEST_CASE("no flags give the seed's defaults", "[options]") {
  auto o = parse({});
  REQUIRE(o.ok());
  CHECK(o->bind_address == "0.0.0.0");
  CHECK(o->broadcast_address == "255.255.255.255");
  CHECK(o->port == 2691);
  CHECK(o->group_key.empty());  // the node then takes $DESASTER_KEY, else "default"
  CHECK_FALSE(o->standalone);
}

TEST_CASE("long, short, attached and grouped flags are all understood", "[options]") {
  auto o = parse({"-a", "127.0.0.1", "--broadcast-address=127.255.255.255", "-p2700", "-k",
                  "secret", "-sv", "--data-dir", "/tmp/x", "-j", "3"});
  REQUIRE(o.ok());
  CHECK(o->bind_address == "127.0.0.1");
  CHECK(o->broadcast_address == "127.255.255.255");
  CHECK(o->port == 2700);
  CHECK(o->group_key == "secret");
  CHECK(o->standalone);
  CHECK(o->verbosity == 1);
  CHECK(o->data_dir == "/tmp/x");
  CHECK(o->concurrency == 3);
}

TEST_CASE("help is asked for by -h, -? and --help", "[options]") {
  for (const char* flag : {"-h", "-?", "--help"}) {
    auto o = parse({flag});
    REQUIRE(o.ok());
    CHECK(o->show_help);
  }
  CHECK(node_help_text().find("-p, --port=NUMBER") != std::string::npos);
  CHECK(node_help_text().find("[2691]") != std::string::npos);
}

TEST_CASE("the snapshot threshold is 256 MiB unless --snapshot-bytes sets it", "[options]") {
  CHECK(parse({})->snapshot_bytes == 256ull << 20);
  CHECK(parse({"--snapshot-bytes", "4096"})->snapshot_bytes == 4096);
  CHECK(parse({"--snapshot-bytes=64K"})->snapshot_bytes == 64ull << 10);
  CHECK(parse({"--snapshot-bytes", "16M"})->snapshot_bytes == 16ull << 20);
  CHECK(parse({"--snapshot-bytes", "1g"})->snapshot_bytes == 1ull << 30);
  CHECK(node_help_text().find("--snapshot-bytes=SIZE") != std::string::npos);
}

TEST_CASE("bad flags are refused with a message naming the flag", "[options]") {
  struct Case {
    std::vector<std::string> args;
    const char* message;
  };
  const Case cases[] = {
      {{"--port", "70000"}, "--port: '70000' is not a port number"},
      {{"-p", "abc"}, "--port: 'abc' is not a port number"},
      {{"-a", "not-an-ip"}, "--bind-address: 'not-an-ip' is not an IPv4 address"},
      {{"--frobnicate"}, "unknown option '--frobnicate'"},
      {{"-x"}, "unknown option '-x'"},
      {{"-p"}, "--port needs a value"},
      {{"--standalone=yes"}, "--standalone takes no value"},
      {{"stray"}, "unexpected argument 'stray'"},
      {{"-k", ""}, "--key: the group key must not be empty"},
      {{"-j", "0"}, "--concurrency: '0' is not a number from 1 to 4096"},
      {{"--snapshot-bytes", "100"}, "--snapshot-bytes: '100' is not a size from 1K"},
      {{"--snapshot-bytes", "2T"}, "--snapshot-bytes: '2T' is not a size"},
      {{"--snapshot-bytes", "M"}, "--snapshot-bytes: 'M' is not a size"},
      {{"--snapshot-bytes", "2000G"}, "--snapshot-bytes: '2000G' is not a size"},
  };
  for (const Case& c : cases) {
    auto o = parse(c.args);
    INFO(c.message);
    REQUIRE_FALSE(o.ok());
    CHECK(o.status().message.find(c.message) != std::string::npos);
  }
}

TEST_CASE("the default data dir depends on who runs the node", "[options]") {
  CHECK(default_data_dir(true, "/x", "/home/a") == "/var/lib/desaster");
  CHECK(default_data_dir(false, "/state", "/home/a") == "/state/desaster");
  CHECK(default_data_dir(false, nullptr, "/home/a") == "/home/a/.local/state/desaster");
}

TEST_CASE("shell job limits take MiB, a percentage and a grace", "[options]") {
  auto o = parse({"--job-memory", "512", "--job-cpu=150", "--limit-grace", "2s"});
  REQUIRE(o.ok());
  CHECK(o->job_memory_mb == 512);
  CHECK(o->job_cpu_percent == 150);
  CHECK(o->limit_grace_ms == 2'000);
  auto defaults = parse({});
  REQUIRE(defaults.ok());
  CHECK(defaults->job_memory_mb == 0);
  CHECK(defaults->job_cpu_percent == 0);
  CHECK(defaults->limit_grace_ms == 30'000);
  CHECK(parse({"--job-memory", "lots"}).status().message ==
        "--job-memory: 'lots' is not MiB (0-1048576; 0: none)");
  CHECK(parse({"--job-cpu", "-5"}).status().message.find("--job-cpu:") == 0);
  CHECK(parse({"--limit-grace", "0"}).status().message.find("--limit-grace:") == 0);
  CHECK(node_help_text().find("--job-memory=MB") != std::string::npos);
}
