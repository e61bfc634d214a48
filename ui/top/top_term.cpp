// ncurses under desaster-top (top_term.hpp). The only file that includes
// curses.h, so the rest stays testable without a terminal.
#include "ui/top/top_term.hpp"

#include <curses.h>

#include "ui/top/top_view.hpp"

namespace desaster::top {

namespace {

// Colour pairs, one per Style that has a colour.
enum Pair : short {
  kHeader = 1,
  kTitle,
  kFocused,
  kColumns,
  kSelected,
  kWarn,
  kError,
  kGood,
  kPrompt
};

int map_key(int k) {
  switch (k) {
    case KEY_UP:
      return kKeyUp;
    case KEY_DOWN:
      return kKeyDown;
    case KEY_PPAGE:
      return kKeyPageUp;
    case KEY_NPAGE:
      return kKeyPageDown;
    case KEY_HOME:
      return kKeyHome;
    case KEY_END:
      return kKeyEnd;
    case KEY_F(1):
      return kKeyF1;
    case KEY_DC:
      return kKeyDelete;
    case KEY_BTAB:
      return kKeyBackTab;
    case KEY_BACKSPACE:
      return kKeyBackspace;
    case KEY_ENTER:
    case '\r':
      return kKeyEnter;
    case KEY_RESIZE:
      return kKeyResize;
    default:
      return k;
  }
}

}  // namespace

std::unique_ptr<Terminal> Terminal::open(bool monochrome) {
  initscr();
  cbreak();  // Ctrl-C still raises SIGINT, which top_app handles
  noecho();
  keypad(stdscr, TRUE);
  curs_set(0);
  set_escdelay(25);
  bool colour = !monochrome && has_colors();
  if (colour) {
    start_color();
    use_default_colors();
    init_pair(kHeader, COLOR_CYAN, -1);
    init_pair(kTitle, COLOR_WHITE, COLOR_BLUE);
    init_pair(kFocused, COLOR_BLACK, COLOR_CYAN);
    init_pair(kColumns, COLOR_BLACK, COLOR_GREEN);
    init_pair(kSelected, COLOR_BLACK, COLOR_CYAN);
    init_pair(kWarn, COLOR_YELLOW, -1);
    init_pair(kError, COLOR_RED, -1);
    init_pair(kGood, COLOR_GREEN, -1);
    init_pair(kPrompt, COLOR_BLACK, COLOR_YELLOW);
  }
  return std::unique_ptr<Terminal>(new Terminal(colour));
}

Terminal::~Terminal() {
  close();
}

void Terminal::close() {
  if (!open_) return;
  open_ = false;
  curs_set(1);
  endwin();
}

std::pair<std::size_t, std::size_t> Terminal::size() const {
  int lines = 0;
  int cols = 0;
  getmaxyx(stdscr, lines, cols);
  return {static_cast<std::size_t>(cols > 0 ? cols : 1),
          static_cast<std::size_t>(lines > 0 ? lines : 1)};
}

int Terminal::attribute(Style style) const {
  if (!colour_) {
    switch (style) {
      case Style::normal:
      case Style::header:
      case Style::good:
        return A_NORMAL;
      case Style::title:
      case Style::warn:
      case Style::error:
        return A_BOLD;
      case Style::title_focused:
        return A_REVERSE | A_BOLD;
      case Style::columns:
        return A_UNDERLINE;
      case Style::selected:
      case Style::prompt:
        return A_REVERSE;
    }
    return A_NORMAL;
  }
  switch (style) {
    case Style::normal:
      return A_NORMAL;
    case Style::header:
      return COLOR_PAIR(kHeader);
    case Style::title:
      return COLOR_PAIR(kTitle);
    case Style::title_focused:
      return COLOR_PAIR(kFocused) | A_BOLD;
    case Style::columns:
      return COLOR_PAIR(kColumns);
    case Style::selected:
      return COLOR_PAIR(kSelected);
    case Style::warn:
      return COLOR_PAIR(kWarn) | A_BOLD;
    case Style::error:
      return COLOR_PAIR(kError) | A_BOLD;
    case Style::good:
      return COLOR_PAIR(kGood);
    case Style::prompt:
      return COLOR_PAIR(kPrompt) | A_BOLD;
  }
  return A_NORMAL;
}

void Terminal::draw(const Frame& frame) {
  const std::size_t lines = size().second;
  const std::vector<std::size_t> changed = changed_lines(last_, frame);
  if (last_.size() != frame.size()) clear();  // a new size: start from a blank screen
  for (std::size_t y : changed) {
    if (y >= lines) break;
    move(static_cast<int>(y), 0);
    for (const Segment& s : frame[y].segments) {
      attrset(attribute(s.style));
      addstr(s.text.c_str());  // the bottom-right cell makes this fail; harmless
    }
    // Lines are exactly as wide as the screen, so nothing is left to
    // clear (and clrtoeol there would wipe the line below).
    attrset(A_NORMAL);
    ++lines_drawn_;
  }
  last_ = frame;
  if (!changed.empty()) refresh();
}

int Terminal::read_key(int timeout_ms) {
  timeout(timeout_ms);
  int k = getch();
  if (k == ERR) return kKeyNone;
  k = map_key(k);
  if (k == kKeyResize) last_.clear();
  return k;
}

}  // namespace desaster::top
