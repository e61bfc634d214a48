// Figures are grouped by (workload, metric, server) in the order the
// workloads are numbered in issue 5. A ratio is desaster's median over the
// server's: above 1 is desaster ahead for rates, behind for latency and
// memory (the table says which way is better for each).
#include "report.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tcp_conn.hpp"

namespace bench {
namespace {

struct Metric {
  std::string workload, metric, title;
  bool higher_is_better;
};

const std::vector<Metric> kMetrics = {
    {"disk-sync", "p50_us", "0 fdatasync of a 200-byte append p50 (us)", false},
    {"disk-sync", "p99_us", "0 fdatasync of a 200-byte append p99 (us)", false},
    {"enqueue-single", "jobs_per_s", "1 enqueue, one per request (jobs/s)", true},
    {"enqueue-single-16", "jobs_per_s", "1 enqueue, 16 clients one per request (jobs/s)", true},
    {"enqueue-batch", "jobs_per_s", "2 enqueue, pipelined/batched (jobs/s)", true},
    {"enqueue-durable", "jobs_per_s", "3 durable enqueue, pipelined/batched (jobs/s)", true},
    {"drain-1", "jobs_per_s", "4 drain, 1 worker (jobs/s)", true},
    {"drain-2", "jobs_per_s", "4 drain, 2 workers (jobs/s)", true},
    {"round-trip", "p50_us", "5 round trip p50 (us)", false},
    {"round-trip", "p99_us", "5 round trip p99 (us)", false},
    {"memory", "bytes_per_job", "6 memory (bytes per queued job)", false},
    {"ruby", "jobs_per_s", "7 Ruby no-op jobs (jobs/s)", true},
    {"ruby-enqueue-single", "jobs_per_s", "7 Ruby client enqueue, one per call (jobs/s)", true},
    {"ruby-enqueue-bulk", "jobs_per_s", "7 Ruby client enqueue, bulk of 1000 (jobs/s)", true},
};

// "-durable": the peer in its durable mode (beanstalkd -f 0, Redis appendfsync
// always) beside its in-memory figure; "disk": no server, the disk itself.
const std::vector<std::string> kServers = {"desaster", "beanstalkd",    "beanstalkd-durable",
                                           "redis",    "redis-durable", "gearman",
                                           "sidekiq",  "disk"};

struct Row {
  std::vector<double> values;
  std::string na;  // why there is no figure
  double median() const { return values[values.size() / 2]; }
};

using Key = std::pair<std::string, std::string>;  // (workload/metric, server)

std::string field(const std::string& line, const std::string& key) {
  std::string tag = "\"" + key + "\":";
  std::size_t at = line.find(tag);
  if (at == std::string::npos) return {};
  at += tag.size();
  if (line[at] == '"') return line.substr(at + 1, line.find('"', at + 1) - at - 1);
  return line.substr(at, line.find_first_of(",}", at) - at);
}

std::string id(const std::string& workload, const std::string& metric) {
  return workload + "/" + metric;
}

std::string number(double v) {
  if (v < 10) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
  }
  std::string digits = std::to_string(static_cast<long long>(v + 0.5)), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string ratio_text(double r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", r);
  return buf;
}

std::map<Key, Row> load(const char* path) {
  std::ifstream in(path);
  if (!in) fail(std::string("cannot read ") + path);
  std::map<Key, Row> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] != '{') continue;
    Row& row = rows[{id(field(line, "workload"), field(line, "metric")), field(line, "peer")}];
    std::string na = field(line, "na");
    if (!na.empty())
      row.na = na;
    else
      row.values.push_back(std::stod(field(line, "value")));
  }
  for (auto& [key, row] : rows) std::sort(row.values.begin(), row.values.end());
  return rows;
}

const Row* find(const std::map<Key, Row>& rows, const Metric& m, const std::string& server) {
  auto it = rows.find({id(m.workload, m.metric), server});
  return it == rows.end() ? nullptr : &it->second;
}

struct Target {
  std::string text;
  const Metric* metric;
  std::vector<std::string> peers;  // the best of these is the reference
  double factor;                   // desaster must be this many times better
};

const Metric* metric(const std::string& workload, const std::string& name) {
  for (const Metric& m : kMetrics)
    if (m.workload == workload && m.metric == name) return &m;
  return nullptr;
}

std::string json_string(const std::string& s) {
  return "\"" + s + "\"";
}

}  // namespace

int run_report(const char* results, const char* out_dir) {
  auto rows = load(results);
  std::string dir = out_dir;
  std::ofstream json(dir + "/results.json"), dat(dir + "/chart.dat"), gp(dir + "/chart.gp");
  if (!json || !dat || !gp) fail("cannot write into " + dir);

  std::printf("| workload | server | median | min–max | runs | desaster ÷ server |\n");
  std::printf("| --- | --- | ---: | ---: | ---: | ---: |\n");
  json << "{\"rows\":[";
  bool first_json = true;
  int panels = 0;
  for (const Metric& m : kMetrics) {
    const Row* ours = find(rows, m, "desaster");
    bool ours_ok = ours && !ours->values.empty();
    bool any = false;
    for (const std::string& server : kServers) {
      const Row* row = find(rows, m, server);
      if (!row) continue;
      if (!any) dat << "# " << m.title << "\n";
      any = true;
      json << (first_json ? "" : ",") << "\n{\"workload\":" << json_string(m.workload)
           << ",\"metric\":" << json_string(m.metric) << ",\"server\":" << json_string(server);
      first_json = false;
      if (row->values.empty()) {
        std::printf("| %s | %s | n/a (%s) | | | |\n", m.title.c_str(), server.c_str(),
                    row->na.c_str());
        json << ",\"na\":" << json_string(row->na) << "}";
        continue;
      }
      double median = row->median(), lo = row->values.front(), hi = row->values.back();
      std::string ratio =
          server != "desaster" && ours_ok && median > 0 ? ratio_text(ours->median() / median) : "";
      std::printf("| %s | %s | %s | %s–%s | %zu | %s |\n", m.title.c_str(), server.c_str(),
                  number(median).c_str(), number(lo).c_str(), number(hi).c_str(),
                  row->values.size(), ratio.c_str());
      json << ",\"median\":" << median << ",\"min\":" << lo << ",\"max\":" << hi
           << ",\"runs\":" << row->values.size()
           << ",\"ratio\":" << (ratio.empty() ? "null" : ratio) << "}";
      dat << server << " " << median << " " << lo << " " << hi << "\n";
    }
    if (any) {
      dat << "\n\n";
      gp << "set title \"" << m.title << "\"\nplot '" << dir << "/chart.dat' index " << panels
         << " using 0:2:xtic(1) with boxes lc rgb '#4a7ab5' notitle, '' index " << panels
         << " using 0:2:3:4 with yerrorbars lc rgb 'black' pt -1 notitle\n";
      ++panels;
    }
  }
  json << "\n],\"targets\":[";

  const std::vector<Target> targets = {
      {"3: at least 2x the best durable peer",
       metric("enqueue-durable", "jobs_per_s"),
       {"beanstalkd", "redis", "gearman"},
       2},
      {"4: at least the best peer, 1 worker",
       metric("drain-1", "jobs_per_s"),
       {"beanstalkd", "redis", "gearman"},
       1},
      {"4: at least the best peer, 2 workers",
       metric("drain-2", "jobs_per_s"),
       {"beanstalkd", "redis", "gearman"},
       1},
      {"5: p99 at most the best peer's",
       metric("round-trip", "p99_us"),
       {"beanstalkd", "redis", "gearman"},
       1},
      {"6: at most the best job server's bytes/job",
       metric("memory", "bytes_per_job"),
       {"beanstalkd", "gearman", "sidekiq"},
       1},
      {"7: at least 2x Sidekiq", metric("ruby", "jobs_per_s"), {"sidekiq"}, 2},
  };
  std::printf("\n| target | desaster | best peer | met |\n| --- | ---: | ---: | --- |\n");
  bool first_target = true;
  for (const Target& t : targets) {
    const Row* ours = find(rows, *t.metric, "desaster");
    std::optional<double> best;
    std::string best_peer;
    for (const std::string& p : t.peers) {
      const Row* row = find(rows, *t.metric, p);
      if (!row || row->values.empty()) continue;
      double v = row->median();
      if (!best || (t.metric->higher_is_better ? v > *best : v < *best)) best = v, best_peer = p;
    }
    if (!ours || ours->values.empty() || !best) {
      std::printf("| %s | n/a | | |\n", t.text.c_str());
      continue;
    }
    double v = ours->median();
    bool met = t.metric->higher_is_better ? v >= t.factor * *best : v * t.factor <= *best;
    std::printf("| %s | %s | %s (%s) | %s |\n", t.text.c_str(), number(v).c_str(),
                number(*best).c_str(), best_peer.c_str(), met ? "yes" : "no");
    json << (first_target ? "" : ",") << "\n{\"target\":" << json_string(t.text)
         << ",\"desaster\":" << v << ",\"best_peer\":" << json_string(best_peer)
         << ",\"best\":" << *best << ",\"met\":" << (met ? "true" : "false") << "}";
    first_target = false;
  }
  // Issue 20's targets against the disk's sync time and against desaster's
  // own one-client figure, all from this run.
  auto median_of = [&](const char* workload, const char* name,
                       const char* server) -> std::optional<double> {
    const Metric* m = metric(workload, name);
    const Row* row = m ? find(rows, *m, server) : nullptr;
    if (!row || row->values.empty()) return std::nullopt;
    return row->median();
  };
  auto relative = [&](const std::string& text, std::optional<double> v, std::optional<double> ref,
                      const std::string& ref_text, bool met) {
    if (!v || !ref) return;
    std::printf("| %s | %s | %s (%s) | %s |\n", text.c_str(), number(*v).c_str(),
                number(*ref).c_str(), ref_text.c_str(), met ? "yes" : "no");
    json << (first_target ? "" : ",") << "\n{\"target\":" << json_string(text)
         << ",\"desaster\":" << *v << ",\"best_peer\":" << json_string(ref_text)
         << ",\"best\":" << *ref << ",\"met\":" << (met ? "true" : "false") << "}";
    first_target = false;
  };
  auto sync = median_of("disk-sync", "p50_us", "disk");
  auto single = median_of("enqueue-single", "jobs_per_s", "desaster");
  auto sixteen = median_of("enqueue-single-16", "jobs_per_s", "desaster");
  auto trip50 = median_of("round-trip", "p50_us", "desaster");
  if (sync && single) {
    double allows = 1e6 / *sync;
    relative("1: at least 70% of one sync per request", single, allows, "1e6 / sync p50",
             *single >= 0.7 * allows);
  }
  if (single && sixteen)
    relative("1: 16 clients at least 5x one client", sixteen, *single * 5, "5x one client",
             *sixteen >= 5 * *single);
  if (sync && trip50)
    relative("5: p50 at most two syncs + 60 us", trip50, 2 * *sync + 60, "2 x sync p50 + 60",
             *trip50 <= 2 * *sync + 60);
  json << "\n]}\n";

  // Written last: the layout needs the number of panels.
  std::string script =
      "set terminal png size 1500,1000 font ',9'\nset output '" + dir +
      "/chart.png'\nset style fill solid 0.8\nset boxwidth 0.6\n"
      "set yrange [0:*]\nset offsets 0.6, 0.6, 0, 0\nset xtics nomirror\nset multiplot layout 3," +
      std::to_string((panels + 2) / 3) + "\n";
  gp.close();
  std::ifstream plots(dir + "/chart.gp");
  std::string body((std::istreambuf_iterator<char>(plots)), std::istreambuf_iterator<char>());
  std::ofstream(dir + "/chart.gp") << script << body << "unset multiplot\n";
  return 0;
}

}  // namespace bench
