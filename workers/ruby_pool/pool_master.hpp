// One Ruby pool master process and its control channel: the node starts
// `ruby -I GEM/lib GEM/bin/desaster-pool --control-fd 3 ...` with its end
// of a SOCK_SEQPACKET socketpair as fd 3, then exchanges one msgpack map per
// message with it; worker channels travel to it as SCM_RIGHTS.
//
// Ownership: owns the node's end of the control socket, a uv_poll_t on it
// and the uv_process_t; all freed after close() in their close callbacks.
// Closing does not wait for the process: a master exits by itself once its
// control socket closes. Threading: loop thread only.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <uv.h>

#include "core/model/pool_spec.hpp"
#include "workers/ruby_pool/pool_frames.hpp"

namespace desaster::ruby_pool {

struct MasterLaunch {
  std::string ruby = "ruby";
  std::string gem_dir;  // holds lib/ and bin/desaster-pool
  PoolSpec spec;
  // NAME=VALUE set in the master's environment over the node's own (a name
  // here replaces the node's value); inherited by its workers.
  std::vector<std::string> env;
};

// The node's environment with launch.env laid over it.
std::vector<std::string> master_environment(char** base, const std::vector<std::string>& env);

// The command line of a master, without the interpreter (for tests and logs).
std::vector<std::string> master_arguments(const MasterLaunch& launch);

class PoolMaster {
 public:
  struct Events {
    std::function<void(MasterMessage)> on_message;
    // The channel failed (EOF, error, a message that does not decode).
    std::function<void(const std::string& why)> on_channel_closed;
    // The process ended: exit status, or -signal.
    std::function<void(std::int64_t exit_status, int term_signal)> on_exit;
  };

  PoolMaster(uv_loop_t* loop, MasterLaunch launch, Events events);
  ~PoolMaster();
  PoolMaster(const PoolMaster&) = delete;
  PoolMaster& operator=(const PoolMaster&) = delete;

  Status start();
  pid_t pid() const;

  // Sends a message; with fd >= 0 the fd travels along (SCM_RIGHTS) and
  // the caller keeps its own copy to close.
  Status send(const std::string& message, int fd = -1);
  // No events after this; done runs when every handle is closed.
  void close(std::function<void()> done);

 private:
  struct Impl;
  Impl* impl_;  // freed in the last close callback
};

}  // namespace desaster::ruby_pool
