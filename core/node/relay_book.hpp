// What a node's relay knows of each of its own workers, so that it can
// register them with whichever node leads (and again with the next one):
// how each said hello, its free credit and the leases it holds. It mirrors
// the leader dispatcher's accounting: a lease push takes a slot, a report
// of a held lease gives it back, a credit message adds slots.
//
// Pure: no sockets, no clock (times are passed in).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/model/job.hpp"
#include "transport/protocol/messages.hpp"

namespace desaster {

class RelayBook {
 public:
  // A new worker; returns its key (unique on this node, never reused).
  std::string add(const protocol::WorkerHello& hello, TimeMs now);
  void remove(const std::string& key);
  bool contains(const std::string& key) const { return workers_.count(key) > 0; }
  std::size_t size() const { return workers_.size(); }

  void on_credit(const std::string& key, std::uint32_t slots, std::uint32_t withdraw, TimeMs now);
  void on_heartbeat(const std::string& key, TimeMs now);
  void on_report(const std::string& key, JobId id, TimeMs now);
  void on_lease(const std::string& key, JobId id, std::uint64_t term, std::uint32_t attempt);

  // The hello that registers the worker with a leader as it is now: its
  // free slots as credit, the leases it holds as `running`.
  std::optional<protocol::WorkerHello> registration(const std::string& key) const;
  std::vector<std::string> keys() const;
  // Workers silent for longer than timeout_ms: forgotten, their keys returned.
  std::vector<std::string> expire(TimeMs now, TimeMs timeout_ms);
  // This node did not run for `stalled` ms (a pause): no worker could be
  // heard meanwhile, so that time does not count as their silence.
  void excuse_silence(TimeMs stalled);
  std::uint32_t free_slots() const;
  std::size_t held_leases() const;

 private:
  struct Entry {
    protocol::WorkerHello hello;  // as the worker sent it (slots: its first credit)
    std::uint32_t free = 0;
    std::map<JobId, protocol::WorkerHello::HeldLease> held;
    TimeMs last_seen = 0;
  };
  Entry* find(const std::string& key);

  std::uint64_t next_number_ = 1;
  std::map<std::string, Entry> workers_;
};

}  // namespace desaster
