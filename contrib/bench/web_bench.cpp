// desaster-web benchmark (contrib/bench/web): fills a node with N queued
// jobs (default 1,000,000) in a paused queue, waits until desaster-web's
// replica has them, then times at the HTTP level (one request per
// connection, as a browser's first request would be): the first page, a
// deep page (after 50 cursor pages), sorted pages, filters, a text search,
// groups, and a bulk kill of 100,000 matching jobs as one operation (202 at
// once, progress on /api/operations). One JSON line per measurement.
//   web_bench NODE_PORT WEB_PORT [jobs] [repetitions]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/model/shell_command.hpp"
#include "transport/client/client.hpp"

using namespace desaster;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

namespace {

std::uint16_t web_port = 0;

struct Response {
  int status = 0;
  std::string body;
};

Response http(const std::string& method, const std::string& path, const std::string& body = {},
              const std::string& extra = {}) {
  Response r;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(web_port);
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return r;
  }
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: b\r\nConnection: close\r\n" + extra +
                    "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  (void)!send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string raw;
  char buf[65536];
  for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) raw.append(buf, static_cast<size_t>(n));
  close(fd);
  const std::size_t end = raw.find("\r\n\r\n");
  if (raw.size() > 12 && end != std::string::npos) {
    r.status = std::atoi(raw.c_str() + 9);
    r.body = raw.substr(end + 4);
  }
  return r;
}

json get_json(const std::string& path) {
  const Response r = http("GET", path);
  json doc = json::parse(r.body, nullptr, false);
  return doc.is_discarded() ? json::object() : doc;
}

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

void measure(const std::string& name, int reps, const std::function<std::string()>& path_of) {
  std::vector<double> times;
  std::size_t bytes = 0;
  int bad = 0;
  (void)http("GET", path_of());  // unmeasured, as Sidekiq Web's first request is
  for (int i = 0; i < reps; ++i) {
    const std::string path = path_of();
    const auto t = Clock::now();
    const Response r = http("GET", path);
    times.push_back(ms_since(t));
    bytes = r.body.size();
    if (r.status != 200) ++bad;
  }
  std::sort(times.begin(), times.end());
  const auto at = [&](double q) {
    return times[std::min(times.size() - 1, static_cast<std::size_t>(q * times.size()))];
  };
  std::printf(
      "{\"bench\":\"web\",\"query\":\"%s\",\"reps\":%d,\"p50_ms\":%.2f,\"p99_ms\":%.2f,"
      "\"max_ms\":%.2f,\"bytes\":%zu,\"errors\":%d}\n",
      name.c_str(), reps, at(0.5), at(0.99), times.back(), bytes, bad);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: web_bench NODE_PORT WEB_PORT [jobs] [repetitions]\n");
    return 2;
  }
  const std::string node = "tcp://127.0.0.1:" + std::string(argv[1]);
  web_port = static_cast<std::uint16_t>(std::atoi(argv[2]));
  const long jobs = argc > 3 ? std::atol(argv[3]) : 1'000'000;
  const int reps = argc > 4 ? std::atoi(argv[4]) : 50;

  ClientOptions o;
  o.endpoint = node;
  o.timeout = std::chrono::seconds(60);
  auto client = Client::connect(o);
  if (!client.ok()) {
    std::fprintf(stderr, "web_bench: %s\n", client.status().message.c_str());
    return 1;
  }
  Client& c = **client;
  for (auto action : {protocol::QueueAction::create, protocol::QueueAction::pause}) {
    protocol::QueueCommand q;
    q.action = action;
    q.name = "bench";
    (void)c.queue_command(q);
  }
  const long bulk = std::min(jobs, 100'000L);
  const auto fill = Clock::now();
  // "bench" holds the N jobs the queries read; "bulk" the ones the bulk
  // actions act on.
  for (const auto& [queue, count] :
       {std::pair{std::string("bench"), jobs}, std::pair{std::string("bulk"), bulk}}) {
    if (queue == "bulk") {
      for (auto action : {protocol::QueueAction::create, protocol::QueueAction::pause}) {
        protocol::QueueCommand q;
        q.action = action;
        q.name = "bulk";
        (void)c.queue_command(q);
      }
    }
    for (long done = 0; done < count; done += 1000) {
      std::vector<protocol::JobSpec> batch;
      for (long i = done; i < std::min(count, done + 1000); ++i) {
        protocol::JobSpec spec;
        spec.queue = queue;
        spec.kind = JobKind::shell;
        ShellCommand command;
        command.sh = "echo item-" + std::to_string(i);
        spec.payload = encode_shell_command(command);
        spec.priority = static_cast<std::int32_t>(i % 5);
        batch.push_back(std::move(spec));
      }
      if (auto r = c.enqueue(batch); !r.ok()) {
        std::fprintf(stderr, "web_bench: enqueue: %s\n", r.status().message.c_str());
        return 1;
      }
    }
  }
  std::fprintf(stderr, "web_bench: %ld jobs enqueued in %.1f s\n", jobs, ms_since(fill) / 1000);
  const auto sync = Clock::now();
  while (get_json("/api/overview")["totals"].value("queued", 0L) < jobs + bulk) {
    if (ms_since(sync) > 600'000) return 1;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::fprintf(stderr, "web_bench: replica caught up in %.1f s more\n", ms_since(sync) / 1000);

  measure("first page (queue, 50 rows)", reps, [] { return "/api/jobs?queue=bench&limit=50"; });
  // A deep page: the cursor after 50 pages of 50.
  std::string cursor;
  for (int i = 0; i < 50; ++i) {
    const json page =
        get_json("/api/jobs?queue=bench&limit=50" + (cursor.empty() ? "" : "&cursor=" + cursor));
    // A queue of fewer than 2,550 jobs ends before 50 pages: keep its last page.
    if (!page.contains("next_cursor") || !page["next_cursor"].is_string()) break;
    cursor = page["next_cursor"].get<std::string>();
  }
  measure("deep page (after 50 pages)", reps,
          [&] { return "/api/jobs?queue=bench&limit=50&cursor=" + cursor; });
  measure("sorted by priority desc", reps,
          [] { return "/api/jobs?queue=bench&sort=priority&desc=1&limit=50"; });
  measure("sorted by created_at desc", reps,
          [] { return "/api/jobs?sort=created_at&desc=1&limit=50"; });
  measure("filter state=queued,running", reps,
          [] { return "/api/jobs?state=queued,running&limit=50"; });
  int n = 0;
  measure("search one job (item-N)", std::max(5, reps / 5), [&] {
    return "/api/jobs?search=item-" + std::to_string((jobs / 7) * (++n % 7) + 3) + "&limit=50";
  });
  measure("group by queue (queued)", reps,
          [] { return "/api/failed/groups?by=queue&state=queued"; });
  measure("overview", reps, [] { return "/api/overview"; });

  // Live: from an enqueue's start until its op event arrives on /api/events.
  {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(web_port);
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      const std::string req = "GET /api/events HTTP/1.1\r\nHost: b\r\n\r\n";
      (void)!send(fd, req.data(), req.size(), MSG_NOSIGNAL);
      std::string seen;
      char buf[65536];
      std::vector<double> times;
      for (int i = 0; i < reps; ++i) {
        protocol::JobSpec spec;
        spec.queue = "bench";
        spec.kind = JobKind::shell;
        ShellCommand command;
        command.sh = "true";
        spec.payload = encode_shell_command(command);
        const auto t = Clock::now();
        auto id = c.enqueue(spec);
        if (!id.ok()) break;
        char hex[17];
        std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(*id));
        while (seen.find(hex) == std::string::npos && ms_since(t) < 5000) {
          pollfd p{fd, POLLIN, 0};
          if (poll(&p, 1, 100) <= 0) continue;
          const ssize_t n = recv(fd, buf, sizeof buf, 0);
          if (n <= 0) break;
          seen.append(buf, static_cast<std::size_t>(n));
        }
        times.push_back(ms_since(t));
        seen.clear();
      }
      close(fd);
      std::sort(times.begin(), times.end());
      if (!times.empty()) {
        const auto at = [&](double q) {
          return times[std::min(times.size() - 1, static_cast<std::size_t>(q * times.size()))];
        };
        std::printf(
            "{\"bench\":\"web\",\"query\":\"enqueue to SSE op event\",\"reps\":%zu,"
            "\"p50_ms\":%.2f,\"p95_ms\":%.2f,\"p99_ms\":%.2f}\n",
            times.size(), at(0.5), at(0.95), at(0.99));
        std::fflush(stdout);
      }
    }
  }

  // Bulk actions on the "bulk" queue, each timed from its POST until its
  // operation is done, with the log entries it took (the replica's index
  // before and after: one replicated op per node-side action) and how many
  // distinct progress figures /api/operations showed on the way.
  const std::string token = get_json("/api/session").value("csrf_token", "");
  const auto bulk_action = [&](const std::string& name, const std::string& body) {
    const std::uint64_t index_before = get_json("/api/overview").value("index", 0ULL);
    const auto t = Clock::now();
    const Response started =
        http("POST", "/api/actions", body,
             "X-CSRF-Token: " + token + "\r\nContent-Type: application/json\r\n");
    const double answered = ms_since(t);
    const std::string op = json::parse(started.body, nullptr, false).value("operation_id", "");
    json status;
    std::vector<long long> progress;
    do {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      status = get_json("/api/operations/" + op);
      const long long done = status.value("done", 0LL);
      if (progress.empty() || progress.back() != done) progress.push_back(done);
    } while (status.value("state", "") == "running" && ms_since(t) < 600'000);
    const double done_ms = ms_since(t);
    // The replica applies the last op a little after the node answered.
    const auto applied = Clock::now();
    std::uint64_t index_after = 0;
    do {
      index_after = get_json("/api/overview").value("index", 0ULL);
      if (index_after > index_before) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    } while (ms_since(applied) < 10'000);
    std::printf(
        "{\"bench\":\"web\",\"query\":\"%s\",\"matching\":%lld,\"done\":%lld,"
        "\"http_answer_ms\":%.1f,\"done_ms\":%.1f,\"state\":\"%s\",\"log_entries\":%llu,"
        "\"progress_steps\":%zu}\n",
        name.c_str(), static_cast<long long>(status.value("matching", 0L)),
        static_cast<long long>(status.value("done", 0L)), answered, done_ms,
        status.value("state", "?").c_str(),
        static_cast<unsigned long long>(index_after - index_before), progress.size());
    std::fflush(stdout);
  };
  const auto await_total = [&](const char* state, long at_least) {
    const auto since = Clock::now();
    while (get_json("/api/overview")["totals"].value(state, 0L) < at_least &&
           ms_since(since) < 60'000)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  };
  const std::string kill_bulk = R"({"action":"kill","filter":{"queue":"bulk","state":"queued"}})";
  bulk_action("bulk kill (queue and state: one node action)", kill_bulk);
  // The kill is done when the node says so; the replica applies it a little later.
  await_total("killed", bulk);
  // The failed-set page over the 100,000 killed jobs: its first page and
  // its groups by error signature (a walk of every one of them).
  measure("killed set, first page", reps,
          [] { return "/api/jobs?queue=bulk&state=killed&limit=50"; });
  measure("killed set grouped by error", std::max(5, reps / 5),
          [] { return "/api/failed/groups?by=error&state=killed"; });
  // One error group's list (every killed job has the kill's error).
  measure("killed set, one error group's first page", std::max(5, reps / 5), [] {
    return "/api/jobs?queue=bulk&state=killed&error_signature=killed%20by%20an%20operator&limit=50";
  });
  // Sidekiq Web's dead set has no search; desaster-web's search over the
  // 100,000 killed jobs for one job's text (the kill set no error of its own).
  measure("killed set searched for one job (item-N)", std::max(5, reps / 5), [&] {
    return "/api/jobs?queue=bulk&state=killed&search=item-" + std::to_string(bulk / 2 + (++n % 7)) +
           "&limit=50";
  });
  // Sidekiq's "Retry All" of its dead set: the same by queue and state,
  // one node-side action (one replicated op).
  bulk_action("bulk retry (queue and state: one node action)",
              R"({"action":"retry","filter":{"queue":"bulk","state":"killed"}})");
  await_total("queued", jobs + bulk);
  bulk_action("bulk kill again (queue and state)", kill_bulk);
  await_total("killed", bulk);
  // And by a search filter no node-side selection has: resolved on the
  // replica, 10,000 ids a request.
  bulk_action("bulk retry (search filter: id batches)",
              R"({"action":"retry","filter":{"queue":"bulk","state":"killed","search":"item-"}})");
  return 0;
}
