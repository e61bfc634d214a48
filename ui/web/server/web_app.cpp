#include "ui/web/server/web_app.hpp"

#include <chrono>
#include <new>

#include <msgpack.hpp>

#include "core/model/job_id.hpp"
#include "core/version.hpp"
#include "transport/client/client.hpp"
#include "transport/client/msgpack_json.hpp"
#include "ui/common/json_writer.hpp"
#include "ui/desasterctl/ctl_args.hpp"
#include "ui/web/server/json_views.hpp"
#include "ui/web/server/node_reply_json.hpp"
#include "ui/web/server/query/query_string.hpp"
#include "ui/web/server/query/web_query.hpp"
#include "ui/web/server/search_page.hpp"
#include "ui/web/server/signature_filter.hpp"
#include "ui/web/server/static_assets.hpp"

namespace desaster::web {

namespace {

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kCookie = "desaster_session";
// Open /api/events streams at most (each holds a connection and a buffer).
constexpr std::size_t kMaxSseClients = 1000;
// How long one /api/jobs request may keep scanning for a fuller page.
constexpr std::chrono::milliseconds kFillBudget{50};

int http_status_of(const Status& s) {
  switch (s.code) {
    case ErrorCode::bad_request:
      return 400;
    case ErrorCode::not_found:
      return 404;
    case ErrorCode::unavailable:
      return 503;
    default:
      return 502;
  }
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// A node's raw msgpack reply body as JSON (job ids as hex strings).
Result<std::string> reply_json(Result<protocol::Reply> reply) {
  if (!reply.ok()) return reply.status();
  if (!reply->status.ok()) return reply->status;
  return node_reply_json(reply->body);
}

}  // namespace

WebApp::WebApp(const WebOptions& options, std::string password, Replica& replica,
               ActionRunner& runner)
    : options_(options), auth_(std::move(password)), replica_(replica), runner_(runner) {}

std::int64_t WebApp::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void WebApp::json(h2o_req_t* req, int status, std::string_view body) {
  respond(req, status, kJson, body, {{"cache-control", "no-store"}});
}

void WebApp::error(h2o_req_t* req, int status, const std::string& message) {
  json(req, status, error_json(message));
}

void WebApp::error(h2o_req_t* req, const Status& status) {
  error(req, http_status_of(status), status.message);
}

std::string WebApp::session_cookie(h2o_req_t* req) const {
  const std::string_view header = header_of(req, "cookie");
  if (header.empty()) return {};
  return cookie_value(header, kCookie).value_or("");
}

namespace {

// Lives in the request's pool; h2o disposes it with the request, once the
// answer went out (or the client left), which is when the request ends.
struct RequestTiming {
  WebMetrics* metrics;
  h2o_req_t* req;
  std::string_view route;  // one of route_of()'s constants
  std::chrono::steady_clock::time_point started;
};

void time_request(WebMetrics* metrics, h2o_req_t* req, std::string_view route) {
  void* slot = h2o_mem_alloc_shared(&req->pool, sizeof(RequestTiming), [](void* p) {
    auto* t = static_cast<RequestTiming*>(p);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t->started).count();
    t->metrics->on_response(t->route, t->req->res.status, seconds);
    t->~RequestTiming();
  });
  new (slot) RequestTiming{metrics, req, route, std::chrono::steady_clock::now()};
}

}  // namespace

WebGauges WebApp::gauges() const {
  WebGauges g;
  g.sse_clients = sse_.size();
  g.link_state = to_string(replica_.connection().state);
  g.applied_index = replica_.index();
  g.term = replica_.term();
  g.events_dropped = events_dropped_;
  return g;
}

void WebApp::handle(h2o_req_t* req) {
  if (metrics_) {
    std::string_view path(req->path_normalized.base, req->path_normalized.len);
    const std::string& base = options_.base_path;
    const bool under_base =
        base.empty() || (path.substr(0, base.size()) == base &&
                         (path.size() == base.size() || path[base.size()] == '/'));
    time_request(metrics_, req,
                 under_base ? route_of(path.substr(base.size())) : std::string_view("other"));
  }
  if (header_bytes(req) > kMaxHeaderBytes) {
    return error(req, 431,
                 "headers: larger than " + std::to_string(kMaxHeaderBytes / 1024) + " KiB");
  }
  std::string_view path(req->path_normalized.base, req->path_normalized.len);
  std::string_view query;
  if (req->query_at != SIZE_MAX && req->query_at < req->path.len)
    query = std::string_view(req->path.base + req->query_at + 1, req->path.len - req->query_at - 1);
  const std::string& base = options_.base_path;
  if (!base.empty()) {
    if (path == base) {
      return respond(req, 302, "text/plain", "", {{"location", base + "/"}});
    }
    if (!starts_with(path, base + "/")) return error(req, 404, "path: not under " + base + "/");
    path.remove_prefix(base.size());
  }
  route(req, path, query);
}

void WebApp::route(h2o_req_t* req, std::string_view path, std::string_view query) {
  const std::string_view method(req->method.base, req->method.len);
  const bool get = method == "GET" || method == "HEAD";
  const bool post = method == "POST";
  if (!get && !post) return error(req, 405, "method: " + std::string(method) + " not allowed");
  if (path == "/login") {
    if (post) return login(req);
    return serve_file(req, "/");
  }
  if (path == "/logout") {
    if (!post) return error(req, 405, "method: POST /logout");
    return logout(req);
  }
  if (path == "/api/session") {
    if (!get) return error(req, 405, "method: GET /api/session");
    return session(req);
  }
  if (starts_with(path, "/api/")) {
    const std::string cookie = session_cookie(req);
    if (!auth_.logged_in(cookie, now_ms())) return error(req, 401, "session: log in first");
    if (get) return api_get(req, path, query);
    const std::string_view token = header_of(req, "x-csrf-token");
    if (!auth_.csrf_ok(cookie, token, now_ms()))
      return error(req, 403, "X-CSRF-Token: missing or wrong (see GET /api/session)");
    if (options_.read_only) return error(req, 403, "desaster-web runs read-only");
    return api_post(req, path);
  }
  if (!get) return error(req, 405, "method: " + std::string(method) + " not allowed here");
  if (!query.empty() && path != "/") {
    // Static files take no parameters; refuse rather than ignore.
    return error(req, 400, "query: static files take no parameters");
  }
  serve_file(req, path);
}

void WebApp::serve_file(h2o_req_t* req, std::string_view path) {
  const std::string_view name = path == "/" ? std::string_view("/index.html") : path;
  const EmbeddedFile* f = find_embedded(name);
  if (f == nullptr) {
    if (path == "/") {
      return respond(req, 200, "text/html; charset=utf-8",
                     "<!doctype html><title>desaster-web</title><p>This desaster-web was built "
                     "without its page (ui/web/app/index.html); the API is under api/.\n");
    }
    return error(req, 404, "path: no such file " + std::string(path.substr(0, 200)));
  }
  const bool html = name.size() >= 5 && name.substr(name.size() - 5) == ".html";
  std::vector<Header> headers{{"cache-control", html ? "no-store" : "no-cache"},
                              {"x-frame-options", "DENY"},
                              {"referrer-policy", "no-referrer"}};
  if (html) {
    headers.push_back({"content-security-policy",
                       "default-src 'self'; img-src 'self' data:; style-src 'self' "
                       "'unsafe-inline'; frame-ancestors 'none'"});
  }
  respond_static(req, 200, content_type_of(name), f->data, f->size, headers);
}

void WebApp::session(h2o_req_t* req) {
  const std::string cookie = session_cookie(req);
  const std::int64_t now = now_ms();
  const bool in = auth_.logged_in(cookie, now);
  JsonWriter w;
  w.begin_object().key("csrf_token").value(in ? auth_.csrf_token(cookie, now) : "");
  w.key("read_only").value(options_.read_only).key("auth_required").value(auth_.required());
  w.key("logged_in").value(in).key("version").value(kVersion);
  w.key("base_path").value(options_.base_path).end_object();
  json(req, 200, w.str());
}

void WebApp::login(h2o_req_t* req) {
  if (!auth_.required()) return error(req, 400, "password: this desaster-web has no login");
  const std::string_view ct = header_of(req, "content-type");
  const bool is_json = starts_with(ct, "application/json");
  Result<std::string> password =
      decode_login(std::string_view(req->entity.base, req->entity.len), is_json);
  if (!password.ok()) return error(req, password.status());
  std::string session;
  std::int64_t retry_after = 0;
  const std::int64_t now = now_ms();
  switch (auth_.login(peer_address(req), *password, now, session, retry_after)) {
    case Auth::Login::limited:
      return respond(req, 429, kJson,
                     error_json("password: too many wrong passwords; try again in " +
                                std::to_string(retry_after) + " s"),
                     {{"retry-after", std::to_string(retry_after)}});
    case Auth::Login::wrong:
      return error(req, 401, "password: wrong");
    case Auth::Login::ok:
      break;
  }
  std::string cookie =
      std::string(kCookie) + "=" + session + "; Path=" + options_.base_path +
      "/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(kSessionLifetimeMs / 1000);
  if (is_tls(req)) cookie += "; Secure";
  JsonWriter w;
  w.begin_object().key("ok").value(true).key("csrf_token").value(auth_.csrf_token(session, now));
  w.end_object();
  respond(req, 200, kJson, w.str(), {{"set-cookie", cookie}, {"cache-control", "no-store"}});
}

void WebApp::logout(h2o_req_t* req) {
  const std::string cookie = session_cookie(req);
  if (auth_.required()) {
    if (!auth_.csrf_ok(cookie, header_of(req, "x-csrf-token"), now_ms()))
      return error(req, 403, "X-CSRF-Token: missing or wrong (see GET /api/session)");
    auth_.logout(cookie);
  }
  std::string clear = std::string(kCookie) + "=; Path=" + options_.base_path +
                      "/; HttpOnly; SameSite=Strict; Max-Age=0";
  respond(req, 200, kJson, "{\"ok\":true}", {{"set-cookie", clear}});
}

std::string WebApp::overview() const {
  OverviewInputs in;
  in.connection = replica_.connection();
  in.nodes = replica_.nodes();
  in.load = replica_.load();
  for (const protocol::NodeSummary& n : in.nodes.nodes) in.alive.push_back(replica_.alive(n));
  const RateSeries rates = replica_.rates();
  in.rates = &rates;
  in.index = replica_.index();
  in.term = replica_.term();
  in.now = now_ms();
  return replica_.read([&](const State& state) { return overview_json(state, in); });
}

void WebApp::api_get(h2o_req_t* req, std::string_view path, std::string_view query) {
  auto no_params = [&]() {
    if (query.empty()) return true;
    Result<QueryParams> params = parse_query_string(query);
    if (!params.ok()) {
      error(req, params.status());
      return false;
    }
    if (Status s = check_known(*params, {}); !s.ok()) {
      error(req, s);
      return false;
    }
    return true;
  };
  if (path == "/api/overview") {
    if (no_params()) json(req, 200, overview());
    return;
  }
  if (path == "/api/queues") {
    if (no_params()) json(req, 200, replica_.read([](const State& s) { return queues_json(s); }));
    return;
  }
  if (path == "/api/jobs") return jobs(req, query);
  if (starts_with(path, "/api/jobs/")) return job(req, path.substr(10), query);
  if (path == "/api/failed/groups") return groups(req, query);
  if (path == "/api/events") return events(req, query);
  if (path == "/api/workers" || path == "/api/resources") return node_json(req, path, query);
  if (admin_get(req, path, query)) return;
  if (cron_get(req, path, query)) return;
  if (starts_with(path, "/api/operations/")) {
    if (!no_params()) return;
    const std::optional<Operation> op = runner_.operation(std::string(path.substr(16)));
    if (!op) return error(req, 404, "operation: no such operation");
    return json(req, 200, operation_json(*op));
  }
  error(req, 404, "path: no such endpoint " + std::string(path.substr(0, 200)));
}

void WebApp::jobs(h2o_req_t* req, std::string_view query) {
  Result<QueryParams> params = parse_query_string(query);
  if (!params.ok()) return error(req, params.status());
  Result<std::string> signature = take_error_signature(*params);
  if (!signature.ok()) return error(req, signature.status());
  Result<ListQuery> q = decode_jobs_query(*params);
  if (!q.ok()) return error(req, q.status());
  if (!signature->empty() && q->sort != SortColumn::id)
    return error(req, 400, "error_signature: lists sort by id only (sort=id)");
  const std::uint32_t slots = cluster_slots(replica_.nodes());
  const std::int64_t now = now_ms();
  const std::uint64_t index = replica_.index();
  if (!signature->empty()) {
    // An error group's list: the group's ids when the index keeps its states.
    json(req, 200, replica_.read_grouped([&](const State& state, const GroupIndex& groups) {
      std::optional<ListPage> kept = list_by_signature(state, groups, *q, *signature);
      const ListPage page = kept ? std::move(*kept) : list_by_signature(state, *q, *signature);
      return jobs_page_json(page, index,
                            [&](const Job& job) { return state.eta(job.id, now, slots); });
    }));
    return;
  }
  json(req, 200, replica_.read_indexed([&](const State& state, const SearchIndex& search) {
    // A search the index narrows: its candidates only, an exact total.
    std::optional<ListPage> indexed = search_page(state, search, *q);
    ListPage page = indexed ? std::move(*indexed) : state.list(*q);
    // A filter no index answers (a short search, say) makes the state stop
    // after a bounded scan, maybe with a short or empty page and a cursor to
    // go on. Go on here for a while, so a search for one job finds it in one call.
    const auto deadline = std::chrono::steady_clock::now() + kFillBudget;
    ListQuery more = *q;
    while (!indexed && page.jobs.size() < q->limit && !page.cursor.empty() &&
           std::chrono::steady_clock::now() < deadline) {
      more.cursor = page.cursor;
      more.limit = q->limit - page.jobs.size();
      ListPage next = state.list(more);
      page.jobs.insert(page.jobs.end(), next.jobs.begin(), next.jobs.end());
      page.cursor = next.cursor;
    }
    return jobs_page_json(page, index,
                          [&](const Job& job) { return state.eta(job.id, now, slots); });
  }));
}

void WebApp::job(h2o_req_t* req, std::string_view id_text, std::string_view query) {
  if (!query.empty()) return error(req, 400, "query: /api/jobs/ID takes no parameters");
  const std::optional<JobId> id = parse_job_id(id_text);
  if (!id)
    return error(
        req, 400,
        "id: '" + std::string(id_text.substr(0, 40)) + "' is not a job id (16 hex digits)");
  const std::uint32_t slots = cluster_slots(replica_.nodes());
  const std::int64_t now = now_ms();
  std::string body = replica_.read([&](const State& state) -> std::string {
    const Job* job = state.find(*id);
    if (job == nullptr) return {};
    return job_json(*job, state.eta(job->id, now, slots));
  });
  if (body.empty()) return error(req, 404, "id: no job " + format_job_id(*id));
  json(req, 200, body);
}

void WebApp::groups(h2o_req_t* req, std::string_view query) {
  Result<QueryParams> params = parse_query_string(query);
  if (!params.ok()) return error(req, params.status());
  Result<GroupsRequest> g = decode_groups_query(*params);
  if (!g.ok()) return error(req, g.status());
  const std::uint64_t index = replica_.index();
  json(req, 200, replica_.read_grouped([&](const State& state, const GroupIndex& groups) {
    // By error from the kept groups (State::groups() signs every failed
    // job's error); by queue or class it reads only index sizes.
    std::optional<std::vector<JobGroup>> kept;
    if (g->by == GroupBy::error) kept = groups.error_groups(g->states);
    return groups_json(kept ? *kept : state.groups(g->by, g->states), index);
  }));
}

void WebApp::node_json(h2o_req_t* req, std::string_view path, std::string_view query) {
  Result<QueryParams> params = parse_query_string(query);
  if (!params.ok()) return error(req, params.status());
  if (path == "/api/workers") {
    if (Status s = check_known(*params, {}); !s.ok()) return error(req, s);
    return later(req, [](Client& c) -> Result<std::string> {
      Result<std::string> pools =
          reply_json(c.request(protocol::PoolCommand{protocol::PoolAction::list, {}, {}}));
      if (!pools.ok()) return pools;
      protocol::AssignCommand list;
      list.action = protocol::AssignAction::list;
      Result<std::string> assignments = reply_json(c.request(list));
      if (!assignments.ok()) return assignments;
      return "{\"pools\":" + *pools + ",\"assignments\":" + *assignments + "}";
    });
  }
  if (Status s = check_known(*params, {"since", "node"}); !s.ok()) return error(req, s);
  protocol::Resources r;
  r.series = "seconds";
  r.since_ms = 600'000;
  std::string endpoint;  // empty: the connected node
  for (const auto& [name, value] : *params) {
    if (name == "node") {
      for (const protocol::NodeSummary& n : replica_.nodes().nodes) {
        if (n.node == value && !n.self && n.port > 2 && n.address != "0.0.0.0")
          endpoint = "tcp://" + n.address + ":" + std::to_string(n.port - 2);
        if (n.node == value && n.self) endpoint = replica_.connection().endpoint;
      }
      if (endpoint.empty())
        return error(req, 400, "node: no node " + value.substr(0, 64) + " in the cluster's list");
      continue;
    }
    if (value == "10m") {
      r.series = "seconds";
      r.since_ms = 600'000;
    } else if (value == "24h") {
      r.series = "minutes";
      r.since_ms = 86'400'000;
    } else {
      return error(req, 400, "since: '" + value.substr(0, 40) + "' is not 10m or 24h");
    }
  }
  const std::string key = options_.group_key;
  const std::string connected = replica_.connection().endpoint;
  later(req, [r, endpoint, key, connected](Client& c) -> Result<std::string> {
    if (endpoint.empty() || endpoint == connected) return reply_json(c.request(r));
    // Another node's own history: a short-lived client of its own.
    ClientOptions o;
    o.endpoint = endpoint;
    o.group_key = key;
    o.name = "desaster-web";
    o.timeout = std::chrono::milliseconds(3000);
    auto other = Client::connect(o);
    if (!other.ok()) return other.status();
    return reply_json((*other)->request(r));
  });
}

void WebApp::later(h2o_req_t* req, ActionRunner::Work work, int ok_status) {
  // Without a node there is nobody to ask: say so at once rather than
  // queue the request behind others' timeouts.
  const ConnectionInfo c = replica_.connection();
  if (c.state != LinkState::connected) return error(req, 503, "node: " + c.message);
  std::shared_ptr<Deferred> held = Deferred::hold(req);
  runner_.post(std::move(work), [this, held, ok_status](Result<std::string> result) {
    if (!held->alive()) return;
    if (result.ok()) return json(held->req(), ok_status, *result);
    error(held->req(), result.status());
  });
}

void WebApp::api_post(h2o_req_t* req, std::string_view path) {
  if (path == "/api/actions") return actions(req);
  if (path == "/api/queues") {
    Result<QueueCreateRequest> create =
        decode_queue_create(std::string_view(req->entity.base, req->entity.len));
    if (!create.ok()) return error(req, create.status());
    protocol::QueueCommand command;
    command.action = protocol::QueueAction::create;
    command.name = create->name;
    QueueConfig config;
    config.retry.max_attempts = create->max_attempts;
    config.retry.backoff_base_ms = create->backoff_base_ms;
    config.retry.backoff_max_ms = create->backoff_max_ms;
    command.config = config;
    return later(req, [command](Client& c) -> Result<std::string> {
      if (Status s = c.queue_command(command); !s.ok()) return s;
      return std::string("{\"ok\":true}");
    });
  }
  if (starts_with(path, "/api/queues/")) return queue_post(req, path.substr(12));
  if (admin_post(req, path)) return;
  if (cron_post(req, path)) return;
  error(req, 404, "path: no such endpoint " + std::string(path.substr(0, 200)));
}

void WebApp::queue_post(h2o_req_t* req, std::string_view rest) {
  const std::size_t slash = rest.rfind('/');
  if (slash == std::string_view::npos || slash == 0)
    return error(req, 404, "path: expected /api/queues/NAME/ACTION");
  const std::string name(rest.substr(0, slash));
  const std::string_view verb = rest.substr(slash + 1);
  if (std::string why = check_queue_name(name); !why.empty())
    return error(req, 400, "name: " + why);
  if (verb == "dedup") {
    Result<Fields> f = decode_fields(std::string_view(req->entity.base, req->entity.len),
                                     {{"window_ms", true, true}});
    if (!f.ok()) return error(req, f.status());
    const std::uint64_t window = *f->number("window_ms");
    return later(req, [name, window](Client& c) -> Result<std::string> {
      if (Status s = c.set_dedup_window(name, window); !s.ok()) return s;
      return std::string("{\"ok\":true}");
    });
  }
  if (verb == "qdisc") {
    Result<std::vector<std::string>> words =
        decode_qdisc_words(std::string_view(req->entity.base, req->entity.len));
    if (!words.ok()) return error(req, words.status());
    std::vector<std::string> args{"set", name};
    args.insert(args.end(), words->begin(), words->end());
    CtlArgs parsed;
    if (Status s = parse_qdisc_args(args, parsed); !s.ok())
      return error(req, 400, "spec: " + s.message);
    const protocol::QdiscCommand command = parsed.qdisc;
    return later(req, [command](Client& c) -> Result<std::string> {
      Result<protocol::QdiscReply> reply = c.qdisc(command);
      if (!reply.ok()) return reply.status();
      return std::string("{\"ok\":true}");
    });
  }
  protocol::QueueCommand command;
  command.name = name;
  if (verb == "pause") {
    command.action = protocol::QueueAction::pause;
  } else if (verb == "resume") {
    command.action = protocol::QueueAction::resume;
  } else if (verb == "clear") {
    command.action = protocol::QueueAction::clear;
  } else if (verb == "delete") {
    command.action = protocol::QueueAction::remove;
  } else {
    return error(req, 404,
                 "action: '" + std::string(verb.substr(0, 40)) +
                     "' is not pause, resume, clear, delete or qdisc");
  }
  later(req, [command](Client& c) -> Result<std::string> {
    if (Status s = c.queue_command(command); !s.ok()) return s;
    return std::string("{\"ok\":true}");
  });
}

void WebApp::actions(h2o_req_t* req) {
  Result<WebAction> action =
      decode_action_request(std::string_view(req->entity.base, req->entity.len));
  if (!action.ok()) return error(req, action.status());
  if (!action->filter) {
    const WebAction a = std::move(*action);
    return later(req, [a](Client& c) -> Result<std::string> {
      Result<protocol::JobActionReply> reply = ActionRunner::act_on_ids(c, a, a.ids);
      if (!reply.ok()) return reply.status();
      return action_reply_json(*reply);
    });
  }
  if (const ConnectionInfo c = replica_.connection(); c.state != LinkState::connected)
    return error(req, 503, "node: " + c.message);
  // How many jobs the filter matches now: the number the page confirmed.
  ListQuery count = *action->filter;
  count.limit = 1;
  const std::uint64_t matching =
      replica_.read_indexed([&](const State& state, const SearchIndex& search) {
        if (std::optional<ListPage> page = search_page(state, search, count)) return page->total;
        return state.list(count).total;
      });
  const std::string id = runner_.start_operation(std::move(*action), matching);
  JsonWriter w;
  w.begin_object().key("operation_id").value(id).key("matching").value(matching).end_object();
  json(req, 202, w.str());
}

void WebApp::events(h2o_req_t* req, std::string_view query) {
  if (!query.empty()) return error(req, 400, "query: /api/events takes no parameters");
  if (sse_.size() >= kMaxSseClients)
    return error(req, 503, "events: " + std::to_string(kMaxSseClients) + " streams open already");
  const ConnectionInfo c = replica_.connection();
  JsonWriter w;
  w.begin_object().key("index").value(replica_.index());
  w.key("connection_state").value(to_string(c.state)).end_object();
  sse_.open(req, "retry: 1000\nevent: hello\ndata: " + w.str() + "\n\n");
}

void WebApp::on_wake() {
  std::uint64_t skipped = 0;
  std::vector<OpEvent> events = replica_.take_events(skipped);
  events_dropped_ += skipped;
  if (sse_.size() > 0) {
    // More than the page can follow: one "skipped" instead of the flood.
    constexpr std::size_t kMaxOpsPerWake = 500;
    if (events.size() > kMaxOpsPerWake || skipped > 0) {
      const std::uint64_t last = events.empty() ? replica_.index() : events.back().index;
      sse_.broadcast("op", skipped_event_json(last, events.size() + skipped));
    } else {
      for (const OpEvent& e : events) sse_.broadcast("op", op_event_json(e));
    }
  }
  for (const Operation& op : runner_.drain()) sse_.broadcast("operation", operation_json(op));
  const ConnectionInfo c = replica_.connection();
  if (c.generation != overview_generation_) {
    overview_generation_ = c.generation;
    sse_.broadcast("connection", connection_json(c));
    overview_index_ = 0;  // the next tick sends an overview
  }
}

void WebApp::on_tick() {
  ++ticks_;
  if (sse_.size() == 0) return;
  // A connection change is normally sent from on_wake; checked here too so
  // it never waits for an op.
  if (const ConnectionInfo c = replica_.connection(); c.generation != overview_generation_) {
    overview_generation_ = c.generation;
    sse_.broadcast("connection", connection_json(c));
    overview_index_ = 0;
  }
  const std::uint64_t index = replica_.index();
  if (index != overview_index_) {
    overview_index_ = index;
    sse_.broadcast("overview", overview());
  }
  if (ticks_ % 60 == 0) sse_.comment("keepalive");  // every 15 s
}

}  // namespace desaster::web
