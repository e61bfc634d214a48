// Drives one ZeroMQ socket from a libuv loop.
//
// A uv_poll_t watches the socket's ZMQ_FD for readability only. That fd is
// edge-triggered and says nothing by itself: after every receive and every
// send, ZMQ_EVENTS is read again and the watcher keeps draining (receive
// with ZMQ_DONTWAIT while POLLIN, flush the outbox while POLLOUT). At most
// kMaxBatch messages are taken per wake-up so one busy socket cannot starve
// the loop; when it stops early a uv_check_t finishes the job next turn,
// because the fd will not fire again for what is already pending (a uv_idle_t
// runs alongside it so the loop does not block in poll meanwhile).
//
// The outbox keeps order, so on a ROUTER one slow peer holds back what is
// queued behind it for others. A ROUTER should set ZMQ_ROUTER_MANDATORY:
// without it libzmq silently drops messages to a full peer; with it a full
// peer means "wait" and a gone peer (EHOSTUNREACH) means the message is
// dropped and counted in dropped().
//
// Ownership: the watcher does not own the socket; the socket must outlive
// close()'s callback. Callbacks run on the loop thread; the handler must not
// throw. Destroying the watcher without close() closes it without a callback.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <uv.h>
#include <zmq.hpp>

namespace desaster {

class ZmqWatcher {
 public:
  // One whole multipart message (for a ROUTER: routing id first).
  using Handler = std::function<void(std::vector<zmq::message_t>& parts)>;

  static constexpr int kMaxBatch = 256;

  ZmqWatcher(uv_loop_t* loop, zmq::socket_t& socket, Handler handler);
  ~ZmqWatcher();
  ZmqWatcher(const ZmqWatcher&) = delete;
  ZmqWatcher& operator=(const ZmqWatcher&) = delete;

  // Sends now if the socket takes it, else keeps it in order in an outbox
  // flushed when the socket becomes writable. Never blocks. May be called
  // from the handler. After close() it does nothing.
  void send(std::vector<zmq::message_t> parts);
  std::size_t outbox_size() const;
  // Off: incoming messages stay queued in the socket (a hot upgrade's pause)
  // while the outbox still drains; on again: they are read.
  void set_reading(bool reading);
  // Messages given up: no such peer (EHOSTUNREACH), or a failure part-way
  // through a multipart message.
  std::uint64_t dropped() const;

  // Stops watching and closes the handles; done runs when they are closed.
  // No handler call happens after close() returns, even from inside the
  // handler. The outbox is discarded. Later calls do nothing.
  void close(std::function<void()> done);

 private:
  struct Impl;
  Impl* impl_;  // freed in the last close callback
};

}  // namespace desaster
