// The HTTP requests waiting for a worker, in the order they get one. Each
// waits in a flow: the empty flow for queues whose qdisc is not sfq (one
// FIFO, arrival order), else the client's address or Host (--http-flow).
// Flows take turns, one request a turn and FIFO within a flow (deficit round
// robin with a quantum of one, as core/qdisc/sfq_qdisc.hpp does for stored
// jobs): a client with a thousand requests waiting delays another client's
// first one by at most one request per flow, not by a thousand.
//
// Pure: no clock (deadlines are the caller's numbers), no I/O; a template
// so that tests can use plain values. Threading: one thread.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace desaster::http_front {

// How long a request joining the wait queue now would wait, from what the
// oldest waiting request went through: it has waited age_ms while the
// `ahead` requests queued before it started, so the queue drains at about
// ahead / age_ms, and a newcomer behind `waiting` requests waits about
// waiting * age_ms / ahead. Measured over that request's whole wait, so a
// short stall of the machine moves it little. With nothing ahead of the
// oldest, its age (a lower bound).
inline std::uint64_t expected_wait_ms(std::uint64_t age_ms, std::size_t ahead,
                                      std::size_t waiting) {
  if (ahead == 0) return age_ms;
  // Saturates instead of overflowing (the caller's figures are bounded
  // anyway: the age by the queue timeout, waiting by --http-queue).
  if (waiting != 0 && age_ms > UINT64_MAX / waiting) return UINT64_MAX;
  return age_ms * waiting / ahead;
}

template <typename T>
class WaitQueue {
 public:
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // A newcomer: last in its flow; a new flow joins the ring at the back.
  // key names what a refusal to start it depends on (the request's queue).
  void push_back(const std::string& flow, T item, std::string key = {}) {
    auto [it, added] = flows_.try_emplace(flow);
    if (added) ring_.push_back(flow);
    ++keys_[key];
    it->second.push_back(Entry{std::move(item), std::move(key)});
    ++size_;
  }
  // A request tried again after its worker died: first in its flow, and
  // its flow's turn comes first.
  void push_front(const std::string& flow, T item, std::string key = {}) {
    auto [it, added] = flows_.try_emplace(flow);
    ring_.erase(std::remove(ring_.begin(), ring_.end(), flow), ring_.end());
    ring_.push_front(flow);
    ++keys_[key];
    it->second.push_front(Entry{std::move(item), std::move(key)});
    ++size_;
  }

  // Offers waiting items in turn order to start(item), which returns true
  // when the item started (it leaves; its flow's turn passes to the back of
  // the ring). An item whose queue has no free worker keeps its place and
  // the next is offered. gone(item): drop it unoffered (its client left).
  // Once one item is refused, the others of its key keep their places
  // unoffered (and unlooked-at: the key is stored beside each item, so
  // passing over a thousand waiting requests reads no request) until the
  // next drain: a long wait queue costs one refusal per key, not one per
  // waiting item, each time a worker frees.
  // start may push items (a retry) while it runs. Ends when a whole round
  // starts nothing.
  template <typename Start, typename Gone>
  void drain(Start start, Gone gone) {
    std::vector<std::string> refused;
    const auto is_refused = [&](const Entry& e) {
      return std::find(refused.begin(), refused.end(), e.key) != refused.end();
    };
    bool progress = true;
    while (progress && size_ > 0) {
      progress = false;
      for (std::size_t turn = 0; turn < ring_.size() && !progress;) {
        const std::string flow = ring_[turn];
        auto f = flows_.find(flow);
        for (std::size_t i = 0; f != flows_.end() && i < f->second.size();) {
          const Entry& e = f->second[i];
          if (is_refused(e)) {
            ++i;
            continue;
          }
          if (gone(e.item)) {
            erase_at(flow, i);
            f = flows_.find(flow);
            continue;
          }
          const T item = e.item;  // start may push to this flow
          const std::string key = e.key;
          if (start(item)) {
            // start may have pushed (the same item, retried): remove one
            // copy of it from its flow, wherever it is now.
            erase_one(flow, item);
            rotate(flow);
            progress = true;
            break;
          }
          refused.push_back(key);
          // Every key that has waiting items refused: nothing more can
          // start, and the rest need not be passed over one by one (with
          // one queue, all of them after the first refusal).
          if (refused.size() >= keys_.size() &&
              std::all_of(keys_.begin(), keys_.end(), [&](const auto& k) {
                return std::find(refused.begin(), refused.end(), k.first) != refused.end();
              }))
            return;
          ++i;
        }
        // A flow that emptied left the ring: the next one is at this turn.
        if (turn < ring_.size() && ring_[turn] == flow) ++turn;
      }
    }
  }

  // Takes out every item whose deadline(item) <= now or that gone(item),
  // oldest first within each flow, and hands the expired ones to expired.
  template <typename Deadline, typename Gone, typename Expired>
  void expire(std::uint64_t now, Deadline deadline, Gone gone, Expired expired) {
    std::vector<T> out;
    for (auto f = flows_.begin(); f != flows_.end();) {
      auto& items = f->second;
      items.erase(std::remove_if(items.begin(), items.end(),
                                 [&](const Entry& e) {
                                   if (gone(e.item)) return true;
                                   if (deadline(e.item) > now) return false;
                                   out.push_back(e.item);
                                   return true;
                                 }),
                  items.end());
      f = items.empty() ? drop_flow(f) : std::next(f);
    }
    size_ = 0;
    keys_.clear();
    for (const auto& [flow, items] : flows_) {
      size_ += items.size();
      for (const Entry& e : items) ++keys_[e.key];
    }
    for (T& item : out) expired(item);
  }

  // The earliest deadline among the waiting items, read off each flow's
  // first item: deadlines are arrival plus one timeout, so a flow is in
  // deadline order (a retried request, put first, arrived before the rest
  // of its flow). One look per flow, not per waiting request.
  template <typename Deadline>
  std::optional<std::uint64_t> earliest(Deadline deadline) const {
    std::optional<std::uint64_t> first;
    for (const auto& [flow, items] : flows_) {
      if (items.empty()) continue;
      const std::uint64_t d = deadline(items.front().item);
      if (!first || d < *first) first = d;
    }
    return first;
  }

  // The item with the earliest arrival(item) among each flow's first (as
  // earliest), or null when nothing waits.
  template <typename Arrival>
  const T* oldest(Arrival arrival) const {
    const T* first = nullptr;
    for (const auto& [flow, items] : flows_) {
      if (items.empty()) continue;
      if (!first || arrival(items.front().item) < arrival(*first)) first = &items.front().item;
    }
    return first;
  }

  // Everything, in turn order; the queue is left empty.
  std::vector<T> take_all() {
    std::vector<T> out;
    for (const std::string& flow : ring_)
      for (Entry& e : flows_[flow]) out.push_back(std::move(e.item));
    flows_.clear();
    ring_.clear();
    keys_.clear();
    size_ = 0;
    return out;
  }

 private:
  struct Entry {
    T item;
    std::string key;
  };
  using Flows = std::map<std::string, std::deque<Entry>>;

  typename Flows::iterator drop_flow(typename Flows::iterator f) {
    ring_.erase(std::remove(ring_.begin(), ring_.end(), f->first), ring_.end());
    return flows_.erase(f);
  }
  void erase_at(const std::string& flow, std::size_t i) {
    auto f = flows_.find(flow);
    const auto at = f->second.begin() + static_cast<std::ptrdiff_t>(i);
    if (auto k = keys_.find(at->key); k != keys_.end() && --k->second == 0) keys_.erase(k);
    f->second.erase(at);
    --size_;
    if (f->second.empty()) drop_flow(f);
  }
  void erase_one(const std::string& flow, const T& item) {
    auto f = flows_.find(flow);
    if (f == flows_.end()) return;
    auto at = std::find_if(f->second.begin(), f->second.end(),
                           [&](const Entry& e) { return e.item == item; });
    if (at == f->second.end()) return;
    erase_at(flow, static_cast<std::size_t>(at - f->second.begin()));
  }
  // The flow had its turn: to the back of the ring (if it still waits).
  void rotate(const std::string& flow) {
    if (flows_.find(flow) == flows_.end()) return;
    ring_.erase(std::remove(ring_.begin(), ring_.end(), flow), ring_.end());
    ring_.push_back(flow);
  }

  Flows flows_;
  std::deque<std::string> ring_;  // flows with waiting items, whose turn is next first
  std::size_t size_ = 0;
  std::map<std::string, std::size_t> keys_;  // waiting items per key (drain's early end)
};

}  // namespace desaster::http_front
