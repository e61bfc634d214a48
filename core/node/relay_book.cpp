#include "core/node/relay_book.hpp"

#include <algorithm>

namespace desaster {

RelayBook::Entry* RelayBook::find(const std::string& key) {
  auto it = workers_.find(key);
  return it == workers_.end() ? nullptr : &it->second;
}

std::string RelayBook::add(const protocol::WorkerHello& hello, TimeMs now) {
  std::string key = "w" + std::to_string(next_number_++);
  Entry entry;
  entry.hello = hello;
  entry.hello.running.clear();
  entry.free = hello.slots;
  entry.last_seen = now;
  workers_.emplace(key, std::move(entry));
  return key;
}

void RelayBook::remove(const std::string& key) {
  workers_.erase(key);
}

void RelayBook::on_credit(const std::string& key, std::uint32_t slots, std::uint32_t withdraw,
                          TimeMs now) {
  if (Entry* e = find(key)) {
    e->free += slots;
    e->free -= std::min(e->free, withdraw);
    e->last_seen = now;
  }
}

void RelayBook::on_heartbeat(const std::string& key, TimeMs now) {
  if (Entry* e = find(key)) e->last_seen = now;
}

// As the dispatcher: only a report of a lease it holds frees a slot, so a
// report sent twice cannot add credit the worker does not have.
void RelayBook::on_report(const std::string& key, JobId id, TimeMs now) {
  Entry* e = find(key);
  if (!e) return;
  e->last_seen = now;
  if (e->held.erase(id) > 0) ++e->free;
}

void RelayBook::on_lease(const std::string& key, JobId id, std::uint64_t term,
                         std::uint32_t attempt) {
  Entry* e = find(key);
  if (!e) return;
  auto [it, added] =
      e->held.insert_or_assign(id, protocol::WorkerHello::HeldLease{id, term, attempt});
  (void)it;
  // The same job leased again (a new attempt) holds the same slot.
  if (added && e->free > 0) --e->free;
}

std::optional<protocol::WorkerHello> RelayBook::registration(const std::string& key) const {
  auto it = workers_.find(key);
  if (it == workers_.end()) return std::nullopt;
  protocol::WorkerHello hello = it->second.hello;
  hello.slots = it->second.free;
  for (const auto& [id, lease] : it->second.held) hello.running.push_back(lease);
  return hello;
}

std::vector<std::string> RelayBook::keys() const {
  std::vector<std::string> keys;
  keys.reserve(workers_.size());
  for (const auto& [key, entry] : workers_) keys.push_back(key);
  return keys;
}

std::vector<std::string> RelayBook::expire(TimeMs now, TimeMs timeout_ms) {
  std::vector<std::string> gone;
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (now - it->second.last_seen > timeout_ms) {
      gone.push_back(it->first);
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
  return gone;
}

void RelayBook::excuse_silence(TimeMs stalled) {
  for (auto& [key, entry] : workers_) entry.last_seen += stalled;
}

std::uint32_t RelayBook::free_slots() const {
  std::uint64_t free = 0;
  for (const auto& [key, entry] : workers_) free += entry.free;
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(free, UINT32_MAX));
}

std::size_t RelayBook::held_leases() const {
  std::size_t held = 0;
  for (const auto& [key, entry] : workers_) held += entry.held.size();
  return held;
}

}  // namespace desaster
