// StateFeed: a live replica of a node's State for clients (desaster-web,
// desaster-top, `desasterctl watch`), kept from the node's state feed in the
// manner of the ZeroMQ Guide's Clone pattern:
//
//   1. subscribe to the node's PUB (its client port + 1) first,
//   2. then take a snapshot over the client connection (feed_snapshot),
//   3. apply what the SUB delivered above the snapshot's index, in order,
//   4. fill gaps with feed_ops, and take a fresh snapshot when the node
//      answers that the range is too old (or the replica cannot go on).
//
// The ordering and buffering is FeedReplica's (core/state, pure); this class
// is the I/O around it. Both sockets are CURVE clients with the group key.
// Synchronous and single-threaded like Client: callbacks run inside poll().
// A feed attached to any node of a cluster sees every committed op, since
// every node applies (and publishes) every one.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/model/log_entry.hpp"
#include "core/model/status.hpp"
#include "core/state/op.hpp"
#include "core/state/state.hpp"

namespace desaster {

struct StateFeedOptions {
  std::string endpoint = "tcp://127.0.0.1:2691";  // the node's client port
  std::string feed_endpoint;                      // empty: endpoint's port + 1
  std::string group_key;                          // as in ClientOptions
  std::chrono::milliseconds timeout{10'000};      // per catch-up request
  // Runs for every op applied to the replica, in index order, exactly once
  // per index (ops inside a snapshot are not replayed). `state` is the
  // replica after the op.
  std::function<void(const LogEntry& entry, const Op& op, const ApplyResult& result,
                     const State& state)>
      on_op;
  // Runs after each snapshot is loaded (the first one too).
  std::function<void(std::uint64_t index, const State& state)> on_snapshot;
  // Test hook: discard every Nth frame the SUB delivers (0: none), as a slow
  // subscriber past its high-water mark would lose them, so tests can
  // exercise gap filling.
  std::uint32_t drop_every = 0;
};

struct StateFeedStats {
  std::uint64_t frames = 0;           // received on the SUB
  std::uint64_t dropped_by_hook = 0;  // drop_every
  std::uint64_t applied = 0;          // entries applied (ops and membership changes)
  std::uint64_t gaps_filled = 0;      // feed_ops requests answered
  std::uint64_t snapshots = 0;        // feed_snapshot requests answered
};

class StateFeed {
 public:
  // Subscribes, takes the first snapshot and returns a feed in step with
  // the node. Fails when the node cannot be reached or refuses the key.
  static Result<std::unique_ptr<StateFeed>> connect(StateFeedOptions options);
  ~StateFeed();

  // Receives for up to `wait` (0: only what is there), applies, fills gaps.
  // Returns once something was applied or the time is up; an error when
  // the node cannot be reached for a catch-up request.
  Status poll(std::chrono::milliseconds wait);

  const State& state() const;
  std::uint64_t index() const;  // the replica's log position
  std::uint64_t term() const;
  const StateFeedStats& stats() const;

 private:
  struct Impl;
  explicit StateFeed(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace desaster
