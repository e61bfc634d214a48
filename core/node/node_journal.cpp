// Recovery at start (journal, snapshot, node id, term) and a standalone node's
// snapshots. A clustered node's snapshots are the RaftDriver's.
#include "core/node/node_impl.hpp"

namespace desaster {

namespace {

// A commit this small runs on the loop thread when the journal is idle: one
// request's enqueue (~200 bytes with a 100-byte payload), or a round trip's
// lease and report together (~140). Larger commits are a busy node's (a
// drain's batches of leases and reports) and keep overlapping the loop's
// work on the pool: at 4 KiB, drains fell to 60-70 % (A/B on this machine).
constexpr std::size_t kInlineCommitBytes = 512;

}  // namespace

Status Node::Impl::recover() {
  Recovery recovery;
  JournalOptions journal_options;
  journal_options.truncate_corrupt = options.truncate_corrupt_journal;
  if (handover) journal_options.inherited_lock_fd = handover->release_lock();
  // Standalone: a lone small commit skips the thread pool (no Raft code
  // around the journal to re-enter from inside flush()).
  if (options.standalone) journal_options.inline_commit_bytes = kInlineCommitBytes;
  Result<std::unique_ptr<Journal>> opened =
      Journal::open(&loop, options.data_dir, journal_options, recovery);
  if (!opened.ok()) return opened.status();
  journal = std::move(*opened);
  for (const std::string& note : recovery.notes) log.warn("recovery: " + note);

  Result<std::string> id = load_or_create_node_id(options.data_dir);
  if (!id.ok()) return id.status();
  node_id = *id;
  log.set_node(node_id.substr(0, 8));

  std::uint64_t last_term = 0;
  if (recovery.snapshot) {
    // A clustered node's snapshot carries the membership too.
    Result<raft::StoredSnapshot> stored = raft::decode_stored_snapshot(recovery.snapshot->state);
    if (!stored.ok()) {
      return Status::error(ErrorCode::corrupt, "snapshot at index " +
                                                   std::to_string(recovery.snapshot->index) +
                                                   " does not decode: " + stored.status().message);
    }
    Result<State> restored = State::decode_snapshot(stored->data);
    if (!restored.ok()) {
      return Status::error(ErrorCode::corrupt,
                           "snapshot at index " + std::to_string(recovery.snapshot->index) +
                               " does not decode: " + restored.status().message);
    }
    state = std::move(*restored);
    last_term = recovery.snapshot->term;
  }
  proposer = std::make_unique<Proposer>(*journal, state, log, wall_clock_ms);
  if (!options.standalone) {
    // Raft hands the log's committed entries out again to be applied.
    start_raft(recovery);
  } else if (Status s = proposer->replay(recovery.entries); !s.ok()) {
    return s;
  }
  last_term = std::max({last_term, journal->last_term(), state.applied_term()});
  // A standalone node is a one-voter cluster that wins every election: each
  // start is a new term, so leases of the last run are told apart.
  if (raft) {
    proposer->set_term(raft->term());
    log.set_term(raft->term());
  } else {
    proposer->set_term(last_term + 1);
    log.set_term(last_term + 1);
  }

  std::uint32_t tag = 0;
  for (char c : node_id) tag = tag * 31 + static_cast<unsigned char>(c);
  ids = std::make_unique<JobIdGenerator>(tag);
  ids->observe(state.max_job_id());

  StateCounts counts = state.counts();
  log.info("recovered " + std::to_string(counts.total()) + " jobs up to index " +
           std::to_string(state.applied_index()) +
           (recovery.snapshot ? " (snapshot at " + std::to_string(recovery.snapshot->index) + ", " +
                                    std::to_string(recovery.entries.size()) + " entries after it)"
                              : " (" + std::to_string(recovery.entries.size()) + " entries)"));
  return {};
}

void Node::Impl::maybe_snapshot() {
  if (snapshot_in_flight || journal->bytes_since_snapshot() < options.snapshot_bytes) return;
  snapshot_in_flight = true;
  Snapshot snapshot{state.applied_index(), state.applied_term(), state.encode_snapshot()};
  log.info("writing a snapshot at index " + std::to_string(snapshot.index) + " (" +
           std::to_string(snapshot.state.size()) + " bytes)");
  journal->write_snapshot(std::move(snapshot), [this](const Status& status) {
    snapshot_in_flight = false;
    if (!status.ok()) log.error("snapshot failed: " + status.message);
  });
}

}  // namespace desaster
