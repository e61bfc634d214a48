// desaster-top's view model: keys, selection, sorting and filtering
// (top_view.hpp). The frame is drawn in top_render.cpp.
#include "ui/top/top_view.hpp"

#include <algorithm>

namespace desaster::top {

namespace {

const char* group_name(GroupBy by) {
  switch (by) {
    case GroupBy::queue:
      return "queue";
    case GroupBy::job_class:
      return "class";
    case GroupBy::error:
      return "error";
  }
  return "?";
}

}  // namespace

std::string describe(const Action& a) {
  switch (a.kind) {
    case ActionKind::kill_job:
      return "kill job " + a.target;
    case ActionKind::retry_job:
      return "retry job " + a.target;
    case ActionKind::delete_job:
      return "delete job " + a.target;
    case ActionKind::pause_queue:
      return "pause queue " + a.target;
    case ActionKind::resume_queue:
      return "resume queue " + a.target;
    case ActionKind::drain_node:
      return "drain node " + a.target.substr(0, 8);
    case ActionKind::undrain_node:
      return "undrain node " + a.target.substr(0, 8);
    case ActionKind::reload_pool:
      return "reload pool " + a.target;
    case ActionKind::retry_group:
      return std::string("retry the failed jobs of ") + group_name(a.group_by) + " " + a.target;
    case ActionKind::delete_group:
      return std::string("delete the failed jobs of ") + group_name(a.group_by) + " " + a.target;
    case ActionKind::pause_cron:
      return "pause cron entry " + a.target;
    case ActionKind::resume_cron:
      return "resume cron entry " + a.target;
  }
  return "?";
}

const std::vector<std::pair<std::string, std::string>>& help_lines() {
  static const std::vector<std::pair<std::string, std::string>> kLines = {
      {"1 2 3 4 5 6, c", "panes: nodes, queues, workers, failed, jobs, cron"},
      {"Tab S-Tab", "next / previous pane"},
      {"Up Down PgUp PgDn Home End", "select a row"},
      {"Enter", "queues, failed: list the jobs of the row"},
      {"< >", "sort by the column left / right"},
      {"I", "invert the sort order"},
      {"/", "filter the pane (Enter keeps it, Esc clears it)"},
      {"g", "failed: group by queue, class, error"},
      {"p", "queues, cron: pause or resume the queue or entry"},
      {"d", "nodes: drain or undrain the node"},
      {"k", "jobs, workers: kill the job"},
      {"r", "jobs: retry the job; failed: retry the group"},
      {"x Del", "jobs: delete the job; failed: delete the group"},
      {"R", "workers: reload the worker's Ruby pool"},
      {"y / n", "confirm / cancel an action"},
      {"? F1", "this help (any key closes it)"},
      {"q", "quit"},
  };
  return kLines;
}

void ViewModel::update(TopData data) {
  data_ = std::move(data);
  rebuild_all();
}

void ViewModel::set_message(std::string message, bool error) {
  message_ = std::move(message);
  message_error_ = error;
}

void ViewModel::rebuild_all() {
  for (std::size_t i = 0; i < kPaneCount; ++i) rebuild(static_cast<Pane>(i));
}

void ViewModel::rebuild(Pane p) {
  PaneState& s = panes_[index(p)];
  if (!s.sort_set) {
    s.sort = default_sort_column(p);
    s.sort_set = true;
  }
  Table t = build_pane(p, data_);
  filter_rows(t, s.filter);
  sort_rows(t, s.sort, s.reversed);
  // Follow the selected row by its key; when it is gone keep the position.
  if (!s.selected_key.empty()) {
    auto it = std::find_if(t.rows.begin(), t.rows.end(),
                           [&](const Row& r) { return r.key == s.selected_key; });
    if (it != t.rows.end()) s.selected = static_cast<std::size_t>(it - t.rows.begin());
  }
  if (s.selected >= t.rows.size()) s.selected = t.rows.empty() ? 0 : t.rows.size() - 1;
  s.selected_key = t.rows.empty() ? std::string() : t.rows[s.selected].key;
  tables_[index(p)] = std::move(t);
}

std::optional<std::string> ViewModel::selected_key(Pane p) const {
  const Table& t = tables_[index(p)];
  const PaneState& s = panes_[index(p)];
  if (t.rows.empty()) return std::nullopt;
  return t.rows[s.selected].key;
}

const Row* ViewModel::selected_row() const {
  const Table& t = tables_[index(focus_)];
  if (t.rows.empty()) return nullptr;
  return &t.rows[panes_[index(focus_)].selected];
}

void ViewModel::move_selection(std::ptrdiff_t delta) {
  PaneState& s = pane();
  const Table& t = tables_[index(focus_)];
  if (t.rows.empty()) return;
  std::ptrdiff_t next = static_cast<std::ptrdiff_t>(s.selected) + delta;
  next = std::clamp<std::ptrdiff_t>(next, 0, static_cast<std::ptrdiff_t>(t.rows.size()) - 1);
  s.selected = static_cast<std::size_t>(next);
  s.selected_key = t.rows[s.selected].key;
}

KeyResult ViewModel::handle_key(int key) {
  KeyResult result;
  message_.clear();
  switch (mode_) {
    case Mode::help:
      mode_ = Mode::normal;
      if (key == 'q') result.quit = true;
      return result;
    case Mode::confirm:
      if (key == 'y' || key == 'Y') result.action = pending_;
      if (!result.action) message_ = "cancelled";
      pending_.reset();
      mode_ = Mode::normal;
      return result;
    case Mode::filter:
      key_filter(key);
      return result;
    case Mode::normal:
      key_normal(key, result);
      return result;
  }
  return result;
}

void ViewModel::key_filter(int key) {
  PaneState& s = pane();
  if (key == kKeyEnter || key == '\r') {
    mode_ = Mode::normal;
  } else if (key == kKeyEscape) {
    s.filter.clear();
    mode_ = Mode::normal;
  } else if (key == kKeyBackspace || key == 8 || key == 0x107) {
    // Drop the last code point, not just its last byte.
    while (!s.filter.empty() && (static_cast<unsigned char>(s.filter.back()) & 0xc0) == 0x80) {
      s.filter.pop_back();
    }
    if (!s.filter.empty()) s.filter.pop_back();
  } else if (key >= 0x20 && key < 0x7f && s.filter.size() < 64) {
    s.filter += static_cast<char>(key);
  } else {
    return;
  }
  rebuild(focus_);
}

void ViewModel::key_normal(int key, KeyResult& result) {
  PaneState& s = pane();
  const Table& t = tables_[index(focus_)];
  switch (key) {
    case 'q':
    case 'Q':
      result.quit = true;
      return;
    case '?':
    case 'h':
    case kKeyF1:
      mode_ = Mode::help;
      return;
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
      focus_ = static_cast<Pane>(key - '1');
      return;
    case 'c':
      focus_ = Pane::cron;
      return;
    case kKeyTab:
      focus_ = static_cast<Pane>((index(focus_) + 1) % kPaneCount);
      return;
    case kKeyBackTab:
      focus_ = static_cast<Pane>((index(focus_) + kPaneCount - 1) % kPaneCount);
      return;
    case kKeyUp:
    case 'K':
      move_selection(-1);
      return;
    case kKeyDown:
    case 'J':
      move_selection(1);
      return;
    case kKeyPageUp:
      move_selection(-static_cast<std::ptrdiff_t>(std::max<std::size_t>(1, s.page)));
      return;
    case kKeyPageDown:
      move_selection(static_cast<std::ptrdiff_t>(std::max<std::size_t>(1, s.page)));
      return;
    case kKeyHome:
      move_selection(-static_cast<std::ptrdiff_t>(t.rows.size()));
      return;
    case kKeyEnd:
      move_selection(static_cast<std::ptrdiff_t>(t.rows.size()));
      return;
    case '<':
    case '>':
      if (!t.columns.empty()) {
        const std::size_t n = t.columns.size();
        s.sort = key == '<' ? (s.sort + n - 1) % n : (s.sort + 1) % n;
        rebuild(focus_);
      }
      return;
    case 'I':
      s.reversed = !s.reversed;
      rebuild(focus_);
      return;
    case '/':
      mode_ = Mode::filter;
      return;
    case kKeyEscape:
      s.filter.clear();
      rebuild(focus_);
      return;
    case 'g':
      if (focus_ == Pane::failed) {
        failed_by_ = static_cast<GroupBy>((static_cast<int>(failed_by_) + 1) % 3);
        data_.failed.clear();  // the next update brings the new grouping
        data_.failed_by = failed_by_;
        rebuild(Pane::failed);
      }
      return;
    case kKeyEnter:
    case '\r':
      if (const Row* row = selected_row()) {
        if (focus_ == Pane::queues) {
          scope_ = JobsScope{false, GroupBy::queue, row->key};
        } else if (focus_ == Pane::failed) {
          scope_ = JobsScope{true, failed_by_, row->key};
        } else {
          return;
        }
        panes_[index(Pane::jobs)].selected = 0;
        panes_[index(Pane::jobs)].selected_key.clear();
        focus_ = Pane::jobs;
      }
      return;
    default:
      ask(action_for(key));
      return;
  }
}

std::optional<Action> ViewModel::action_for(int key) const {
  const Row* row = selected_row();
  if (!row) return std::nullopt;
  switch (focus_) {
    case Pane::nodes:
      if (key == 'd')
        return Action{row->flag ? ActionKind::undrain_node : ActionKind::drain_node, row->key};
      return std::nullopt;
    case Pane::queues:
      if (key == 'p')
        return Action{row->flag ? ActionKind::resume_queue : ActionKind::pause_queue, row->key};
      return std::nullopt;
    case Pane::workers:
      if (key == 'k' && !row->job.empty()) return Action{ActionKind::kill_job, row->job};
      if (key == 'R' && row->pool != "shell" && !row->pool.empty()) {
        return Action{ActionKind::reload_pool, row->pool};
      }
      return std::nullopt;
    case Pane::failed:
      if (key == 'r') return Action{ActionKind::retry_group, row->key, failed_by_};
      if (key == 'x' || key == kKeyDelete)
        return Action{ActionKind::delete_group, row->key, failed_by_};
      return std::nullopt;
    case Pane::jobs:
      if (key == 'k') return Action{ActionKind::kill_job, row->key};
      if (key == 'r') return Action{ActionKind::retry_job, row->key};
      if (key == 'x' || key == kKeyDelete) return Action{ActionKind::delete_job, row->key};
      return std::nullopt;
    case Pane::cron:
      if (key == 'p')
        return Action{row->flag ? ActionKind::resume_cron : ActionKind::pause_cron, row->key};
      return std::nullopt;
  }
  return std::nullopt;
}

void ViewModel::ask(std::optional<Action> action) {
  if (!action) return;
  pending_ = std::move(action);
  mode_ = Mode::confirm;
}

}  // namespace desaster::top
