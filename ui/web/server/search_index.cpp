#include "ui/web/server/search_index.hpp"

#include <algorithm>
#include <array>
#include <limits>

namespace desaster::web {

namespace {

// Pages of the walk that rebuild() reads every job with.
constexpr std::size_t kRebuildPage = 65'536;

unsigned char fold(unsigned char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c - 'A' + 'a') : c;
}

std::uint32_t bucket_of(unsigned char a, unsigned char b, unsigned char c) {
  const std::uint32_t t = (std::uint32_t{a} << 16) | (std::uint32_t{b} << 8) | c;
  return (t * 0x9E3779B1u) >> (32 - SearchIndex::kBucketBits);
}

// The id as the state's search reads it (format_job_id, without allocating).
std::string_view id_text(JobId id, std::array<char, 16>& buffer) {
  constexpr char kHex[] = "0123456789abcdef";
  for (int i = 15; i >= 0; --i, id >>= 4) buffer[static_cast<std::size_t>(i)] = kHex[id & 0xf];
  return {buffer.data(), buffer.size()};
}

// Calls f(text) for each text of job that search reads, one field at a time
// (a match never spans two fields).
template <typename F>
void for_each_text(const Job& job, F&& f) {
  std::array<char, 16> buffer;
  f(id_text(job.id, buffer));
  f(std::string_view(job.job_class));
  f(std::string_view(job.last_error));
  f(std::string_view(job.payload));
  f(std::string_view(job.output_tail));
  f(std::string_view(job.unique_key));
}

void add_buckets(std::string_view text, std::vector<std::uint32_t>& out) {
  for (std::size_t i = 0; i + 2 < text.size(); ++i) {
    out.push_back(bucket_of(fold(static_cast<unsigned char>(text[i])),
                            fold(static_cast<unsigned char>(text[i + 1])),
                            fold(static_cast<unsigned char>(text[i + 2]))));
  }
}

// Keeps the slots of `have` that are also in `list` (both ascending).
void intersect(std::vector<std::uint32_t>& have, const std::vector<std::uint32_t>& list) {
  std::size_t kept = 0;
  if (list.size() > 16 * have.size()) {
    // Few candidates against a long list: binary searches, each from the last hit on.
    auto from = list.begin();
    for (std::uint32_t slot : have) {
      from = std::lower_bound(from, list.end(), slot);
      if (from == list.end()) break;
      if (*from == slot) have[kept++] = slot;
    }
  } else {
    auto it = list.begin();
    for (std::uint32_t slot : have) {
      while (it != list.end() && *it < slot) ++it;
      if (it == list.end()) break;
      if (*it == slot) have[kept++] = slot;
    }
  }
  have.resize(kept);
}

}  // namespace

std::uint64_t search_text_hash(const Job& job) {
  // FNV-1a over each text and its length, so moving bytes between fields
  // changes the hash too.
  std::uint64_t h = 0xcbf29ce484222325ull;
  auto mix = [&h](unsigned char c) {
    h ^= c;
    h *= 0x100000001b3ull;
  };
  for_each_text(job, [&](std::string_view text) {
    for (char c : text) mix(static_cast<unsigned char>(c));
    for (std::size_t n = text.size(), i = 0; i < 8; ++i, n >>= 8)
      mix(static_cast<unsigned char>(n & 0xff));
  });
  return h;
}

SearchIndex::SearchIndex(std::size_t compact_after)
    : postings_(kBuckets), compact_after_(compact_after) {}

void SearchIndex::rebuild(const State& state) {
  slot_job_.clear();
  slot_hash_.clear();
  slot_of_.clear();
  for (auto& list : postings_) std::vector<std::uint32_t>().swap(list);
  live_ = 0;
  ListQuery all;
  all.limit = kRebuildPage;
  for (;;) {
    const ListPage page = state.list(all);
    for (const Job* job : page.jobs) add(*job, search_text_hash(*job));
    if (page.cursor.empty()) break;
    all.cursor = page.cursor;
  }
}

void SearchIndex::apply(const ApplyResult& result, const State& state) {
  for (const JobEvent& e : result.events) {
    if (e.removed) {
      drop(e.id);
    } else {
      update(e.id, state);
    }
  }
  if (dead_slots() >= compact_after_ && dead_slots() > live_) compact();
}

void SearchIndex::update(JobId id, const State& state) {
  const Job* job = state.find(id);
  if (job == nullptr) return drop(id);
  const std::uint64_t hash = search_text_hash(*job);
  if (auto it = slot_of_.find(id); it != slot_of_.end()) {
    if (slot_hash_[it->second] == hash) return;  // the same texts: the same trigrams
    drop(id);
  }
  add(*job, hash);
}

void SearchIndex::drop(JobId id) {
  auto it = slot_of_.find(id);
  if (it == slot_of_.end()) return;
  slot_job_[it->second] = 0;
  slot_of_.erase(it);
  --live_;
}

void SearchIndex::add(const Job& job, std::uint64_t hash) {
  if (slot_job_.size() == std::numeric_limits<std::uint32_t>::max()) compact();
  const auto slot = static_cast<std::uint32_t>(slot_job_.size());
  slot_job_.push_back(job.id);
  slot_hash_.push_back(hash);
  slot_of_[job.id] = slot;
  ++live_;
  scratch_.clear();
  for_each_text(job, [&](std::string_view text) { add_buckets(text, scratch_); });
  std::sort(scratch_.begin(), scratch_.end());
  scratch_.erase(std::unique(scratch_.begin(), scratch_.end()), scratch_.end());
  for (std::uint32_t b : scratch_) postings_[b].push_back(slot);
}

void SearchIndex::compact() {
  // New slot numbers in the old order, so every list stays sorted.
  std::vector<std::uint32_t> renumber(slot_job_.size());
  std::vector<JobId> jobs;
  std::vector<std::uint64_t> hashes;
  jobs.reserve(live_);
  hashes.reserve(live_);
  for (std::size_t s = 0; s < slot_job_.size(); ++s) {
    if (slot_job_[s] == 0) continue;
    renumber[s] = static_cast<std::uint32_t>(jobs.size());
    jobs.push_back(slot_job_[s]);
    hashes.push_back(slot_hash_[s]);
  }
  for (auto& list : postings_) {
    std::size_t kept = 0;
    for (std::uint32_t s : list) {
      if (slot_job_[s] != 0) list[kept++] = renumber[s];
    }
    list.resize(kept);
    list.shrink_to_fit();
  }
  for (auto& [id, slot] : slot_of_) slot = renumber[slot];
  slot_job_ = std::move(jobs);
  slot_hash_ = std::move(hashes);
}

std::optional<std::vector<JobId>> SearchIndex::candidates(std::string_view needle,
                                                          std::size_t max) const {
  if (needle.size() < kMinNeedle) return std::nullopt;
  std::vector<std::uint32_t> buckets;
  add_buckets(needle, buckets);
  std::sort(buckets.begin(), buckets.end());
  buckets.erase(std::unique(buckets.begin(), buckets.end()), buckets.end());
  std::vector<const std::vector<std::uint32_t>*> lists;
  for (std::uint32_t b : buckets) lists.push_back(&postings_[b]);
  std::sort(lists.begin(), lists.end(), [](auto* a, auto* b) { return a->size() < b->size(); });
  std::vector<std::uint32_t> slots;
  slots.reserve(lists.front()->size());
  for (std::uint32_t s : *lists.front()) {
    if (slot_job_[s] != 0) slots.push_back(s);
  }
  for (std::size_t i = 1; i < lists.size() && !slots.empty(); ++i) intersect(slots, *lists[i]);
  if (slots.size() > max) return std::nullopt;
  std::vector<JobId> ids;
  ids.reserve(slots.size());
  for (std::uint32_t s : slots) ids.push_back(slot_job_[s]);
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::size_t SearchIndex::memory_bytes() const {
  std::size_t bytes = postings_.capacity() * sizeof(postings_[0]);
  for (const auto& list : postings_) bytes += list.capacity() * sizeof(std::uint32_t);
  bytes += slot_job_.capacity() * sizeof(JobId) + slot_hash_.capacity() * sizeof(std::uint64_t);
  // A node of the map: the pair, the next pointer and the cached hash; plus a bucket.
  bytes += slot_of_.size() * (sizeof(std::pair<JobId, std::uint32_t>) + 2 * sizeof(void*)) +
           slot_of_.bucket_count() * sizeof(void*);
  return bytes;
}

}  // namespace desaster::web
