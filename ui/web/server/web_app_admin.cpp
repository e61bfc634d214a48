// The admin endpoints of WebApp (API.md "Workers, nodes, blacklist"): what
// `desasterctl pool`, `attach`, `drain` and `blacklist` do, from the page.
// Each is one request to the node, run on the ActionRunner.
#include <msgpack.hpp>

#include "transport/client/client.hpp"
#include "transport/client/msgpack_json.hpp"
#include "ui/web/server/json_views.hpp"
#include "ui/web/server/node_reply_json.hpp"
#include "ui/web/server/query/web_query.hpp"
#include "ui/web/server/web_app.hpp"

namespace desaster::web {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

const std::string kOk = "{\"ok\":true}";

Result<std::string> ok_or(const Status& s) {
  if (!s.ok()) return s;
  return kOk;
}

// "NAME/VERB" -> (NAME, VERB); empty name when malformed.
std::pair<std::string, std::string> split_last(std::string_view rest) {
  const std::size_t slash = rest.rfind('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == rest.size()) return {};
  return {std::string(rest.substr(0, slash)), std::string(rest.substr(slash + 1))};
}

}  // namespace

bool WebApp::admin_get(h2o_req_t* req, std::string_view path, std::string_view query) {
  if (path != "/api/blacklist") return false;
  Result<QueryParams> params = parse_query_string(query);
  if (!params.ok()) {
    error(req, params.status());
    return true;
  }
  if (Status s = check_known(*params, {"queue", "search", "limit"}); !s.ok()) {
    error(req, s);
    return true;
  }
  std::string queue;
  std::string search;
  std::uint32_t limit = 200;
  for (const auto& [name, value] : *params) {
    if (name == "queue") queue = value;
    if (name == "search") search = value;
    if (name == "limit") {
      char* end = nullptr;
      const unsigned long n = std::strtoul(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || n == 0 || n > 1000) {
        error(req, 400, "limit: '" + value.substr(0, 40) + "' is not a number from 1 to 1000");
        return true;
      }
      limit = static_cast<std::uint32_t>(n);
    }
  }
  protocol::BlacklistCommand command;
  command.action = protocol::BlacklistAction::list;
  command.queue = queue;
  command.search = search;
  command.limit = limit;
  later(req, [command](Client& c) -> Result<std::string> {
    Result<protocol::Reply> reply = c.request(command);
    if (!reply.ok()) return reply.status();
    if (!reply->status.ok()) return reply->status;
    return node_reply_json(reply->body);
  });
  return true;
}

bool WebApp::admin_post(h2o_req_t* req, std::string_view path) {
  const std::string_view body(req->entity.base, req->entity.len);
  if (path == "/api/blacklist/clear") {
    Result<Fields> f = decode_fields(body, {{"queue", false, false}, {"identity", false, false}});
    if (!f.ok()) {
      error(req, f.status());
      return true;
    }
    const std::string queue = f->string("queue").value_or("");
    const std::string identity = f->string("identity").value_or("");
    if (!identity.empty() && queue.empty()) {
      error(req, 400, "queue: an identity is cleared from one queue");
      return true;
    }
    later(req, [queue, identity](Client& c) { return ok_or(c.blacklist_clear(queue, identity)); });
    return true;
  }
  if (starts_with(path, "/api/nodes/")) {
    // Named copies: lambdas cannot capture structured bindings (C++20 in clang 14).
    const auto split = split_last(path.substr(11));
    const std::string node = split.first;
    const std::string verb = split.second;
    if (node.empty() || (verb != "drain" && verb != "undrain")) {
      error(req, 404, "path: expected /api/nodes/ID/drain or /undrain");
      return true;
    }
    if (Result<Fields> f = decode_fields(body, {}); !f.ok()) {
      error(req, f.status());
      return true;
    }
    const bool drain = verb == "drain";
    later(req, [node, drain](Client& c) -> Result<std::string> {
      Result<std::string> r = drain ? c.drain(node) : c.undrain(node);
      if (!r.ok()) return r.status();
      return "{\"ok\":true,\"node\":\"" + *r + "\"}";
    });
    return true;
  }
  if (!starts_with(path, "/api/pools/")) return false;
  const auto split = split_last(path.substr(11));
  const std::string pool = split.first;
  const std::string verb = split.second;
  if (pool.empty()) {
    error(req, 404, "path: expected /api/pools/NAME/ACTION");
    return true;
  }
  if (verb == "scale") {
    Result<Fields> f = decode_fields(body, {{"min", true, true}, {"max", true, true}});
    if (!f.ok()) return error(req, f.status()), true;
    const std::uint32_t min = *f->number("min");
    const std::uint32_t max = *f->number("max");
    if (min > max || max == 0 || max > 1024) {
      error(req, 400, "min: expected 0 <= min <= max, 1 <= max <= 1024");
      return true;
    }
    later(req, [pool, min, max](Client& c) -> Result<std::string> {
      Result<std::vector<PoolSummary>> pools = c.pools();
      if (!pools.ok()) return pools.status();
      for (const PoolSummary& p : *pools) {
        if (p.spec.name != pool) continue;
        PoolSpec spec = p.spec;
        spec.min_workers = min;
        spec.max_workers = max;
        return ok_or(c.pool_add(spec));
      }
      return Status::error(ErrorCode::not_found, "pool: no pool named " + pool);
    });
    return true;
  }
  if (verb == "reload") {
    if (Result<Fields> f = decode_fields(body, {}); !f.ok()) return error(req, f.status()), true;
    later(req, [pool](Client& c) { return ok_or(c.pool_reload(pool)); });
    return true;
  }
  if (verb == "pause" || verb == "resume") {
    Result<Fields> f = decode_fields(body, {{"node", false, false}});
    if (!f.ok()) return error(req, f.status()), true;
    const std::string node = f->string("node").value_or("");
    const bool pause = verb == "pause";
    later(req, [pool, node, pause](Client& c) {
      return ok_or(pause ? c.pause_pool(pool, node) : c.resume_pool(pool, node));
    });
    return true;
  }
  if (verb == "attach" || verb == "detach") {
    const bool attach = verb == "attach";
    Result<Fields> f =
        attach
            ? decode_fields(
                  body, {{"queue", false, true}, {"weight", true, false}, {"node", false, false}})
            : decode_fields(body, {{"queue", false, true}, {"node", false, false}});
    if (!f.ok()) return error(req, f.status()), true;
    const std::string queue = *f->string("queue");
    if (std::string why = check_queue_name(queue); !why.empty() && queue != "*")
      return error(req, 400, "queue: " + why), true;
    const std::uint32_t weight = f->number("weight").value_or(1);
    if (weight == 0 || weight > 1000) return error(req, 400, "weight: not 1 to 1000"), true;
    const std::string node = f->string("node").value_or("");
    later(req, [pool, queue, weight, node, attach](Client& c) {
      return ok_or(attach ? c.attach(pool, queue, weight, node) : c.detach(pool, queue, node));
    });
    return true;
  }
  error(
      req, 404,
      "action: '" + verb.substr(0, 40) + "' is not scale, reload, pause, resume, attach or detach");
  return true;
}

}  // namespace desaster::web
