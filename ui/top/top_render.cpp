// Drawing the view model into a Frame (top_view.hpp): the header, the
// message row, the panes laid out for the terminal's size, the footer.
#include <algorithm>
#include <cstdio>

#include "ui/top/top_format.hpp"
#include "ui/top/top_view.hpp"

namespace desaster::top {

namespace {

constexpr std::size_t kHeaderLines = 3;
// Below this many body rows one pane fills the screen (80x24 shows one);
// above, every pane gets at least kMinPaneLines.
constexpr std::size_t kSplitBodyLines = 30;
constexpr std::size_t kMinPaneLines = 8;

Line plain(const std::string& text, std::size_t width, Style style = Style::normal) {
  return Line{{Segment{fit(text, width), style}}};
}

// Appends seg to line, cut so the line stays within width.
void add(Line& line, std::size_t& used, std::size_t width, const std::string& text, Style style) {
  if (used >= width) return;
  std::string t = fit(text, std::min(display_width(text), width - used));
  used += display_width(t);
  line.segments.push_back({std::move(t), style});
}

void pad(Line& line, std::size_t used, std::size_t width, Style style) {
  if (used < width) line.segments.push_back({std::string(width - used, ' '), style});
}

Style tone_style(RowTone tone) {
  switch (tone) {
    case RowTone::normal:
      return Style::normal;
    case RowTone::warn:
      return Style::warn;
    case RowTone::error:
      return Style::error;
    case RowTone::good:
      return Style::good;
  }
  return Style::normal;
}

// Column widths for `width`: minimum widths, columns that do not fit left
// out (width 0), the spare going to the last column when it is text (an
// error, a group), else to the first text column (a name).
std::vector<std::size_t> column_widths(const std::vector<Column>& columns, std::size_t width) {
  std::vector<std::size_t> w(columns.size(), 0);
  std::size_t used = 0;
  std::size_t shown = 0;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    std::size_t need = columns[i].width + (i ? 1 : 0);
    if (used + need > width) break;
    w[i] = columns[i].width;
    used += need;
    shown = i + 1;
  }
  if (shown == 0) return w;
  std::size_t spare = width - used;
  if (shown == columns.size() && !columns.back().numeric) {
    w[shown - 1] += spare;
    return w;
  }
  for (std::size_t i = 0; i < shown; ++i) {
    if (!columns[i].numeric) {
      w[i] += std::min<std::size_t>(spare, 40);
      break;
    }
  }
  return w;
}

std::string cells_text(const std::vector<std::string>& cells, const std::vector<Column>& columns,
                       const std::vector<std::size_t>& widths) {
  std::string out;
  for (std::size_t i = 0; i < columns.size() && i < cells.size(); ++i) {
    if (widths[i] == 0) break;
    if (i) out += ' ';
    out += fit(cells[i], widths[i], columns[i].numeric);
  }
  return out;
}

}  // namespace

std::vector<Pane> ViewModel::layout(std::size_t body_height) const {
  if (body_height < kSplitBodyLines) return {focus_};
  std::vector<Pane> all = {Pane::nodes, Pane::queues, Pane::workers, Pane::failed};
  if (scope_ || focus_ == Pane::jobs) all.push_back(Pane::jobs);
  if (!data_.cron.empty() || focus_ == Pane::cron) all.push_back(Pane::cron);
  std::size_t fits = std::max<std::size_t>(1, body_height / kMinPaneLines);
  if (fits >= all.size()) return all;
  std::vector<Pane> shown = {focus_};
  for (Pane p : all) {
    if (shown.size() >= fits) break;
    if (p != focus_) shown.push_back(p);
  }
  std::sort(shown.begin(), shown.end());
  return shown;
}

Frame ViewModel::render(std::size_t width, std::size_t height) {
  width = std::max<std::size_t>(width, 1);
  height = std::max<std::size_t>(height, 1);
  Frame frame;
  render_header(width, frame);
  frame.push_back(message_line(width));
  const std::size_t fixed = kHeaderLines + 2;
  const std::size_t body = height > fixed ? height - fixed : 0;
  if (mode_ == Mode::help) {
    render_help(width, body, frame);
  } else if (body > 0) {
    std::vector<Pane> panes = layout(body);
    const std::size_t each = body / panes.size();
    std::size_t rest = body - each * panes.size();
    for (Pane p : panes) {
      std::size_t h = each;
      if (p == focus_) {
        h += rest;
        rest = 0;
      }
      render_pane(p, width, h, frame);
    }
  }
  if (height > kHeaderLines + 1) {
    while (frame.size() < height - 1) frame.push_back(plain("", width));
    frame.resize(height - 1);
    frame.push_back(footer(width));
  }
  frame.resize(height, plain("", width));
  return frame;
}

void ViewModel::render_header(std::size_t width, Frame& frame) const {
  const TopData& d = data_;
  std::string leader = "none";
  std::uint64_t lag = 0;
  for (const protocol::NodeSummary& n : d.nodes) {
    if (n.role == "leader") leader = n.node.substr(0, 8);
    if (n.lag) lag = std::max(lag, *n.lag);
  }
  std::size_t members = 0;
  for (const protocol::NodeSummary& n : d.nodes) members += n.role != "discovered";
  // The endpoint without "tcp://", so that 80 columns show it all.
  std::string where = printable(d.endpoint);
  if (where.rfind("tcp://", 0) == 0) where.erase(0, 6);
  std::string line1 = where + "  " + (d.mode.empty() ? std::string("?") : d.mode) + "  nodes " +
                      std::to_string(members) + "  leader " + leader + "  term " +
                      std::to_string(d.term) + "  index " + std::to_string(d.index) + "  lag " +
                      std::to_string(lag);
  frame.push_back(plain(line1, width, Style::header));

  Line rates;
  std::size_t used = 0;
  const std::size_t spark = width >= 100 ? 40 : 20;
  add(rates, used, width, "processed " + format_rate(d.processed_rate) + "/s ", Style::header);
  add(rates, used, width, sparkline(d.processed_history, spark, utf8_), Style::good);
  add(rates, used, width, "  failed " + format_rate(d.failed_rate) + "/s ", Style::header);
  add(rates, used, width, sparkline(d.failed_history, spark, utf8_), Style::error);
  pad(rates, used, width, Style::header);
  frame.push_back(std::move(rates));

  auto n = [&](JobState s) { return format_count(d.counts[static_cast<std::size_t>(s)]); };
  std::string line3 = "queued " + n(JobState::queued) + "  scheduled " + n(JobState::scheduled) +
                      "  running " + n(JobState::running) + "  failed " + n(JobState::failed) +
                      "  dead " + n(JobState::dead) + "  killed " + n(JobState::killed) +
                      "  succeeded " + n(JobState::succeeded);
  frame.push_back(plain(line3, width, Style::header));
}

Line ViewModel::message_line(std::size_t width) const {
  switch (mode_) {
    case Mode::filter:
      return plain("filter " + std::string(pane_name(focus_)) + ": " + filter(focus_) + "_", width,
                   Style::prompt);
    case Mode::confirm:
      return plain(describe(*pending_) + "? (y/n)", width, Style::prompt);
    case Mode::help:
    case Mode::normal:
      break;
  }
  if (!message_.empty())
    return plain(printable(message_), width, message_error_ ? Style::error : Style::good);
  if (!data_.notice.empty()) return plain(printable(data_.notice), width, Style::warn);
  return plain("", width);
}

Line ViewModel::footer(std::size_t width) const {
  return plain("desaster-top  1-6 panes  Enter open  / filter  < > I sort  ? help  q quit", width,
               Style::columns);
}

void ViewModel::render_pane(Pane p, std::size_t width, std::size_t height, Frame& frame) {
  if (height == 0) return;
  PaneState& s = panes_[index(p)];
  const Table& t = tables_[index(p)];
  std::string title = std::string(pane_name(p));
  if (p == Pane::jobs && scope_) {
    title += scope_->group
                 ? " of failed " + std::string(scope_->by == GroupBy::queue       ? "queue "
                                               : scope_->by == GroupBy::job_class ? "class "
                                                                                  : "error ")
                 : " of queue ";
    title += printable(scope_->name);
  }
  if (p == Pane::failed) {
    title += failed_by_ == GroupBy::queue       ? " by queue"
             : failed_by_ == GroupBy::job_class ? " by class"
                                                : " by error";
  }
  title += " (" + std::to_string(t.rows.size()) + ")";
  if (s.sort < t.columns.size()) {
    title += "  sort " + t.columns[s.sort].name + (s.reversed ? " rev" : "");
  }
  if (!s.filter.empty()) title += "  filter '" + s.filter + "'";
  frame.push_back(plain(" [" + std::to_string(index(p) + 1) + "] " + title, width,
                        p == focus_ ? Style::title_focused : Style::title));
  if (height == 1) return;

  std::vector<std::size_t> widths = column_widths(t.columns, width);
  std::vector<std::string> names;
  for (std::size_t i = 0; i < t.columns.size(); ++i) {
    names.push_back(t.columns[i].name + (i == s.sort ? (s.reversed ? "^" : "v") : ""));
  }
  frame.push_back(plain(cells_text(names, t.columns, widths), width, Style::columns));

  const std::size_t rows = height - 2;
  s.page = std::max<std::size_t>(rows, 1);
  if (rows == 0) return;
  if (t.rows.empty()) {
    std::string empty =
        p == Pane::jobs && !scope_ ? "  (select a queue or failed group, then Enter)" : "  (none)";
    frame.push_back(plain(empty, width));
    for (std::size_t i = 1; i < rows; ++i) frame.push_back(plain("", width));
    return;
  }
  // Scroll so that the selection is visible.
  if (s.selected < s.scroll) s.scroll = s.selected;
  if (s.selected >= s.scroll + rows) s.scroll = s.selected - rows + 1;
  if (s.scroll + rows > t.rows.size()) s.scroll = t.rows.size() > rows ? t.rows.size() - rows : 0;
  for (std::size_t i = 0; i < rows; ++i) {
    const std::size_t r = s.scroll + i;
    if (r >= t.rows.size()) {
      frame.push_back(plain("", width));
      continue;
    }
    std::vector<std::string> cells;
    for (const Cell& c : t.rows[r].cells) cells.push_back(c.text);
    const bool selected = p == focus_ && r == s.selected;
    frame.push_back(plain(cells_text(cells, t.columns, widths), width,
                          selected ? Style::selected : tone_style(t.rows[r].tone)));
  }
}

void ViewModel::render_help(std::size_t width, std::size_t height, Frame& frame) const {
  std::vector<Line> lines;
  lines.push_back(plain(" Help: desaster-top keys (any key closes)", width, Style::title_focused));
  for (const auto& [keys, what] : help_lines()) {
    lines.push_back(plain("  " + fit(keys, 28) + what, width));
  }
  for (std::size_t i = 0; i < height; ++i) {
    frame.push_back(i < lines.size() ? lines[i] : plain("", width));
  }
}

}  // namespace desaster::top
