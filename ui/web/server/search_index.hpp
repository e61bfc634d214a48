// desaster-web's full-text index of its replica: which jobs may contain a
// search text, so /api/jobs?search=... reads a few candidates instead of
// scanning every job (State::list() has no index for search and scans).
//
// A trigram index over the texts the state's search reads (the id as 16 hex
// digits, class, last error, payload, output tail, unique key), each field
// on its own and folded to ASCII lower case as FoldedSearch folds it. Every
// trigram is hashed into one of kBuckets posting lists of job slots; a
// needle's candidates are the slots in the lists of all its trigrams. A
// collision or a stale slot only adds a candidate: callers check every
// candidate against the job's current text (search_page.hpp), so the index
// may over-answer but never misses a job whose text it has seen.
//
// Kept incrementally from the feed: apply() after each op re-reads the jobs
// its events name (a job whose texts did not change keeps its slot; a
// changed one gets a new slot, the old one dies; a removed one dies), and
// rebuild() after a snapshot. Dead slots are dropped from the lists when
// they outnumber the live ones (compact()). Not thread-safe: the Replica
// changes it under its exclusive state lock and reads it under the shared one.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/state/state.hpp"

namespace desaster::web {

class SearchIndex {
 public:
  static constexpr std::size_t kBucketBits = 18;
  static constexpr std::size_t kBuckets = std::size_t{1} << kBucketBits;
  // Needles shorter than a trigram have no trigram to look up.
  static constexpr std::size_t kMinNeedle = 3;

  // Dead slots are dropped once they are at least compact_after and
  // outnumber the live ones.
  explicit SearchIndex(std::size_t compact_after = 65'536);

  // Forgets everything and indexes every job of state.
  void rebuild(const State& state);
  // After an op: indexes again the jobs whose events it lists.
  void apply(const ApplyResult& result, const State& state);
  // Indexes (or drops, when state has no such job) one job.
  void update(JobId id, const State& state);

  // The ids of the jobs whose text may contain needle (case-insensitive
  // ASCII), ascending; nullopt when the index cannot narrow the search
  // (needle shorter than kMinNeedle) or more than `max` jobs may match.
  std::optional<std::vector<JobId>> candidates(std::string_view needle, std::size_t max) const;

  std::size_t jobs() const { return live_; }
  std::size_t dead_slots() const { return slot_job_.size() - live_; }
  // Bytes the index holds (approximate: vectors' capacities and the map's nodes).
  std::size_t memory_bytes() const;

 private:
  void drop(JobId id);
  void add(const Job& job, std::uint64_t hash);
  void compact();

  // Slot -> job id (0: dead). Slots are handed out in increasing order, so
  // every posting list is sorted.
  std::vector<JobId> slot_job_;
  std::vector<std::uint64_t> slot_hash_;  // hash of the job's texts when indexed
  std::unordered_map<JobId, std::uint32_t> slot_of_;
  std::vector<std::vector<std::uint32_t>> postings_;  // kBuckets lists of slots
  std::size_t live_ = 0;
  std::size_t compact_after_;
  std::vector<std::uint32_t> scratch_;  // one job's buckets, reused
};

// The texts of a job that search reads, hashed: a change of any of them
// changes the hash (with 64-bit odds).
std::uint64_t search_text_hash(const Job& job);

}  // namespace desaster::web
