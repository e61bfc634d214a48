#include "ui/desasterctl/ctl_query.hpp"

#include <cstdio>

#include "core/model/job_id.hpp"
#include "core/model/shell_command.hpp"
#include "ui/common/durations.hpp"
#include "ui/common/json_writer.hpp"

namespace desaster {

namespace {

constexpr int kExitOk = 0;
constexpr int kExitRefused = 1;
constexpr int kExitUnreachable = 3;

int fail(const Status& status) {
  std::fprintf(stderr, "desasterctl: %s\n", status.message.c_str());
  return status.code == ErrorCode::unavailable ? kExitUnreachable : kExitRefused;
}

std::string one_line(std::string text, std::size_t width) {
  for (char& c : text)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  if (text.size() > width) text = text.substr(0, width - 3) + "...";
  return text;
}

std::string what_it_runs(const Job& job) {
  if (job.kind != JobKind::shell) return job.job_class;
  Result<ShellCommand> command = decode_shell_command(job.payload);
  return command.ok() ? describe_shell_command(*command) : "?";
}

// The time column shown: the one sorted by, else created.
TimeMs shown_time(const Job& job, SortColumn sort) {
  switch (sort) {
    case SortColumn::started_at:
      return job.started_at;
    case SortColumn::finished_at:
      return job.finished_at;
    case SortColumn::run_at:
      return job.run_at;
    default:
      return job.created_at;
  }
}

void print_table(const protocol::ListReply& page, SortColumn sort) {
  const char* time_title = sort == SortColumn::started_at    ? "STARTED"
                           : sort == SortColumn::finished_at ? "FINISHED"
                           : sort == SortColumn::run_at      ? "RUN AT"
                                                             : "CREATED";
  std::printf("%-16s  %-12s  %-14s  %-9s  %4s  %3s  %-20s  %-28s  %s\n", "ID", "QUEUE", "CLASS",
              "STATE", "PRI", "TRY", time_title, "COMMAND", "ERROR");
  for (const Job& job : page.jobs) {
    std::printf("%-16s  %-12s  %-14s  %-9s  %4d  %3u  %-20s  %-28s  %s\n",
                format_job_id(job.id).c_str(), one_line(job.queue, 12).c_str(),
                one_line(job.job_class, 14).c_str(), to_string(job.state), job.priority,
                job.attempts, format_time_ms(shown_time(job, sort)).c_str(),
                one_line(what_it_runs(job), 28).c_str(), one_line(job.last_error, 40).c_str());
  }
  std::printf("%zu of %s%llu", page.jobs.size(), page.total_exact ? "" : "~",
              static_cast<unsigned long long>(page.total));
  if (!page.cursor.empty()) std::printf(", next: --cursor %s", page.cursor.c_str());
  std::printf("\n");
}

void print_json(const protocol::ListReply& page) {
  JsonWriter json;
  json.begin_object().key("jobs").begin_array();
  for (const Job& job : page.jobs) write_job_json(json, job);
  json.end_array();
  json.key("next").value(page.cursor).key("total").value(page.total);
  json.key("total_exact").value(page.total_exact);
  json.key("index").value(page.index).key("term").value(page.term);
  json.end_object();
  std::printf("%s\n", json.str().c_str());
}

int run_groups(Client& client, const CtlArgs& args) {
  std::vector<JobState> states = args.list.states;
  if (args.list.state) states.push_back(*args.list.state);
  auto reply = client.failed_groups(*args.group_by, states);
  if (!reply.ok()) return fail(reply.status());
  if (args.json) {
    JsonWriter json;
    json.begin_object().key("by").value(to_string(*args.group_by)).key("groups").begin_array();
    for (const protocol::GroupSummary& g : reply->groups) {
      json.begin_object().key("key").value(g.key).key("count").value(g.count);
      json.key("example").value(format_job_id(g.example)).end_object();
    }
    json.end_array().key("index").value(reply->index).key("term").value(reply->term);
    json.end_object();
    std::printf("%s\n", json.str().c_str());
    return kExitOk;
  }
  std::uint64_t total = 0;
  std::printf("%9s  %-16s  %s\n", "COUNT", "EXAMPLE", to_string(*args.group_by));
  for (const protocol::GroupSummary& g : reply->groups) {
    std::printf("%9llu  %-16s  %s\n", static_cast<unsigned long long>(g.count),
                format_job_id(g.example).c_str(), one_line(g.key, 100).c_str());
    total += g.count;
  }
  std::printf("%zu groups, %llu jobs\n", reply->groups.size(),
              static_cast<unsigned long long>(total));
  return kExitOk;
}

}  // namespace

int run_query_command(Client& client, const CtlArgs& args) {
  if (args.group_by) return run_groups(client, args);
  protocol::List query = args.list;
  if (!args.ids.empty()) {
    std::optional<JobId> after = parse_job_id(args.ids.front());
    if (!after)
      return fail(Status::error(ErrorCode::bad_request,
                                "--after: '" + args.ids.front() + "' is not a job id"));
    query.after = *after;
  }
  auto page = client.query(query);
  if (!page.ok()) return fail(page.status());
  if (args.json) {
    print_json(*page);
  } else {
    print_table(*page, query.sort);
  }
  return kExitOk;
}

}  // namespace desaster
