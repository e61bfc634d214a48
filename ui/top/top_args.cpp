// Parsing desaster-top's flags (top_args.hpp).
#include "ui/top/top_args.hpp"

#include <charconv>

#include "ui/common/durations.hpp"

namespace desaster::top {

namespace {

Status bad(const std::string& message) {
  return Status::error(ErrorCode::bad_request, message);
}

std::string normalize_endpoint(const std::string& text) {
  if (text.find("://") != std::string::npos) return text;
  if (text.find(':') == std::string::npos) return "tcp://" + text + ":2691";
  return "tcp://" + text;
}

bool parse_size(const std::string& text, std::size_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc{} && end == text.data() + text.size();
}

}  // namespace

Result<TopArgs> parse_top_args(const std::vector<std::string>& args) {
  TopArgs out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> Result<std::string> {
      if (i + 1 >= args.size()) return bad(a + " needs a value");
      return args[++i];
    };
    if (a == "-h" || a == "-?" || a == "--help") {
      out.help = true;
    } else if (a == "-b" || a == "--once") {
      out.once = true;
    } else if (a == "--json") {
      out.json = true;
      out.once = true;
    } else if (a == "--poll") {
      out.poll = true;
    } else if (a == "-c" || a == "--connect") {
      auto v = value();
      if (!v.ok()) return v.status();
      if (v->empty()) return bad(a + ": empty address");
      out.endpoint = normalize_endpoint(*v);
    } else if (a == "-k" || a == "--key") {
      auto v = value();
      if (!v.ok()) return v.status();
      out.group_key = *v;
    } else if (a == "-d" || a == "--delay") {
      auto v = value();
      if (!v.ok()) return v.status();
      auto ms = parse_duration_ms(*v);
      if (!ms.ok() || *ms < 100 || *ms > 3'600'000) {
        return bad(a + ": '" + *v + "' is not a delay from 0.1s to 1h (30s, 500ms, 2)");
      }
      out.delay_ms = *ms;
    } else if (a == "--size") {
      auto v = value();
      if (!v.ok()) return v.status();
      auto x = v->find('x');
      if (x == std::string::npos || !parse_size(v->substr(0, x), out.once_width) ||
          !parse_size(v->substr(x + 1), out.once_height) || out.once_width < 20 ||
          out.once_height < 5 || out.once_width > 1000 || out.once_height > 1000) {
        return bad("--size: '" + *v + "' is not COLUMNSxLINES (from 20x5 to 1000x1000)");
      }
    } else {
      return bad("unknown option '" + a + "' (desaster-top --help lists them)");
    }
  }
  return out;
}

std::string top_help_text() {
  return "usage: desaster-top [-c HOST[:PORT]] [-k KEY] [--delay SECONDS] [--poll]\n"
         "                    [--once [--size WxH] | --json]\n"
         "\n"
         "The terminal monitor of a desaster cluster: nodes, queues, workers (of every\n"
         "node), the failed set, jobs and cron entries, live from the node's state feed.\n"
         "\n"
         "  -c, --connect HOST[:PORT]  the node to watch (127.0.0.1:2691); top moves to\n"
         "                             another node of the cluster when it is lost\n"
         "  -k, --key KEY              the group key ($DESASTER_KEY, else default)\n"
         "  -d, --delay SECONDS        between resource and node samples (1)\n"
         "      --poll                 ask the node every refresh (a screen's worth) instead\n"
         "                             of keeping a replica of its state; automatic past\n"
         "                             20,000 jobs or when the feed gives no snapshot\n"
         "  -b, --once                 print one screen as plain text and exit\n"
         "      --size COLUMNSxLINES   the size of that screen (120x60)\n"
         "      --json                 the same data as one JSON object, and exit\n"
         "  -h, --help                 this text; in top, ? or F1 lists the keys\n"
         "\n"
         "Keys: 1-6 (or Tab) nodes, queues, workers, failed, jobs, cron pane (c: cron);\n"
         "< > sort by the column left / right (the header names it), I reverses it;\n"
         "/ filters; Enter opens a queue's or failed group's jobs; p pauses or resumes\n"
         "a queue or cron entry, d drains a node, k kills, r retries, x deletes, R\n"
         "reloads a Ruby pool, each after y; ? or F1 lists them all; q quits.\n"
         "\n"
         "NO_COLOR set in the environment turns colours off.\n";
}

}  // namespace desaster::top
