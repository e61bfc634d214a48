// desaster-top's main loop (top_app.hpp).
#include "ui/top/top_app.hpp"

#include <signal.h>

#include <langinfo.h>
#include <locale.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "ui/top/top_json.hpp"
#include "ui/top/top_session.hpp"
#include "ui/top/top_term.hpp"
#include "ui/top/top_view.hpp"

namespace desaster::top {

namespace {

// Jobs the jobs pane loads from the replica: more than any screen shows,
// few enough to sort and filter on every refresh.
constexpr std::size_t kJobRows = 500;
// An op shows within this long; collecting more often would only cost CPU
// under a storm of ops.
constexpr std::int64_t kCollectEveryMs = 150;
constexpr int kKeyWaitMs = 40;
// Without a feed (top_polled.hpp) the screen asks the node this often.
constexpr std::int64_t kPollEveryMs = 250;

volatile sig_atomic_t g_stop = 0;

extern "C" void on_stop_signal(int) {
  g_stop = 1;
}

void install_signals() {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop_signal;  // no SA_RESTART: getch returns at once
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
}

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

bool utf8_locale() {
  const char* codeset = nl_langinfo(CODESET);
  return codeset && std::strcmp(codeset, "UTF-8") == 0;
}

// https://no-color.org: present and not empty.
bool no_color() {
  const char* v = std::getenv("NO_COLOR");
  return v && *v;
}

TopData collect(Session& session, const ViewModel& view) {
  TopData data;
  data.now = now_ms();
  data.failed_by = view.failed_by();
  data.jobs_scope = view.jobs_scope();
  session.collect(data, kJobRows);
  return data;
}

int run_once(const TopArgs& args, Session& session) {
  ViewModel view(utf8_locale());
  session.sample(now_ms());
  session.poll_feed();
  TopData data = collect(session, view);
  if (args.json) {
    std::printf("%s\n", top_json(data).c_str());
    return 0;
  }
  view.update(std::move(data));
  std::fputs(plain_text(view.render(args.once_width, args.once_height)).c_str(), stdout);
  return 0;
}

int run_screen(const TopArgs& args, Session& session) {
  ViewModel view(utf8_locale());
  std::unique_ptr<Terminal> term = Terminal::open(no_color());
  std::int64_t next_sample = 0;
  std::int64_t last_collect = 0;
  bool replica_moved = true;
  bool redraw = true;
  while (!g_stop) {
    const std::int64_t now = now_ms();
    bool recollect = false;
    if (now >= next_sample) {
      session.sample(now);
      next_sample = now + args.delay_ms;
      recollect = true;
    }
    replica_moved = session.poll_feed() || replica_moved;
    if (replica_moved && now - last_collect >= kCollectEveryMs) recollect = true;
    if (!session.live() && now - last_collect >= kPollEveryMs) recollect = true;
    if (recollect) {
      view.update(collect(session, view));
      last_collect = now;
      replica_moved = false;
      redraw = true;
    }
    if (redraw) {
      auto [cols, lines] = term->size();
      term->draw(view.render(cols, lines));
      redraw = false;
    }
    const int key = term->read_key(kKeyWaitMs);
    if (key == kKeyNone) continue;
    redraw = true;
    if (key == kKeyResize) continue;
    const auto scope = view.jobs_scope();
    const auto grouping = view.failed_by();
    KeyResult r = view.handle_key(key);
    if (r.quit) break;
    if (r.action) {
      auto [message, failed] = session.perform(*r.action);
      view.set_message(message, failed);
      replica_moved = true;
      last_collect = 0;  // show the action's effect as soon as it is applied
    }
    if (scope != view.jobs_scope() || grouping != view.failed_by()) {
      view.update(collect(session, view));
      last_collect = now;
    }
  }
  term->close();
  return 0;
}

}  // namespace

int run_top(const TopArgs& args) {
  setlocale(LC_ALL, "");
  install_signals();
  Session session(args.endpoint, args.group_key, args.poll);
  Status s = session.connect();
  if (!s.ok()) {
    std::fprintf(stderr, "desaster-top: %s: %s\n", args.endpoint.c_str(), s.message.c_str());
    return s.code == ErrorCode::unavailable ? 3 : 1;
  }
  if (args.once) return run_once(args, session);
  return run_screen(args, session);
}

}  // namespace desaster::top
