// Log replication: the leader's appends (pipelined within each member's
// inflight window, batched up to max_append_bytes), heartbeats, snapshots
// for members too far behind, the followers' side, and commit by majority.
#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "core/cluster/raft.hpp"

namespace desaster::raft {

void Raft::append_as_leader(std::vector<LogEntry> entries) {
  for (LogEntry& e : entries) log_.append(std::move(e));
  broadcast_append();
  maybe_commit();  // nothing yet unless persisted; kept for symmetry with advance()
}

bool Raft::send_append(const NodeId& to, bool send_if_empty) {
  auto it = progress_.find(to);
  if (it == progress_.end()) return false;
  Progress& pr = it->second;
  if (pr.paused()) return false;
  const std::uint64_t prev = pr.next() - 1;
  const std::optional<std::uint64_t> prev_term = log_.term_at(prev);
  if (!prev_term || prev < log_.snapshot_index()) {
    // What the member needs was compacted away: send the snapshot.
    send({.type = MessageType::snapshot, .to = to, .snapshot = snapshot_});
    pr.become_snapshot(snapshot_.meta.index);
    return true;
  }
  std::vector<LogEntry> entries = log_.slice(pr.next(), config_.max_append_bytes);
  if (entries.empty() && !send_if_empty) return false;
  const std::uint64_t last = entries.empty() ? prev : entries.back().index;
  send({.type = MessageType::append,
        .to = to,
        .log_term = *prev_term,
        .index = prev,
        .commit = log_.committed(),
        .entries = std::move(entries)});
  if (last > prev || pr.state() == ProgressState::probe) pr.sent(last);
  return true;
}

void Raft::broadcast_append() {
  for (const auto& [id, pr] : progress_) {
    // Fill the member's window now rather than one append per round trip.
    if (send_append(id, true)) {
      while (send_append(id, false)) {
      }
    }
  }
}

void Raft::broadcast_heartbeat() {
  for (const auto& [id, pr] : progress_) {
    // Never past what the member holds: its log may still differ beyond.
    send({.type = MessageType::heartbeat,
          .to = id,
          .commit = std::min(pr.match(), log_.committed())});
  }
}

void Raft::handle_append(const Message& m) {
  if (m.index < log_.committed()) {
    send({.type = MessageType::append_response, .to = m.from, .index = log_.committed()});
    return;
  }
  if (!log_.matches(m.index, m.log_term)) {
    const std::uint64_t hint = std::min(m.index, log_.last_index());
    send({.type = MessageType::append_response,
          .to = m.from,
          .log_term = log_.term_at(hint).value_or(0),
          .index = m.index,
          .reject = true,
          .reject_hint = hint});
    return;
  }
  const std::uint64_t conflict = log_.append_after(m.index, m.entries);
  if (conflict != 0 && conflict <= log_.committed()) {
    // Raft's safety argument says this cannot happen; continuing would
    // apply two different entries at one index.
    std::fprintf(stderr, "raft %s: entry %llu conflicts with the committed log\n",
                 config_.id.hex().c_str(), static_cast<unsigned long long>(conflict));
    std::abort();
  }
  const std::uint64_t last_new = m.index + m.entries.size();
  log_.commit_to(std::min(m.commit, last_new));
  send({.type = MessageType::append_response, .to = m.from, .index = last_new});
}

void Raft::handle_heartbeat(const Message& m) {
  log_.commit_to(m.commit);
  send({.type = MessageType::heartbeat_response, .to = m.from});
}

void Raft::handle_snapshot(const Message& m) {
  const Snapshot& s = *m.snapshot;
  if (s.meta.index <= log_.committed()) {
    send({.type = MessageType::append_response, .to = m.from, .index = log_.committed()});
    return;
  }
  if (log_.matches(s.meta.index, s.meta.term)) {
    // We hold the log up to the snapshot already: only the commit is news.
    log_.commit_to(s.meta.index);
    send({.type = MessageType::append_response, .to = m.from, .index = log_.committed()});
    return;
  }
  log_.restore(s.meta);
  conf_ = s.meta.conf;
  conf_index_ = s.meta.index;
  snapshot_ = s;
  received_snapshot_ = s;
  send({.type = MessageType::append_response, .to = m.from, .index = log_.last_index()});
}

void Raft::handle_append_response(const Message& m) {
  auto it = progress_.find(m.from);
  if (it == progress_.end()) return;
  Progress& pr = it->second;
  pr.recent_active = true;
  if (m.reject) {
    if (pr.decrease_to(m.index, m.reject_hint)) {
      if (pr.state() == ProgressState::replicate) pr.become_probe();
      send_append(m.from, true);
    }
    return;
  }
  const bool was_paused = pr.paused();
  if (!pr.update(m.index)) return;
  switch (pr.state()) {
    case ProgressState::probe:
      pr.become_replicate();
      break;
    case ProgressState::snapshot:
      if (pr.match() >= pr.pending_snapshot()) {
        pr.become_probe();
        pr.become_replicate();
      }
      break;
    case ProgressState::replicate:
      break;
  }
  if (maybe_commit()) {
    broadcast_append();
  } else if (was_paused) {
    send_append(m.from, true);
  }
  while (send_append(m.from, false)) {
  }
  maybe_send_timeout_now(m.from);
}

void Raft::handle_heartbeat_response(const Message& m) {
  auto it = progress_.find(m.from);
  if (it == progress_.end()) return;
  Progress& pr = it->second;
  pr.recent_active = true;
  pr.heard_heartbeat();
  if (pr.match() < log_.last_index()) send_append(m.from, true);
}

bool Raft::maybe_commit() {
  if (role_ != Role::leader || conf_.voters.empty()) return false;
  std::vector<std::uint64_t> matches;
  matches.reserve(conf_.voters.size());
  for (const NodeId& voter : conf_.voters) matches.push_back(match_of(voter));
  std::sort(matches.begin(), matches.end(), std::greater<>());
  const std::uint64_t majority = matches[quorum() - 1];
  // Only an entry of our own term commits by counting (Raft §5.4.2);
  // earlier ones commit with it.
  if (majority <= log_.committed() || log_.term_at(majority) != term_) return false;
  log_.commit_to(majority);
  return true;
}

}  // namespace desaster::raft
