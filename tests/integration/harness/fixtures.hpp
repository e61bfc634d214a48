// Shared set-up of integration tests: a running standalone node in its own
// temp dir and a client connected to it; job specs for shell commands.
#pragma once

#include <catch2/catch.hpp>

#include <memory>
#include <optional>
#include <string>

#include "core/model/shell_command.hpp"
#include "tests/integration/harness/harness.hpp"
#include "transport/client/client.hpp"

namespace desaster::test {

inline protocol::JobSpec shell_job(std::string sh, std::string queue = "default") {
  protocol::JobSpec spec;
  spec.queue = std::move(queue);
  spec.kind = JobKind::shell;
  ShellCommand command;
  command.sh = std::move(sh);
  spec.payload = encode_shell_command(command);
  return spec;
}

struct RunningNode {
  TempDir dir;
  std::uint16_t port = free_port_triplet();
  NodeProcess node;
  std::unique_ptr<Client> client;

  explicit RunningNode(std::vector<std::string> extra_args = {})
      : node(dir.path() + "/data", port, std::move(extra_args)) {
    REQUIRE(node.start());
    connect();
  }

  void connect() {
    ClientOptions options;
    options.endpoint = node.endpoint();
    options.timeout = std::chrono::seconds(30);
    auto c = Client::connect(options);
    INFO(c.status().message);
    REQUIRE(c.ok());
    client = std::move(*c);
  }

  void restart() {
    client.reset();
    REQUIRE(node.start());
    connect();
  }

  Job get(JobId id) {
    auto job = client->get(id);
    INFO(job.status().message);
    REQUIRE(job.ok());
    return *job;
  }

  // Waits for the job to reach a final state.
  Job wait_final(JobId id, std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    auto jobs = client->wait({id}, timeout);
    INFO(jobs.status().message);
    REQUIRE(jobs.ok());
    REQUIRE(jobs->size() == 1);
    REQUIRE((*jobs)[0]);
    return *(*jobs)[0];
  }
};

}  // namespace desaster::test
