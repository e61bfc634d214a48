// `desasterctl qdisc show|set QUEUE ...`: the command line of a queue's
// discipline, parsed into a protocol::QdiscCommand. htb trees use a compact
// flag syntax (see qdisc_help_text); the node checks the tree (validate()).
#include <charconv>

#include "ui/common/durations.hpp"
#include "ui/desasterctl/ctl_args.hpp"

namespace desaster {

namespace {

Status bad(const std::string& message) {
  return Status::error(ErrorCode::bad_request, message);
}

template <typename Int>
bool parse_uint(std::string_view text, Int& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc{} && end == text.data() + text.size();
}

// Jobs per second with up to three decimals ("10", "0.5") into thousandths.
bool parse_rate_milli(std::string_view text, std::uint64_t& out) {
  std::size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (frac.size() > 3 || (dot != std::string_view::npos && frac.empty())) return false;
  std::uint64_t w = 0, f = 0;
  if (!parse_uint(whole, w) || w > kMaxRateMilli / 1000) return false;
  if (!frac.empty() && !parse_uint(frac, f)) return false;
  for (std::size_t i = frac.size(); i < 3; ++i) f *= 10;
  out = w * 1000 + f;
  return true;
}

// NAME[@PARENT]=RATE[/CEIL][,burst=N][,cburst=N]
Status parse_class(const std::string& text, HtbClass& out) {
  const std::string where = "--class '" + text + "': ";
  std::size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) return bad(where + "expected NAME[@PARENT]=RATE[/CEIL]");
  std::string name = text.substr(0, eq);
  if (std::size_t at = name.find('@'); at != std::string::npos) {
    out.parent = name.substr(at + 1);
    name = name.substr(0, at);
  }
  out.name = name;
  std::string rest = text.substr(eq + 1);
  std::vector<std::string> parts;
  for (std::size_t start = 0;;) {
    std::size_t comma = rest.find(',', start);
    parts.push_back(rest.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  std::string rates = parts[0];
  std::size_t slash = rates.find('/');
  if (!parse_rate_milli(std::string_view(rates).substr(0, slash), out.rate_milli))
    return bad(where + "rate is not a number of jobs per second");
  if (slash != std::string::npos &&
      !parse_rate_milli(std::string_view(rates).substr(slash + 1), out.ceil_milli)) {
    return bad(where + "ceiling is not a number of jobs per second");
  }
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const std::string& p = parts[i];
    if (p.rfind("burst=", 0) == 0) {
      if (!parse_uint(std::string_view(p).substr(6), out.burst)) return bad(where + "bad burst");
    } else if (p.rfind("cburst=", 0) == 0) {
      if (!parse_uint(std::string_view(p).substr(7), out.cburst)) return bad(where + "bad cburst");
    } else {
      return bad(where + "unknown part '" + p + "' (burst=N or cburst=N)");
    }
  }
  return {};
}

// LEAF[:queue=Q][,class=C][,flow=F]
Status parse_rule(const std::string& text, HtbRule& out) {
  const std::string where = "--rule '" + text + "': ";
  std::size_t colon = text.find(':');
  out.target = text.substr(0, colon);
  if (out.target.empty()) return bad(where + "expected LEAF[:queue=Q,class=C,flow=F]");
  if (colon == std::string::npos) return {};
  std::string rest = text.substr(colon + 1);
  for (std::size_t start = 0;;) {
    std::size_t comma = rest.find(',', start);
    std::string part = rest.substr(start, comma - start);
    std::size_t eq = part.find('=');
    std::string key = part.substr(0, eq);
    std::string value = eq == std::string::npos ? std::string() : part.substr(eq + 1);
    if (eq == std::string::npos) return bad(where + "'" + part + "' is not FIELD=VALUE");
    if (key == "queue") {
      out.queue = value;
    } else if (key == "class") {
      out.job_class = value;
    } else if (key == "flow") {
      out.flow = value;
    } else {
      return bad(where + "unknown field '" + key + "' (queue, class or flow)");
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return {};
}

Status parse_set(const std::vector<std::string>& words, std::size_t i, QdiscConfig& config) {
  if (i >= words.size()) return bad("qdisc set: which discipline? (fifo, priority, sfq, htb)");
  if (!qdisc_kind_from_string(words[i], config.kind)) {
    return bad("qdisc set: '" + words[i] + "' is not one of fifo, priority, sfq, htb");
  }
  const std::string kind = words[i++];
  while (i < words.size()) {
    const std::string& flag = words[i++];
    if (i >= words.size()) return bad("qdisc set " + kind + ": " + flag + " needs a value");
    const std::string& v = words[i++];
    bool fits = (flag == "--aging" && config.kind == QdiscKind::priority) ||
                (flag == "--quantum" && config.kind == QdiscKind::sfq) ||
                ((flag == "--class" || flag == "--rule" || flag == "--default") &&
                 config.kind == QdiscKind::htb);
    if (!fits) return bad("qdisc set " + kind + ": unknown option '" + flag + "'");
    if (flag == "--aging") {
      auto ms = parse_duration_ms(v);
      if (!ms.ok() || *ms < 0 || *ms > kMaxAgingMs)
        return bad("--aging: '" + v + "' is not a duration");
      config.aging_ms = static_cast<std::uint32_t>(*ms);
    } else if (flag == "--quantum") {
      if (!parse_uint(v, config.quantum) || config.quantum == 0)
        return bad("--quantum: '" + v + "' is not a number from 1");
    } else if (flag == "--class") {
      HtbClass c;
      if (Status s = parse_class(v, c); !s.ok()) return s;
      config.classes.push_back(std::move(c));
    } else if (flag == "--rule") {
      HtbRule r;
      if (Status s = parse_rule(v, r); !s.ok()) return s;
      config.rules.push_back(std::move(r));
    } else {
      config.default_class = v;
    }
  }
  if (config.kind == QdiscKind::htb && config.classes.empty())
    return bad("qdisc set htb: give at least one --class");
  return {};
}

}  // namespace

Status parse_qdisc_args(const std::vector<std::string>& words, CtlArgs& out) {
  if (words.empty() || (words[0] != "show" && words[0] != "set"))
    return bad("qdisc: show or set? (desasterctl qdisc show QUEUE)");
  if (words.size() < 2) return bad("qdisc " + words[0] + ": which queue?");
  out.qdisc.queue = words[1];
  if (words[0] == "show") {
    out.qdisc.action = protocol::QdiscAction::show;
    if (words.size() > 2) return bad("qdisc show: unexpected argument '" + words[2] + "'");
    return {};
  }
  out.qdisc.action = protocol::QdiscAction::set;
  QdiscConfig config;
  if (Status s = parse_set(words, 2, config); !s.ok()) return s;
  out.qdisc.config = std::move(config);
  return {};
}

std::string qdisc_help_text() {
  return "  qdisc show Q                             a queue's discipline and its accounting\n"
         "  qdisc set Q fifo | priority [--aging 30s] | sfq [--quantum N]\n"
         "  qdisc set Q htb --class NAME[@PARENT]=RATE[/CEIL][,burst=N][,cburst=N]...\n"
         "              [--rule LEAF[:queue=Q][,class=C][,flow=F]]... --default LEAF\n"
         "                                           change how the queue's jobs are ordered\n"
         "                                           (RATE, CEIL: jobs per second, e.g. 10 or "
         "0.5;\n"
         "                                            a field ending in * matches by prefix)\n";
}

}  // namespace desaster
