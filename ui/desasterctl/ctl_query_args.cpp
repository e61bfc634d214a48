#include "ui/desasterctl/ctl_query_args.hpp"

#include "ui/common/durations.hpp"
#include "ui/common/query_words.hpp"

namespace desaster {

namespace {

using ui::bad_request;
using ui::parse_int;

Status parse_states(const std::string& flag, const std::string& value, protocol::List& list) {
  std::vector<JobState> states;
  if (Status s = ui::parse_job_states(flag, value, states); !s.ok()) return s;
  list.state.reset();
  list.states.clear();
  if (states.size() == 1) {
    list.state = states[0];
  } else {
    list.states = std::move(states);
  }
  return {};
}

// The range and end a time flag sets: --created-after sets created.from.
TimeMs* time_bound(const std::string& flag, protocol::List& list) {
  struct Flag {
    const char* name;
    TimeRange protocol::List::*range;
    bool after;
  };
  static const Flag kFlags[] = {
      {"--created-after", &protocol::List::created, true},
      {"--created-before", &protocol::List::created, false},
      {"--started-after", &protocol::List::started, true},
      {"--started-before", &protocol::List::started, false},
      {"--finished-after", &protocol::List::finished, true},
      {"--finished-before", &protocol::List::finished, false},
      {"--run-after", &protocol::List::run_at, true},
      {"--run-before", &protocol::List::run_at, false},
  };
  for (const Flag& f : kFlags) {
    if (flag == f.name) return f.after ? &(list.*f.range).from : &(list.*f.range).to;
  }
  return nullptr;
}

}  // namespace

Result<TimeMs> parse_query_time(const std::string& text, TimeMs now_ms) {
  // A bare number is Unix seconds (as for enqueue --at); a number with a unit is an age.
  bool has_unit = !text.empty() && (text.back() < '0' || text.back() > '9');
  if (has_unit && text.find('T') == std::string::npos) {
    Result<std::int64_t> ago = parse_duration_ms(text);
    if (ago.ok()) return now_ms - *ago;
  }
  Result<TimeMs> at = parse_time_ms(text);
  if (at.ok()) return at;
  return bad_request("'" + text +
                     "' is not a time (2026-11-28T10:00:00Z, Unix seconds, or an age like 10m)");
}

Status parse_query_args(const std::vector<std::string>& args, std::size_t pos, CtlArgs& out,
                        TimeMs now_ms) {
  protocol::List& list = out.list;
  const bool failed = out.command == "failed";
  while (pos < args.size()) {
    const std::string arg = args[pos++];
    if (arg == "--desc") {
      list.descending = true;
      continue;
    }
    if (pos >= args.size()) return bad_request(arg + " needs a value");
    const std::string v = args[pos++];
    if (arg == "--queue" || arg == "-q") {
      list.queue = v;
    } else if (arg == "--state") {
      if (Status s = parse_states(arg, v, list); !s.ok()) return s;
    } else if (arg == "--limit") {
      if (!parse_int(v, list.limit) || list.limit == 0 || list.limit > 10'000)
        return bad_request("--limit: '" + v + "' is not a number from 1 to 10000");
    } else if (arg == "--after") {
      out.ids.push_back(v);
    } else if (arg == "--search") {
      list.search = v;
    } else if (arg == "--class") {
      list.job_class = v;
    } else if (arg == "--node") {
      list.node = v;
    } else if (arg == "--flow") {
      list.flow = v;
    } else if (arg == "--attempts") {
      std::size_t colon = v.find(':');
      std::string_view min = std::string_view(v).substr(0, colon);
      bool ok = min.empty() || parse_int(min, list.attempts_min);
      if (colon != std::string::npos) {
        std::string_view max = std::string_view(v).substr(colon + 1);
        ok = ok && (max.empty() || parse_int(max, list.attempts_max));
      }
      if (!ok || v.empty() || v == ":")
        return bad_request("--attempts: '" + v + "' is not MIN, MIN:MAX, :MAX or MIN:");
      if (list.attempts_min > list.attempts_max)
        return bad_request("--attempts: the minimum is above the maximum in '" + v + "'");
    } else if (TimeMs* bound = time_bound(arg, list)) {
      Result<TimeMs> t = parse_query_time(v, now_ms);
      if (!t.ok()) return bad_request(arg + ": " + t.status().message);
      *bound = *t;
    } else if (arg == "--sort") {
      if (!sort_column_from_string(v, list.sort))
        return bad_request("--sort: '" + v + "' is not one of " + ui::kSortColumnNames);
    } else if (arg == "--cursor") {
      list.cursor = v;
    } else if (failed && arg == "--group-by") {
      GroupBy by{};
      if (!group_by_from_string(v, by))
        return bad_request("--group-by: '" + v + "' is not queue, class or error");
      out.group_by = by;
    } else {
      return bad_request(out.command + ": unknown option '" + arg + "'");
    }
  }
  for (const TimeRange* r : {&list.created, &list.started, &list.finished, &list.run_at}) {
    if (r->from > r->to) return bad_request(out.command + ": a time range ends before it starts");
  }
  return {};
}

std::string ctl_query_help_text() {
  return "  jobs [--queue Q] [--state S[,S...]] [--class C] [--node N] [--flow F]\n"
         "       [--search TEXT] [--attempts MIN[:MAX]] [--created-after TIME]\n"
         "       [--created-before TIME] (also --started-, --finished-, --run-after/before)\n"
         "       [--sort COLUMN] [--desc] [--limit N] [--cursor X]\n"
         "                                           list jobs, one page; the last line says\n"
         "                                           \"N of TOTAL\" and the --cursor of the next\n"
         "                                           (--search: id, class, payload, error, "
         "output,\n"
         "                                            unique key (cron:NAME), any case; COLUMN: "
         "id, queue, class, state,\n"
         "                                            priority, attempts, created_at, started_at,\n"
         "                                            finished_at, run_at; TIME also an age: 10m)\n"
         "  failed [the jobs flags]                  list the failed set (dead jobs)\n"
         "  failed --group-by queue|class|error [--state S[,S...]]\n"
         "                                           failed and dead jobs grouped, with counts\n";
}

}  // namespace desaster
