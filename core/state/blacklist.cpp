#include "core/state/blacklist.hpp"

#include <chrono>
#include <cstdio>
#include <limits>

namespace desaster {

namespace {

TimeMs expiry_of(TimeMs seen_at, std::uint64_t window_ms) {
  constexpr TimeMs kMax = std::numeric_limits<TimeMs>::max();
  if (window_ms > static_cast<std::uint64_t>(kMax) ||
      seen_at > kMax - static_cast<TimeMs>(window_ms))
    return kMax;
  return seen_at + static_cast<TimeMs>(window_ms);
}

}  // namespace

const BlacklistEntry* Blacklists::find(std::string_view queue, std::string_view identity) const {
  auto q = queues_.find(queue);
  if (q == queues_.end()) return nullptr;
  auto it = q->second.entries.find(identity);
  return it == q->second.entries.end() ? nullptr : &it->second;
}

void Blacklists::record(const std::string& queue, const std::string& identity, JobId job,
                        TimeMs now, std::uint64_t window_ms, bool processed) {
  if (window_ms == 0) return;
  PerQueue& q = queues_[queue];
  auto [it, inserted] = q.entries.try_emplace(identity);
  BlacklistEntry& e = it->second;
  if (!inserted) expiry_.erase({e.expires_at, queue, identity});
  e = BlacklistEntry{identity, job, now, expiry_of(now, window_ms), processed};
  expiry_.emplace(e.expires_at, queue, identity);
}

void Blacklists::erase(PerQueue& q, const std::string& queue_name,
                       std::map<std::string, BlacklistEntry, std::less<>>::iterator it) {
  expiry_.erase({it->second.expires_at, queue_name, it->first});
  q.entries.erase(it);
}

void Blacklists::expire(TimeMs now) {
  while (!expiry_.empty() && std::get<0>(*expiry_.begin()) <= now) {
    auto node = expiry_.extract(expiry_.begin());
    const auto& [at, queue, identity] = node.value();
    auto q = queues_.find(queue);
    if (q != queues_.end()) q->second.entries.erase(identity);
  }
}

void Blacklists::set_window(std::string_view queue, std::uint64_t window_ms) {
  auto q = queues_.find(queue);
  if (q == queues_.end()) return;
  for (auto it = q->second.entries.begin(); it != q->second.entries.end();) {
    BlacklistEntry& e = it->second;
    expiry_.erase({e.expires_at, q->first, it->first});
    if (window_ms == 0) {
      it = q->second.entries.erase(it);
      continue;
    }
    e.expires_at = expiry_of(e.seen_at, window_ms);
    expiry_.emplace(e.expires_at, q->first, it->first);
    ++it;
  }
}

std::size_t Blacklists::clear(std::string_view queue, std::string_view identity) {
  std::size_t removed = 0;
  for (auto& [name, q] : queues_) {
    if (!queue.empty() && name != queue) continue;
    if (!identity.empty()) {
      auto it = q.entries.find(identity);
      if (it != q.entries.end()) {
        erase(q, name, it);
        ++removed;
      }
      continue;
    }
    removed += q.entries.size();
    while (!q.entries.empty()) erase(q, name, q.entries.begin());
  }
  return removed;
}

void Blacklists::drop_queue(std::string_view queue) {
  clear(queue, {});
  if (auto q = queues_.find(queue); q != queues_.end()) queues_.erase(q);
}

void Blacklists::count_rejection(const std::string& queue) {
  ++queues_[queue].rejections;
}

std::uint64_t Blacklists::rejections(std::string_view queue) const {
  auto q = queues_.find(queue);
  return q == queues_.end() ? 0 : q->second.rejections;
}

std::vector<QueueBlacklist> Blacklists::list(std::string_view queue, std::string_view search,
                                             std::size_t limit) const {
  std::vector<QueueBlacklist> out;
  for (const auto& [name, q] : queues_) {
    if (!queue.empty() && name != queue) continue;
    if (q.entries.empty() && q.rejections == 0) continue;
    QueueBlacklist item{name, 0, q.rejections, {}};
    for (const auto& [identity, entry] : q.entries) {
      if (item.entries.size() >= limit) break;
      if (search.empty() || identity.find(search) != std::string::npos)
        item.entries.push_back(entry);
    }
    out.push_back(std::move(item));
  }
  return out;
}

void Blacklists::restore(const QueueBlacklist& queue) {
  PerQueue& q = queues_[queue.queue];
  q.rejections = queue.rejections;
  for (const BlacklistEntry& e : queue.entries) {
    auto [it, inserted] = q.entries.try_emplace(e.identity, e);
    if (!inserted) continue;
    expiry_.emplace(e.expires_at, queue.queue, e.identity);
  }
}

std::string format_utc_ms(TimeMs ms) {
  using namespace std::chrono;
  sys_time<milliseconds> t{milliseconds(ms)};
  sys_days day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss<milliseconds> time{t - day};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(time.hours().count()),
                static_cast<int>(time.minutes().count()), static_cast<int>(time.seconds().count()),
                static_cast<int>(time.subseconds().count()));
  return buf;
}

}  // namespace desaster
