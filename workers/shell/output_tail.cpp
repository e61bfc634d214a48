// The output tail: a growing buffer that turns into a ring; see output_tail.hpp.
#include "workers/shell/output_tail.hpp"

#include <algorithm>

namespace desaster {

void OutputTail::append(std::string_view bytes) {
  total_ += bytes.size();
  if (buffer_.size() < capacity_) {
    const std::size_t fits = std::min(bytes.size(), capacity_ - buffer_.size());
    buffer_.append(bytes.substr(0, fits));
    bytes.remove_prefix(fits);
  }
  if (!bytes.empty()) append_to_ring(bytes);
}

void OutputTail::append_to_ring(std::string_view bytes) {
  if (bytes.size() >= capacity_) {
    // Only the newest capacity_ bytes can survive; lay them out from the start.
    buffer_.assign(bytes.substr(bytes.size() - capacity_));
    next_ = 0;
    return;
  }
  const std::size_t first = std::min(bytes.size(), capacity_ - next_);
  buffer_.replace(next_, first, bytes.substr(0, first));
  buffer_.replace(0, bytes.size() - first, bytes.substr(first));
  next_ = (next_ + bytes.size()) % capacity_;
}

std::string OutputTail::str() const {
  if (next_ == 0) return buffer_;
  std::string out;
  out.reserve(buffer_.size());
  out.append(buffer_, next_);
  out.append(buffer_, 0, next_);
  return out;
}

}  // namespace desaster
