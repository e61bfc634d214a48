// desaster-top's view model: which panes show, how each is sorted and
// filtered, which row is selected, what a key does, and the frame to draw.
// Pure: data comes in through update(), keys through handle_key(), and
// actions go out as values the caller performs (top_app.cpp) and reports
// back with set_message(). No terminal, no clock, no network.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "ui/top/frame.hpp"
#include "ui/top/table.hpp"
#include "ui/top/top_data.hpp"
#include "ui/top/top_panes.hpp"

namespace desaster::top {

// Keys: printable characters are themselves; the rest are these.
enum Key : int {
  kKeyEnter = '\n',
  kKeyEscape = 27,
  kKeyTab = '\t',
  kKeyBackspace = 127,
  kKeyUp = 0x1001,
  kKeyDown,
  kKeyPageUp,
  kKeyPageDown,
  kKeyHome,
  kKeyEnd,
  kKeyF1,
  kKeyDelete,
  kKeyBackTab,
};

enum class ActionKind : std::uint8_t {
  kill_job,
  retry_job,
  delete_job,
  pause_queue,
  resume_queue,
  drain_node,
  undrain_node,
  reload_pool,
  retry_group,  // every job of a failed group (target: the group key)
  delete_group,
  pause_cron,  // target: the cron entry's name
  resume_cron,
};

struct Action {
  ActionKind kind = ActionKind::kill_job;
  std::string target;  // job id (16 hex), queue, node id, pool, group key, cron entry
  GroupBy group_by = GroupBy::queue;  // for the group actions
  bool operator==(const Action&) const = default;
};

// What to say before doing it: "kill job 0123...".
std::string describe(const Action& action);

struct KeyResult {
  bool quit = false;
  std::optional<Action> action;  // confirmed: perform it now
};

enum class Mode : std::uint8_t {
  normal,
  filter,   // typing the focused pane's filter
  confirm,  // an action waits for y
  help,
};

class ViewModel {
 public:
  explicit ViewModel(bool utf8 = false) : utf8_(utf8) {}

  void update(TopData data);
  KeyResult handle_key(int key);
  // The screen for a terminal of this size (at least 1x1).
  Frame render(std::size_t width, std::size_t height);
  // A line for the message row (an action's result), until the next key.
  void set_message(std::string message, bool error = false);

  // What the caller should collect into TopData.
  const std::optional<JobsScope>& jobs_scope() const { return scope_; }
  GroupBy failed_by() const { return failed_by_; }
  Pane focus() const { return focus_; }
  Mode mode() const { return mode_; }
  const std::optional<Action>& pending() const { return pending_; }
  // The focused pane's rows as shown (sorted, filtered) and the selection.
  const Table& table(Pane pane) const { return tables_[index(pane)]; }
  std::optional<std::string> selected_key(Pane pane) const;
  const std::string& filter(Pane pane) const { return panes_[index(pane)].filter; }
  std::size_t sort_column(Pane pane) const { return panes_[index(pane)].sort; }
  bool sort_reversed(Pane pane) const { return panes_[index(pane)].reversed; }

 private:
  struct PaneState {
    std::size_t sort = 0;
    bool reversed = false;
    std::string filter;
    std::size_t selected = 0;
    std::string selected_key;  // keeps the selection on its row across refreshes
    std::size_t scroll = 0;
    std::size_t page = 10;  // rows shown at the last render
    bool sort_set = false;
  };
  static std::size_t index(Pane p) { return static_cast<std::size_t>(p); }
  PaneState& pane() { return panes_[index(focus_)]; }
  void rebuild(Pane pane);
  void rebuild_all();
  void move_selection(std::ptrdiff_t delta);
  void key_normal(int key, KeyResult& result);
  void key_filter(int key);
  void ask(std::optional<Action> action);
  std::optional<Action> action_for(int key) const;
  const Row* selected_row() const;
  std::vector<Pane> layout(std::size_t body_height) const;

  void render_header(std::size_t width, Frame& frame) const;
  void render_pane(Pane pane, std::size_t width, std::size_t height, Frame& frame);
  void render_help(std::size_t width, std::size_t height, Frame& frame) const;
  Line message_line(std::size_t width) const;
  Line footer(std::size_t width) const;

  bool utf8_;
  TopData data_;
  std::array<Table, kPaneCount> tables_{};
  std::array<PaneState, kPaneCount> panes_{};
  Pane focus_ = Pane::queues;
  Mode mode_ = Mode::normal;
  std::optional<Action> pending_;
  std::optional<JobsScope> scope_;
  GroupBy failed_by_ = GroupBy::queue;
  std::string message_;
  bool message_error_ = false;
};

// The keys, as the help screen lists them.
const std::vector<std::pair<std::string, std::string>>& help_lines();

}  // namespace desaster::top
