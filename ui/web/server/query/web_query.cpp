#include "ui/web/server/query/web_query.hpp"

#include <limits>

#include <nlohmann/json.hpp>

#include "core/model/job_id.hpp"
#include "core/model/queue.hpp"
#include "core/state/job_groups.hpp"
#include "core/state/list_query.hpp"
#include "ui/common/query_words.hpp"

namespace desaster::web {

namespace {

using nlohmann::json;

using ui::bad_request;
using ui::parse_int;

Status parse_bool(const std::string& name, std::string_view value, bool& out) {
  if (value == "1" || value == "true") {
    out = true;
  } else if (value == "0" || value == "false") {
    out = false;
  } else {
    return bad_request(name + ": '" + std::string(value.substr(0, 64)) +
                       "' is not 1, 0, true or false");
  }
  return {};
}

struct TimeParam {
  const char* name;
  TimeRange ListQuery::*range;
  bool after;
};
constexpr TimeParam kTimeParams[] = {
    {"created_after", &ListQuery::created, true},
    {"created_before", &ListQuery::created, false},
    {"started_after", &ListQuery::started, true},
    {"started_before", &ListQuery::started, false},
    {"finished_after", &ListQuery::finished, true},
    {"finished_before", &ListQuery::finished, false},
    {"run_after", &ListQuery::run_at, true},
    {"run_before", &ListQuery::run_at, false},
};

Status parse_attempts(std::string_view v, ListQuery& q) {
  const std::size_t colon = v.find(':');
  const std::string_view min = v.substr(0, colon);
  bool ok = !v.empty() && v != ":" && (min.empty() || parse_int(min, q.attempts_min));
  if (colon == std::string_view::npos) {
    q.attempts_max = q.attempts_min;  // "N": exactly N
  } else {
    const std::string_view max = v.substr(colon + 1);
    ok = ok && (max.empty() || parse_int(max, q.attempts_max));
  }
  if (!ok)
    return bad_request("attempts: '" + std::string(v.substr(0, 64)) +
                       "' is not N, MIN:MAX, MIN: or :MAX");
  if (q.attempts_min > q.attempts_max)
    return bad_request("attempts: the minimum is above the maximum");
  return {};
}

// Scans a JSON text for its nesting depth without parsing it, so the
// parser never recurses deeper than kMaxJsonDepth.
bool depth_within(std::string_view text, std::size_t limit) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return false;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

Result<json> parse_object(std::string_view body) {
  if (!depth_within(body, kMaxJsonDepth))
    return bad_request("body: nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  json doc = json::parse(body.begin(), body.end(), nullptr, false);
  if (doc.is_discarded()) return bad_request("body: not JSON");
  if (!doc.is_object()) return bad_request("body: not a JSON object");
  return doc;
}

Result<std::string> get_string(const json& doc, const char* name, std::size_t max_bytes = 4096) {
  const json& v = doc.at(name);
  if (!v.is_string()) return bad_request(std::string(name) + ": not a string");
  const std::string& s = v.get_ref<const std::string&>();
  if (s.size() > max_bytes)
    return bad_request(std::string(name) + ": longer than " + std::to_string(max_bytes) + " bytes");
  if (!is_clean_utf8(s)) return bad_request(std::string(name) + ": not UTF-8 text");
  return s;
}

template <typename Int>
Result<Int> get_int(const json& doc, const char* name) {
  const json& v = doc.at(name);
  if (!v.is_number_integer()) return bad_request(std::string(name) + ": not an integer");
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<Int>::max()))
      return bad_request(std::string(name) + ": out of range");
    return static_cast<Int>(u);
  }
  const auto i = v.get<std::int64_t>();
  if (i < static_cast<std::int64_t>(std::numeric_limits<Int>::min()) ||
      (i > 0 &&
       static_cast<std::uint64_t>(i) > static_cast<std::uint64_t>(std::numeric_limits<Int>::max())))
    return bad_request(std::string(name) + ": out of range");
  return static_cast<Int>(i);
}

Status decode_filter(const json& filter, WebAction& out) {
  if (!filter.is_object()) return bad_request("filter: not a JSON object");
  if (filter.empty())
    return bad_request("filter: empty; to act on every job say so with {\"all\": \"1\"}");
  QueryParams params;
  for (const auto& [name, value] : filter.items()) {
    if (params.size() == kMaxQueryParams) return bad_request("filter: too many fields");
    if (value.is_string()) {
      params.emplace_back(name, value.get<std::string>());
    } else if (value.is_number_integer() || value.is_boolean()) {
      params.emplace_back(name, value.dump());
    } else if (name == "state" && value.is_array()) {
      std::string joined;
      for (const json& s : value) {
        if (!s.is_string()) return bad_request("filter.state: not a list of strings");
        if (!joined.empty()) joined += ',';
        joined += s.get<std::string>();
      }
      if (joined.empty()) return bad_request("filter.state: empty");
      params.emplace_back(name, joined);
    } else {
      return bad_request("filter." + name.substr(0, 64) + ": not a string or number");
    }
    if (!is_clean_utf8(params.back().first) || !is_clean_utf8(params.back().second))
      return bad_request("filter: not UTF-8 text");
  }
  Result<std::string> signature = take_error_signature(params);
  if (!signature.ok()) return bad_request("filter." + signature.status().message);
  out.error_signature = *signature;
  Result<ListQuery> query = decode_jobs_query(params, false);
  if (!query.ok()) return bad_request("filter." + query.status().message);
  const ListQuery& q = *query;
  const bool one_state = q.states.size() <= 1;
  out.node_selectable = out.error_signature.empty() && q.search.empty() && q.job_class.empty() &&
                        q.node.empty() && q.flow.empty() && q.attempts_min == 0 &&
                        q.attempts_max == std::numeric_limits<std::uint32_t>::max() &&
                        q.created.unbounded() && q.started.unbounded() && q.finished.unbounded() &&
                        q.run_at.unbounded() && one_state;
  bool all = false;
  for (const auto& [name, value] : params)
    all = all || (name == "all" && (value == "1" || value == "true"));
  if (out.node_selectable && q.queue.empty() && !q.state && q.states.empty() && !all)
    return bad_request(
        "filter: selects every job; to act on every job say so with {\"all\": \"1\"}");
  out.filter = std::move(*query);
  return {};
}

}  // namespace

Status check_known(const QueryParams& params, std::initializer_list<std::string_view> known) {
  for (const auto& [name, _] : params) {
    bool ok = false;
    for (std::string_view k : known) ok = ok || name == k;
    if (!ok) {
      std::string shown;
      for (char c : name.substr(0, 64))
        shown += (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) ? c : '?';
      return bad_request(shown + ": unknown parameter");
    }
  }
  return {};
}

Result<ListQuery> decode_jobs_query(const QueryParams& params, bool paging) {
  ListQuery q;
  q.limit = kDefaultPageRows;
  bool all = false;
  for (const auto& [name, v] : params) {
    if (name == "search") {
      q.search = v;
    } else if (name == "queue") {
      if (!v.empty()) {
        if (std::string why = check_queue_name(v); !why.empty())
          return bad_request("queue: " + why);
      }
      q.queue = v;
    } else if (name == "state") {
      if (v.empty()) continue;
      std::vector<JobState> states;
      if (Status s = ui::parse_job_states(name, v, states); !s.ok()) return s;
      if (states.size() == 1) {
        q.state = states[0];
      } else {
        q.states = std::move(states);
      }
    } else if (name == "class") {
      q.job_class = v;
    } else if (name == "node") {
      q.node = v;
    } else if (name == "flow") {
      q.flow = v;
    } else if (name == "attempts") {
      if (v.empty()) continue;
      if (Status s = parse_attempts(v, q); !s.ok()) return s;
    } else if (paging && name == "sort") {
      if (!sort_column_from_string(v, q.sort))
        return bad_request("sort: '" + v.substr(0, 64) + "' is not one of " + ui::kSortColumnNames);
    } else if (paging && name == "desc") {
      if (Status s = parse_bool(name, v, q.descending); !s.ok()) return s;
    } else if (paging && name == "limit") {
      if (!parse_int(std::string_view(v), q.limit) || q.limit == 0 || q.limit > kMaxPageRows)
        return bad_request("limit: '" + v.substr(0, 64) + "' is not a number from 1 to " +
                           std::to_string(kMaxPageRows));
    } else if (paging && name == "cursor") {
      q.cursor = v;
    } else if (!paging && name == "all") {
      if (Status s = parse_bool(name, v, all); !s.ok()) return s;
    } else {
      bool matched = false;
      for (const TimeParam& t : kTimeParams) {
        if (name != t.name) continue;
        matched = true;
        if (v.empty()) break;
        TimeMs ms = 0;
        if (!parse_int(std::string_view(v), ms))
          return bad_request(name + ": '" + v.substr(0, 64) +
                             "' is not a time in milliseconds since the Unix epoch");
        TimeRange& range = q.*t.range;
        (t.after ? range.from : range.to) = ms;
      }
      if (!matched) return check_known({{name, v}}, {});
    }
  }
  for (const auto* r : {&q.created, &q.started, &q.finished, &q.run_at}) {
    if (r->from > r->to) return bad_request("time range: a range ends before it starts");
  }
  if (Status s = check_list_query(q); !s.ok()) {
    if (!q.cursor.empty() && s.message.find("cursor") != std::string::npos)
      return bad_request("cursor: " + s.message);
    return bad_request("query: " + s.message);
  }
  return q;
}

Result<std::string> take_error_signature(QueryParams& params) {
  std::string out;
  for (auto it = params.begin(); it != params.end(); ++it) {
    if (it->first != "error_signature") continue;
    out = it->second;
    params.erase(it);
    if (out.empty()) return bad_request("error_signature: empty");
    if (out.size() > kMaxSignatureBytes + 16)
      return bad_request("error_signature: longer than a signature can be");
    break;
  }
  return out;
}

Result<GroupsRequest> decode_groups_query(const QueryParams& params) {
  if (Status s = check_known(params, {"by", "state"}); !s.ok()) return s;
  GroupsRequest out;
  bool have_by = false;
  for (const auto& [name, v] : params) {
    if (name == "by") {
      if (!group_by_from_string(v, out.by))
        return bad_request("by: '" + v.substr(0, 64) + "' is not queue, class or error");
      have_by = true;
    } else if (name == "state" && !v.empty()) {
      if (Status s = ui::parse_job_states(name, v, out.states); !s.ok()) return s;
    }
  }
  if (!have_by) return bad_request("by: missing (queue, class or error)");
  return out;
}

Result<WebAction> decode_action_request(std::string_view body) {
  Result<json> parsed = parse_object(body);
  if (!parsed.ok()) return parsed.status();
  const json& doc = *parsed;
  WebAction out;
  if (!doc.contains("action")) return bad_request("action: missing");
  Result<std::string> name = get_string(doc, "action", 64);
  if (!name.ok()) return name.status();
  if (*name == "pin") {
    out.kind = WebActionKind::pin;
  } else if (*name == "unpin") {
    out.kind = WebActionKind::unpin;
  } else if (!protocol::job_action_from_string(*name, out.job.action)) {
    return bad_request("action: '" + *name +
                       "' is not kill, retry, delete, relocate, rerole, reschedule, pin or unpin");
  }
  const bool has_ids = doc.contains("ids");
  const bool has_filter = doc.contains("filter");
  if (has_ids == has_filter) return bad_request("ids: give either ids or filter (exactly one)");
  if (has_ids) {
    const json& ids = doc.at("ids");
    if (!ids.is_array()) return bad_request("ids: not a list");
    if (ids.empty()) return bad_request("ids: empty");
    if (ids.size() > kMaxActionIds)
      return bad_request("ids: more than " + std::to_string(kMaxActionIds) + "; use a filter");
    for (const json& id : ids) {
      std::optional<JobId> parsed_id;
      if (id.is_string()) parsed_id = parse_job_id(id.get_ref<const std::string&>());
      if (!parsed_id)
        return bad_request(
            "ids: '" +
            (id.is_string() ? id.get<std::string>().substr(0, 40) : id.dump().substr(0, 40)) +
            "' is not a job id");
      out.ids.push_back(*parsed_id);
    }
    out.job.ids = out.ids;
  } else if (Status s = decode_filter(doc.at("filter"), out); !s.ok()) {
    return s;
  }
  using K = protocol::JobActionKind;
  const K k = out.job.action;
  const bool job = out.kind == WebActionKind::job_action;
  // Which arguments each action takes; any other is refused by name.
  for (const auto& [field, value] : doc.items()) {
    if (field == "action" || field == "ids" || field == "filter") continue;
    bool allowed = false;
    if (field == "queue") allowed = job && (k == K::relocate || k == K::rerole);
    if (field == "node") allowed = (job && k == K::relocate) || out.kind == WebActionKind::pin;
    if (field == "pool") allowed = out.kind == WebActionKind::pin;
    if (field == "class" || field == "priority" || field == "flow") allowed = job && k == K::rerole;
    if (field == "run_at" || field == "in_ms") allowed = job && k == K::reschedule;
    if (!allowed) return bad_request(field.substr(0, 64) + ": not an argument of " + *name);
  }
  if (doc.contains("queue")) {
    Result<std::string> q = get_string(doc, "queue", 128);
    if (!q.ok()) return q.status();
    if (std::string why = check_queue_name(*q); !why.empty()) return bad_request("queue: " + why);
    out.job.queue = *q;
  }
  if (doc.contains("node")) {
    Result<std::string> n = get_string(doc, "node", 256);
    if (!n.ok()) return n.status();
    if (job)
      out.job.node = *n;
    else
      out.pin_node = *n;
  }
  if (doc.contains("pool")) {
    Result<std::string> p = get_string(doc, "pool", 256);
    if (!p.ok()) return p.status();
    out.pin_pool = *p;
  }
  if (doc.contains("class")) {
    Result<std::string> c = get_string(doc, "class", 1024);
    if (!c.ok()) return c.status();
    if (c->empty()) return bad_request("class: empty");
    out.job.job_class = *c;
  }
  if (doc.contains("flow")) {
    Result<std::string> f = get_string(doc, "flow", 1024);
    if (!f.ok()) return f.status();
    out.job.flow = *f;
  }
  if (doc.contains("priority")) {
    Result<std::int32_t> p = get_int<std::int32_t>(doc, "priority");
    if (!p.ok()) return p.status();
    out.job.priority = *p;
  }
  if (doc.contains("run_at")) {
    Result<std::int64_t> t = get_int<std::int64_t>(doc, "run_at");
    if (!t.ok()) return t.status();
    if (*t <= 0) return bad_request("run_at: not a time in milliseconds since the Unix epoch");
    out.job.run_at = *t;
  }
  if (doc.contains("in_ms")) {
    Result<std::int64_t> t = get_int<std::int64_t>(doc, "in_ms");
    if (!t.ok()) return t.status();
    if (*t < 0 || *t > 10LL * 365 * 24 * 3600 * 1000)
      return bad_request("in_ms: not 0 to ten years");
    out.job.in_ms = *t;
  }
  if (job && k == K::relocate && !out.job.queue && !out.job.node)
    return bad_request("queue: relocate needs a queue or a node");
  if (job && k == K::rerole && !out.job.queue && !out.job.job_class && !out.job.priority &&
      !out.job.flow)
    return bad_request("queue: rerole needs a queue, class, priority or flow");
  if (job && k == K::reschedule && doc.contains("run_at") == doc.contains("in_ms"))
    return bad_request("run_at: reschedule needs run_at or in_ms (one of them)");
  if (out.kind == WebActionKind::pin && out.pin_node.empty() && out.pin_pool.empty())
    return bad_request("node: pin needs a node or a pool");
  return out;
}

Result<QueueCreateRequest> decode_queue_create(std::string_view body) {
  Result<json> parsed = parse_object(body);
  if (!parsed.ok()) return parsed.status();
  const json& doc = *parsed;
  QueueCreateRequest out;
  for (const auto& [field, _] : doc.items()) {
    if (field != "name" && field != "max_attempts" && field != "backoff_base_ms" &&
        field != "backoff_max_ms")
      return bad_request(field.substr(0, 64) + ": unknown field");
  }
  if (!doc.contains("name")) return bad_request("name: missing");
  Result<std::string> name = get_string(doc, "name", 128);
  if (!name.ok()) return name.status();
  if (std::string why = check_queue_name(*name); !why.empty()) return bad_request("name: " + why);
  out.name = *name;
  for (auto [field, slot] : {std::pair{"max_attempts", &out.max_attempts},
                             std::pair{"backoff_base_ms", &out.backoff_base_ms},
                             std::pair{"backoff_max_ms", &out.backoff_max_ms}}) {
    if (!doc.contains(field)) continue;
    Result<std::uint32_t> v = get_int<std::uint32_t>(doc, field);
    if (!v.ok()) return v.status();
    *slot = *v;
  }
  return out;
}

Result<std::vector<std::string>> decode_qdisc_words(std::string_view body) {
  Result<json> parsed = parse_object(body);
  if (!parsed.ok()) return parsed.status();
  const json& doc = *parsed;
  if (!doc.contains("spec") || doc.size() != 1)
    return bad_request("spec: expected {\"spec\": \"...\"}");
  Result<std::string> spec = get_string(doc, "spec", 4096);
  if (!spec.ok()) return spec.status();
  std::vector<std::string> words;
  std::size_t start = 0;
  while (start < spec->size()) {
    std::size_t space = spec->find(' ', start);
    if (space == std::string::npos) space = spec->size();
    if (space > start) words.push_back(spec->substr(start, space - start));
    start = space + 1;
  }
  if (words.empty()) return bad_request("spec: empty");
  return words;
}

std::optional<std::string> Fields::string(std::string_view name) const {
  for (const auto& [n, v] : strings) {
    if (n == name) return v;
  }
  return std::nullopt;
}

std::optional<std::uint32_t> Fields::number(std::string_view name) const {
  for (const auto& [n, v] : numbers) {
    if (n == name) return v;
  }
  return std::nullopt;
}

Result<Fields> decode_fields(std::string_view body, std::initializer_list<FieldSpec> spec) {
  std::string_view text = body;
  while (!text.empty() && (text.front() == ' ' || text.front() == '\n')) text.remove_prefix(1);
  Result<json> parsed = parse_object(text.empty() ? std::string_view("{}") : body);
  if (!parsed.ok()) return parsed.status();
  const json& doc = *parsed;
  for (const auto& [field, _] : doc.items()) {
    bool known = false;
    for (const FieldSpec& f : spec) known = known || field == f.name;
    if (!known) return bad_request(field.substr(0, 64) + ": unknown field");
  }
  Fields out;
  for (const FieldSpec& f : spec) {
    if (!doc.contains(f.name)) {
      if (f.required) return bad_request(std::string(f.name) + ": missing");
      continue;
    }
    if (f.number) {
      Result<std::uint32_t> v = get_int<std::uint32_t>(doc, f.name);
      if (!v.ok()) return v.status();
      out.numbers.emplace_back(f.name, *v);
    } else {
      Result<std::string> v = get_string(doc, f.name, 256);
      if (!v.ok()) return v.status();
      out.strings.emplace_back(f.name, *v);
    }
  }
  return out;
}

Result<std::string> decode_login(std::string_view body, bool is_json) {
  if (is_json) {
    Result<json> parsed = parse_object(body);
    if (!parsed.ok()) return parsed.status();
    if (!parsed->contains("password")) return bad_request("password: missing");
    return get_string(*parsed, "password", 1024);
  }
  Result<QueryParams> params = parse_query_string(body);
  if (!params.ok()) return params.status();
  for (const auto& [name, value] : *params) {
    if (name == "password") return value;
  }
  return bad_request("password: missing");
}

}  // namespace desaster::web
