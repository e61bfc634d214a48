// One job server as the workloads see it. Each peer implements these with
// its own protocol on one connection; a worker thread makes its own Peer.
// The workloads (workloads.cpp) are written once against this interface, so
// every server gets the same sequence of requests.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "measure.hpp"

namespace bench {

class Peer {
 public:
  virtual ~Peer() = default;

  // Once per run, before anything is enqueued (desaster: create the queue,
  // paused, so that no worker takes a job before the drain starts).
  virtual void prepare() {}
  // Enqueues jobs [first, first + count) and returns once every one is
  // acknowledged: count 1 is one request, more is one pipeline or batch.
  virtual void enqueue(std::size_t first, std::size_t count) = 0;
  // As a worker that does nothing: takes and completes jobs until the queue
  // is empty; returns how many it completed.
  virtual std::size_t work_until_empty() = 0;
  // Drains `jobs` queued jobs with `workers` workers; returns the seconds from
  // the start of the drain until the last job is complete. The default runs
  // work_until_empty() on one Peer per worker thread.
  virtual double drain(const Args& args, std::size_t jobs);
  // As the waiting worker of the round trip: completes `count` jobs, one at a
  // time, waiting (blocked in the server) for each.
  virtual void serve(std::size_t count) = 0;
  // One round trip: submits job i and returns once its result is back.
  virtual void round_trip(std::size_t i) = 0;
};

std::unique_ptr<Peer> make_peer(const Args& args);

std::unique_ptr<Peer> make_beanstalkd(const Args& args);
std::unique_ptr<Peer> make_redis(const Args& args);
std::unique_ptr<Peer> make_sidekiq(const Args& args);
std::unique_ptr<Peer> make_gearman(const Args& args);
std::unique_ptr<Peer> make_desaster(const Args& args);

// The queue (tube, list, function) every workload of this process uses.
std::string queue_name();

}  // namespace bench
