// The terminal under desaster-top: ncurses set up and torn down, keys read
// and mapped to top_view.hpp's codes, and frames drawn line by line, only
// the lines that differ from the last frame drawn (ncurses then sends only
// the cells that changed). Owns the terminal between open() and close();
// not thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <utility>

#include "ui/top/frame.hpp"

namespace desaster::top {

// What read_key returns when the terminal was resized.
inline constexpr int kKeyResize = 0x2000;
// ... and when nothing was typed in time.
inline constexpr int kKeyNone = -1;

class Terminal {
 public:
  // Takes the terminal (alternate screen, no echo, keypad). Colours unless
  // monochrome is asked or the terminal has none.
  static std::unique_ptr<Terminal> open(bool monochrome);
  ~Terminal();  // close()
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;

  // Gives the terminal back as it was (idempotent).
  void close();
  std::pair<std::size_t, std::size_t> size() const;  // columns, lines
  void draw(const Frame& frame);
  // Waits up to timeout_ms for a key.
  int read_key(int timeout_ms);
  // Lines drawn since open(): what the "redraw only what changed" test counts.
  std::size_t lines_drawn() const { return lines_drawn_; }

 private:
  explicit Terminal(bool colour) : colour_(colour) {}
  int attribute(Style style) const;

  bool colour_;
  bool open_ = true;
  Frame last_;
  std::size_t lines_drawn_ = 0;
};

}  // namespace desaster::top
