// The hot upgrade's fd passing: SCM_RIGHTS messages over the socketpair,
// malformed and oversized messages, the listeners and the data dir lock as
// the new process takes them over.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <string>

#include "core/journal/data_dir_lock.hpp"
#include "core/node/upgrade/listener_set.hpp"
#include "tests/unit/journal_test_support.hpp"
#include "transport/handover/fd_channel.hpp"

using namespace desaster;
using namespace desaster::handover;

namespace {

std::pair<OwnedFd, OwnedFd> channel() {
  auto ends = make_channel();
  REQUIRE(ends.ok());
  return std::move(*ends);
}

}  // namespace

TEST_CASE("fds sent over the upgrade channel reach the same open file", "[unit][upgrade]") {
  auto [a, b] = channel();
  int p[2];
  REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
  OwnedFd read_end(p[0]), write_end(p[1]);
  REQUIRE(send_message(a.get(), "take lock client", {read_end.get(), write_end.get()}).ok());
  Result<Message> got = receive_message(b.get(), 1000);
  REQUIRE(got.ok());
  CHECK(got->text == "take lock client");
  REQUIRE(got->fds.size() == 2);
  // Received fds are new numbers for the same pipe, close-on-exec.
  CHECK(got->fds[0].get() != read_end.get());
  CHECK((::fcntl(got->fds[0].get(), F_GETFD) & FD_CLOEXEC) != 0);
  REQUIRE(::write(got->fds[1].get(), "x", 1) == 1);
  char c = 0;
  REQUIRE(::read(read_end.get(), &c, 1) == 1);
  CHECK(c == 'x');
}

TEST_CASE("the upgrade channel keeps message boundaries and says nothing when empty",
          "[unit][upgrade]") {
  auto [a, b] = channel();
  REQUIRE(send_message(a.get(), "hello").ok());
  REQUIRE(send_message(a.get(), "ready 42").ok());
  CHECK(receive_message(b.get(), 1000)->text == "hello");
  CHECK(receive_message(b.get(), 1000)->text == "ready 42");
  Result<Message> none = receive_ready(b.get());
  REQUIRE(none.ok());
  CHECK(none->text.empty());
  CHECK(none->fds.empty());
}

TEST_CASE("a peer that went away or stays silent is an error", "[unit][upgrade]") {
  SECTION("timeout") {
    auto [a, b] = channel();
    Result<Message> got = receive_message(b.get(), 20);
    REQUIRE(!got.ok());
    CHECK(got.status().code == ErrorCode::unavailable);
  }
  SECTION("closed") {
    auto [a, b] = channel();
    a.reset();
    Result<Message> got = receive_message(b.get(), 1000);
    REQUIRE(!got.ok());
    CHECK(got.status().message.find("closed") != std::string::npos);
  }
}

TEST_CASE("oversized or empty upgrade messages are refused both ways", "[unit][upgrade]") {
  auto [a, b] = channel();
  CHECK(!send_message(a.get(), "").ok());
  CHECK(!send_message(a.get(), std::string(kMaxMessageBytes + 1, 'x')).ok());
  std::vector<int> many(kMaxFds + 1, a.get());
  CHECK(!send_message(a.get(), "take", many).ok());
  // A raw datagram past the limit (not sent through send_message) is dropped
  // as a whole, with an error rather than a truncated text.
  const std::string big(kMaxMessageBytes + 100, 'y');
  REQUIRE(::send(a.get(), big.data(), big.size(), 0) == static_cast<ssize_t>(big.size()));
  Result<Message> got = receive_message(b.get(), 1000);
  REQUIRE(!got.ok());
  CHECK(got.status().code == ErrorCode::bad_request);
  // The channel still works after it.
  REQUIRE(send_message(a.get(), "hello").ok());
  CHECK(receive_message(b.get(), 1000)->text == "hello");
}

TEST_CASE("TCP listeners: a busy port is unavailable, an inherited one is reused",
          "[unit][upgrade]") {
  Result<OwnedFd> first = tcp_listener("127.0.0.1", 0);
  REQUIRE(first.ok());
  const std::uint16_t port = bound_port(first->get());
  REQUIRE(port != 0);
  Result<OwnedFd> again = tcp_listener("127.0.0.1", port);
  REQUIRE(!again.ok());
  CHECK(again.status().code == ErrorCode::unavailable);
  CHECK(!tcp_listener("not-an-address", port).ok());

  // The new process's set takes the inherited listener of that name
  // (binding anew would fail: the port is in use).
  std::map<std::string, OwnedFd> inherited;
  inherited["client"] = std::move(*first);
  ListenerSet set(std::move(inherited));
  Result<int> fd = set.for_zmq("client", "127.0.0.1", port);
  REQUIRE(fd.ok());
  REQUIRE(*fd >= 0);
  CHECK(bound_port(*fd) == port);
  ::close(*fd);
  REQUIRE(set.all().size() == 1);
  CHECK(set.all()[0].first == "client");
  const int copy = set.dup_for_zmq("client");
  CHECK(bound_port(copy) == port);
  ::close(copy);
  CHECK(set.dup_for_zmq("feed") == -1);
  // A hostname cannot be handed over: ZeroMQ binds it by itself.
  Result<int> unowned = set.for_zmq("feed", "localhost", 0);
  REQUIRE(unowned.ok());
  CHECK(*unowned == -1);
  CHECK(set.unowned() == std::vector<std::string>{"feed"});
}

TEST_CASE("libuv listeners (HTTP, metrics) come from the set and are passed on",
          "[unit][upgrade]") {
  Result<OwnedFd> old_http = tcp_listener("127.0.0.1", 0);
  REQUIRE(old_http.ok());
  const std::uint16_t port = bound_port(old_http->get());
  const int old_fd = old_http->get();
  std::map<std::string, OwnedFd> inherited;
  inherited["http"] = std::move(*old_http);
  ListenerSet set(std::move(inherited));
  // The inherited one: a dup of the same socket, the original kept to pass on.
  Result<int> http = set.for_uv("http", "127.0.0.1", port);
  REQUIRE(http.ok());
  CHECK(*http != old_fd);
  CHECK(bound_port(*http) == port);
  ::close(*http);
  // A new one for a name nothing was inherited for.
  Result<int> metrics = set.for_uv("metrics", "127.0.0.1", 0);
  REQUIRE(metrics.ok());
  ::close(*metrics);
  CHECK(set.all().size() == 2);
  // Not numeric IPv4: an error (libuv binds only those), not an unowned socket.
  Result<int> named = set.for_uv("https", "localhost", 0);
  CHECK(!named.ok());
  CHECK(named.status().code == ErrorCode::bad_request);
  CHECK(set.unowned().empty());
  // A port in use (and not inherited) is unavailable.
  Result<int> busy = set.for_uv("https", "127.0.0.1", port);
  REQUIRE(!busy.ok());
  CHECK(busy.status().code == ErrorCode::unavailable);
}

TEST_CASE("the data dir lock passes to the new process and is checked", "[unit][upgrade]") {
  journal_test::TempDir dir;
  Result<DataDirLock> held = DataDirLock::acquire(dir.path());
  REQUIRE(held.ok());
  // The old process's fd, as SCM_RIGHTS delivers it: the same open file.
  Result<DataDirLock> adopted = DataDirLock::adopt(::fcntl(held->fd(), F_DUPFD_CLOEXEC, 0));
  REQUIRE(adopted.ok());
  held->release();
  // The lock stays with the adopter after the old process let go.
  Result<DataDirLock> third = DataDirLock::acquire(dir.path());
  REQUIRE(!third.ok());
  CHECK(third.status().code == ErrorCode::unavailable);
  // Another open of the LOCK file is not the lock.
  const int other = ::open((dir.path() + "/LOCK").c_str(), O_RDWR | O_CLOEXEC);
  REQUIRE(other >= 0);
  CHECK(!DataDirLock::adopt(other).ok());
}
