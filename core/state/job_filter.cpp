#include "core/state/job_filter.hpp"

#include <array>

namespace desaster::state_detail {

namespace {

unsigned char fold(unsigned char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c - 'A' + 'a') : c;
}

// The id as format_job_id prints it, without allocating.
std::string_view id_text(JobId id, std::array<char, 16>& buffer) {
  constexpr char kHex[] = "0123456789abcdef";
  for (int i = 15; i >= 0; --i, id >>= 4) buffer[static_cast<std::size_t>(i)] = kHex[id & 0xf];
  return {buffer.data(), buffer.size()};
}

}  // namespace

FoldedSearch::FoldedSearch(std::string_view needle) {
  needle_.reserve(needle.size());
  for (char c : needle) needle_ += static_cast<char>(fold(static_cast<unsigned char>(c)));
  shift_.fill(needle_.size());
  for (std::size_t i = 0; i + 1 < needle_.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(needle_[i]);
    shift_[c] = needle_.size() - 1 - i;
    // Upper-case bytes of the haystack fold to c, so they shift the same.
    if (c >= 'a' && c <= 'z') shift_[c - 'a' + 'A'] = shift_[c];
  }
}

bool FoldedSearch::found_in(std::string_view hay) const {
  const std::size_t n = needle_.size();
  if (n == 0) return true;
  if (hay.size() < n) return false;
  const unsigned char last = static_cast<unsigned char>(needle_[n - 1]);
  std::size_t pos = 0;
  while (pos + n <= hay.size()) {
    unsigned char c = static_cast<unsigned char>(hay[pos + n - 1]);
    if (fold(c) == last) {
      std::size_t i = 0;
      while (i + 1 < n && fold(static_cast<unsigned char>(hay[pos + i])) ==
                              static_cast<unsigned char>(needle_[i]))
        ++i;
      if (i + 1 >= n) return true;
    }
    pos += shift_[c];
  }
  return false;
}

JobFilter::JobFilter(const ListQuery& query) : query_(query), search_(query.search) {
  needs_scan_ = !search_.empty() || !query.node.empty() || !query.flow.empty() ||
                query.attempts_min != 0 ||
                query.attempts_max != std::numeric_limits<std::uint32_t>::max() ||
                !query.created.unbounded() || !query.started.unbounded() ||
                !query.finished.unbounded() || !query.run_at.unbounded();
}

bool JobFilter::search_matches(const Job& job) const {
  std::array<char, 16> buffer;
  return search_.found_in(id_text(job.id, buffer)) || search_.found_in(job.job_class) ||
         search_.found_in(job.last_error) || search_.found_in(job.payload) ||
         search_.found_in(job.output_tail) || search_.found_in(job.unique_key);
}

bool JobFilter::matches(const Job& job) const {
  const ListQuery& q = query_;
  if (!q.job_class.empty() && job.job_class != q.job_class) return false;
  if (!needs_scan_) return true;
  if (job.attempts < q.attempts_min || job.attempts > q.attempts_max) return false;
  if (!q.created.contains(job.created_at) || !q.started.contains(job.started_at) ||
      !q.finished.contains(job.finished_at) || !q.run_at.contains(job.run_at))
    return false;
  if (!q.node.empty() && job.node != q.node) return false;
  if (!q.flow.empty() && (job.flow.empty() ? job.job_class : job.flow) != q.flow) return false;
  return search_.empty() || search_matches(job);
}

}  // namespace desaster::state_detail
