// A byte flipped in the middle of a node's journal (issue 19): the node
// refuses to start, naming the file, the offset and the ways out, and cuts
// nothing; --truncate-corrupt-journal starts it and says what it dropped.
// (A torn tail is cut on its own: durability_test's kill -9 shows it.)
#include <filesystem>
#include <fstream>
#include <iterator>

#include "tests/integration/harness/fixtures.hpp"

using namespace desaster;
using namespace desaster::test;

namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_all(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

}  // namespace

TEST_CASE("a flipped byte mid-journal stops the node with the file, offset and way out",
          "[integration][durability][faults]") {
  RunningNode n;
  for (int i = 0; i < 40; ++i) REQUIRE(n.client->enqueue(shell_job("true")).ok());
  CHECK(n.node.terminate() == 0);

  std::string segment;
  for (const auto& entry : std::filesystem::directory_iterator(n.node.data_dir() + "/journal"))
    if (entry.path().extension() == ".log") segment = entry.path().string();
  REQUIRE(!segment.empty());
  std::string bytes = read_all(segment);
  REQUIRE(bytes.size() > 1000);
  bytes[bytes.size() / 2] ^= 0x04;
  write_all(segment, bytes);

  NodeProcess refused(n.node.data_dir(), free_port_triplet());
  refused.spawn();
  CHECK(refused.wait_exit() == 1);
  const std::string log = refused.log();
  INFO(log);
  CHECK(log.find(std::filesystem::path(segment).filename().string() +
                 ": corrupt record at offset ") != std::string::npos);
  CHECK(log.find("--truncate-corrupt-journal") != std::string::npos);
  CHECK(log.find("rejoins") != std::string::npos);
  CHECK(read_all(segment) == bytes);  // nothing was cut

  NodeProcess cut(n.node.data_dir(), free_port_triplet(), {"--truncate-corrupt-journal"});
  REQUIRE(cut.start());
  INFO(cut.log());
  CHECK(cut.log().find("cut at the operator's request (--truncate-corrupt-journal), dropping ") !=
        std::string::npos);
  CHECK(cut.terminate() == 0);
}
