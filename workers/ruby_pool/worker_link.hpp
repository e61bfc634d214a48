// The node's end of one Ruby worker's socketpair (SOCK_STREAM): frames in
// (FrameReader), frames out (queued uv_write). A read error, EOF or a
// malformed frame ends the link once, through on_closed.
//
// Ownership: owns the fd and its uv_pipe_t, freed in the close callback.
// Threading: loop thread only.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <uv.h>

#include "workers/ruby_pool/pool_frames.hpp"

namespace desaster::ruby_pool {

class WorkerLink {
 public:
  struct Events {
    std::function<void(WorkerMessage)> on_message;
    // EOF, a read error, or a frame that does not decode; why says which.
    std::function<void(const std::string& why)> on_closed;
  };

  // Takes the fd (a connected stream socket). Fails if libuv refuses it.
  static Result<std::unique_ptr<WorkerLink>> open(uv_loop_t* loop, int fd, Events events);
  ~WorkerLink();  // closes the handle if close() was not called
  WorkerLink(const WorkerLink&) = delete;
  WorkerLink& operator=(const WorkerLink&) = delete;

  // Sends one already framed message; does nothing once closed.
  void send(std::string framed);
  // Stops reading and closes the fd; no event follows.
  void close();

 private:
  WorkerLink() = default;
  struct Handle;
  Handle* handle_ = nullptr;  // freed in its close callback
};

}  // namespace desaster::ruby_pool
