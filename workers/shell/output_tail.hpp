// The last N bytes of a child's output. A job may print gigabytes; the node
// keeps only the tail. The buffer grows with the output up to N bytes and is
// then used as a ring, so an append costs a copy of what was read and nothing
// more, and a quiet job does not hold N bytes.
//
// Threading: none; owned by one run on the loop thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace desaster {

class OutputTail {
 public:
  explicit OutputTail(std::size_t capacity) : capacity_(capacity) {}

  void append(std::string_view bytes);
  // The kept bytes in the order they were written (at most capacity of them).
  std::string str() const;
  // Everything ever appended, kept or not.
  std::uint64_t total_bytes() const { return total_; }

 private:
  void append_to_ring(std::string_view bytes);

  std::size_t capacity_;
  std::string buffer_;    // grows to capacity_, then wraps
  std::size_t next_ = 0;  // once full: where the next byte goes, the oldest kept byte
  std::uint64_t total_ = 0;
};

}  // namespace desaster
