// An ordered set kept as a list of sorted chunks of at most kChunk values
// each, for the per-job indexes of core/state (query_index.hpp, the
// per-state id sets of state_impl.hpp) and the queues of core/qdisc
// (order_statistics.hpp). A std::set node costs 32 bytes of
// tree links plus malloc's header on top of its value (a 24-byte query
// entry takes a 64-byte block); here a value costs its own size plus the
// slack of partly filled chunks. Jobs enter these indexes mostly in
// ascending order (ids and timestamps grow), which appends to the last chunk
// and fills chunks completely.
//
// Insert and erase move at most one chunk's values and, when a chunk splits
// or empties, the chunk list; lookups are two binary searches. Every insert
// and erase invalidates all iterators: callers never change a set while
// walking it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <iterator>
#include <utility>
#include <vector>

namespace desaster {

template <typename T, typename Less = std::less<T>, std::size_t kChunk = 128>
class ChunkedSet {
  static_assert(kChunk >= 4);
  using Chunks = std::vector<std::vector<T>>;

 public:
  using value_type = T;

  class const_iterator {
   public:
    using iterator_category = std::bidirectional_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = const T*;
    using reference = const T&;

    const_iterator() = default;
    reference operator*() const { return (*chunks_)[chunk_][pos_]; }
    pointer operator->() const { return &**this; }
    const_iterator& operator++() {
      if (++pos_ == (*chunks_)[chunk_].size()) {
        ++chunk_;
        pos_ = 0;
      }
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator before = *this;
      ++*this;
      return before;
    }
    const_iterator& operator--() {
      if (pos_ == 0) {
        --chunk_;
        pos_ = (*chunks_)[chunk_].size() - 1;
      } else {
        --pos_;
      }
      return *this;
    }
    const_iterator operator--(int) {
      const_iterator before = *this;
      --*this;
      return before;
    }
    bool operator==(const const_iterator& o) const { return chunk_ == o.chunk_ && pos_ == o.pos_; }

   private:
    friend class ChunkedSet;
    const_iterator(const Chunks* chunks, std::size_t chunk, std::size_t pos)
        : chunks_(chunks), chunk_(chunk), pos_(pos) {}
    const Chunks* chunks_ = nullptr;
    std::size_t chunk_ = 0;  // chunks_->size() at the end
    std::size_t pos_ = 0;    // 0 at the end
  };
  using iterator = const_iterator;
  using const_reverse_iterator = std::reverse_iterator<const_iterator>;
  using reverse_iterator = const_reverse_iterator;

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const_iterator begin() const { return {&chunks_, 0, 0}; }
  const_iterator end() const { return {&chunks_, chunks_.size(), 0}; }
  const_reverse_iterator rbegin() const { return const_reverse_iterator(end()); }
  const_reverse_iterator rend() const { return const_reverse_iterator(begin()); }

  // The first value not less than v.
  const_iterator lower_bound(const T& v) const {
    std::size_t c = chunk_not_below(v);
    if (c == chunks_.size()) return end();
    const auto& chunk = chunks_[c];
    auto at = std::lower_bound(chunk.begin(), chunk.end(), v, Less{});
    return {&chunks_, c, static_cast<std::size_t>(at - chunk.begin())};
  }

  // The first value greater than v.
  const_iterator upper_bound(const T& v) const {
    auto it = std::partition_point(chunks_.begin(), chunks_.end(),
                                   [&](const std::vector<T>& c) { return !Less{}(v, c.back()); });
    if (it == chunks_.end()) return end();
    auto at = std::upper_bound(it->begin(), it->end(), v, Less{});
    return {&chunks_, static_cast<std::size_t>(it - chunks_.begin()),
            static_cast<std::size_t>(at - it->begin())};
  }

  // How many values are less than v: O(number of chunks), a sum of sizes
  // that sit next to each other in memory.
  std::size_t order_of_key(const T& v) const {
    std::size_t c = chunk_not_below(v);
    std::size_t before = 0;
    for (std::size_t i = 0; i < c; ++i) before += chunks_[i].size();
    if (c == chunks_.size()) return before;
    const auto& chunk = chunks_[c];
    return before + static_cast<std::size_t>(
                        std::lower_bound(chunk.begin(), chunk.end(), v, Less{}) - chunk.begin());
  }

  // False, and nothing changed, if an equivalent value is held.
  bool insert(const T& v) {
    if (chunks_.empty()) {
      chunks_.emplace_back().push_back(v);
      ++size_;
      return true;
    }
    std::size_t c = std::min(chunk_not_below(v), chunks_.size() - 1);
    auto* chunk = &chunks_[c];
    auto at = std::lower_bound(chunk->begin(), chunk->end(), v, Less{});
    if (at != chunk->end() && !Less{}(v, *at)) return false;
    std::size_t pos = static_cast<std::size_t>(at - chunk->begin());
    if (chunk->size() == kChunk) {
      if (pos == kChunk && c + 1 == chunks_.size()) {
        // Appending past the last full chunk: a new one, so chunks stay full.
        chunks_.emplace_back().push_back(v);
        ++size_;
        return true;
      }
      if (pos == 0 && c > 0 && chunks_[c - 1].size() < kChunk) {
        chunks_[c - 1].push_back(v);  // it lies between the two chunks
        ++size_;
        return true;
      }
      // Split: the upper half moves to a new chunk after this one.
      std::vector<T> upper(std::make_move_iterator(chunk->begin() + kChunk / 2),
                           std::make_move_iterator(chunk->end()));
      chunk->erase(chunk->begin() + kChunk / 2, chunk->end());
      chunks_.insert(chunks_.begin() + static_cast<std::ptrdiff_t>(c) + 1, std::move(upper));
      chunk = &chunks_[c];
      if (pos > kChunk / 2) {
        chunk = &chunks_[c + 1];
        pos -= kChunk / 2;
      }
    }
    // Grow by doubling up to a chunk's size, never past it.
    if (chunk->size() == chunk->capacity()) chunk->reserve(std::min(kChunk, chunk->size() * 2));
    chunk->insert(chunk->begin() + static_cast<std::ptrdiff_t>(pos), v);
    ++size_;
    return true;
  }

  template <typename... Args>
  bool emplace(Args&&... args) {
    return insert(T{std::forward<Args>(args)...});
  }

  // How many values were removed: 0 or 1.
  std::size_t erase(const T& v) {
    std::size_t c = chunk_not_below(v);
    if (c == chunks_.size()) return 0;
    auto& chunk = chunks_[c];
    auto at = std::lower_bound(chunk.begin(), chunk.end(), v, Less{});
    if (at == chunk.end() || Less{}(v, *at)) return 0;
    chunk.erase(at);
    --size_;
    if (chunk.empty()) {
      chunks_.erase(chunks_.begin() + static_cast<std::ptrdiff_t>(c));
    } else if (chunk.size() < kChunk / 4) {
      // Merge a sparse chunk into a neighbour that has room, so random
      // erasure cannot leave many nearly empty chunks behind.
      if (c + 1 < chunks_.size() && chunk.size() + chunks_[c + 1].size() <= kChunk) {
        merge_into(c, c + 1);
      } else if (c > 0 && chunk.size() + chunks_[c - 1].size() <= kChunk) {
        merge_into(c - 1, c);
      }
    }
    return 1;
  }

  void clear() {
    chunks_.clear();
    size_ = 0;
  }

 private:
  // The first chunk whose last value is not less than v.
  std::size_t chunk_not_below(const T& v) const {
    auto it = std::partition_point(chunks_.begin(), chunks_.end(),
                                   [&](const std::vector<T>& c) { return Less{}(c.back(), v); });
    return static_cast<std::size_t>(it - chunks_.begin());
  }

  // Moves chunk `from` (right after `into`) to the end of `into`.
  void merge_into(std::size_t into, std::size_t from) {
    auto& dst = chunks_[into];
    auto& src = chunks_[from];
    dst.insert(dst.end(), std::make_move_iterator(src.begin()), std::make_move_iterator(src.end()));
    chunks_.erase(chunks_.begin() + static_cast<std::ptrdiff_t>(from));
  }

  Chunks chunks_;  // each non-empty and sorted; all of chunk i before chunk i + 1
  std::size_t size_ = 0;
};

}  // namespace desaster
