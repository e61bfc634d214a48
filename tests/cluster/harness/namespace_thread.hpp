// A thread that lives in one node's network namespace, so an in-process
// client (transport/client) can talk to that node the way a client on the
// node's own machine would, without a desasterctl process (and its key
// derivation) per request.
//
// A network namespace belongs to a thread, not a process: setns() moves the
// calling thread only, and the threads it starts afterwards inherit it. A
// Client made on this thread creates its ZeroMQ context's I/O thread (the
// one that connects) lazily, after the move, so its sockets live there too.
#pragma once

#include <functional>
#include <string>
#include <thread>

namespace desaster::test {

class TestNetwork;

class NamespaceThread {
 public:
  // Runs body on a new thread inside node's namespace. If the move fails,
  // body is not run and failure() says why.
  NamespaceThread(const TestNetwork& net, int node, std::function<void()> body);
  ~NamespaceThread();  // joins
  NamespaceThread(const NamespaceThread&) = delete;
  NamespaceThread& operator=(const NamespaceThread&) = delete;

  void join();
  // Empty once join() has returned after a successful move.
  const std::string& failure() const { return failure_; }

 private:
  std::string failure_;
  std::thread thread_;
};

}  // namespace desaster::test
