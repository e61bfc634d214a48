#include "tests/cluster/harness/namespace_thread.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "tests/cluster/harness/netns.hpp"

namespace desaster::test {

NamespaceThread::NamespaceThread(const TestNetwork& net, int node, std::function<void()> body) {
  const std::string path = "/run/netns/" + net.ns(node);
  thread_ = std::thread([this, path, body = std::move(body)] {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      failure_ = "cannot open " + path + ": " + std::strerror(errno);
      return;
    }
    const int moved = ::setns(fd, CLONE_NEWNET);
    const int error = errno;
    ::close(fd);
    if (moved != 0) {
      failure_ = "setns into " + path + ": " + std::strerror(error);
      return;
    }
    body();
  });
}

NamespaceThread::~NamespaceThread() {
  join();
}

void NamespaceThread::join() {
  if (thread_.joinable()) thread_.join();
}

}  // namespace desaster::test
