#include "ui/common/json_writer.hpp"

#include <cmath>
#include <cstdio>

#include "core/model/cron_entry.hpp"
#include "core/model/job_id.hpp"
#include "core/model/shell_command.hpp"

namespace desaster {

void JsonWriter::separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
  }
}

JsonWriter& JsonWriter::begin_object() {
  separate();
  out_ += '{';
  first_.push_back(true);
  return *this;
}
JsonWriter& JsonWriter::end_object() {
  out_ += '}';
  first_.pop_back();
  return *this;
}
JsonWriter& JsonWriter::begin_array() {
  separate();
  out_ += '[';
  first_.push_back(true);
  return *this;
}
JsonWriter& JsonWriter::end_array() {
  out_ += ']';
  first_.pop_back();
  return *this;
}
JsonWriter& JsonWriter::key(std::string_view name) {
  value(name);
  out_ += ':';
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view text) {
  separate();
  out_ += '"';
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '"':
        out_ += "\\\"";
        continue;
      case '\\':
        out_ += "\\\\";
        continue;
      case '\n':
        out_ += "\\n";
        continue;
      case '\r':
        out_ += "\\r";
        continue;
      case '\t':
        out_ += "\\t";
        continue;
      default:
        break;
    }
    // Copy a well-formed UTF-8 sequence as is; escape anything else per byte.
    std::size_t len = c < 0x80         ? 1
                      : (c >> 5) == 6  ? 2
                      : (c >> 4) == 14 ? 3
                      : (c >> 3) == 30 ? 4
                                       : 0;
    bool valid = len > 0 && i + len <= text.size();
    for (std::size_t k = 1; valid && k < len; ++k)
      valid = (static_cast<unsigned char>(text[i + k]) >> 6) == 2;
    if (c < 0x20 || !valid) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out_ += buf;
      continue;
    }
    out_.append(text.substr(i, len));
    i += len - 1;
  }
  out_ += '"';
  return *this;
}

JsonWriter& JsonWriter::value(std::int64_t number) {
  separate();
  out_ += std::to_string(number);
  return *this;
}
JsonWriter& JsonWriter::value(std::uint64_t number) {
  separate();
  out_ += std::to_string(number);
  return *this;
}
JsonWriter& JsonWriter::value(bool flag) {
  separate();
  out_ += flag ? "true" : "false";
  return *this;
}
JsonWriter& JsonWriter::value(double number) {
  if (!std::isfinite(number)) return null();
  separate();
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6g", number);
  out_ += buffer;
  return *this;
}
JsonWriter& JsonWriter::null() {
  separate();
  out_ += "null";
  return *this;
}

void write_cron_origin_json(JsonWriter& json, const Job& job) {
  json.key("cron");
  std::optional<CronOrigin> origin = cron_origin(job.unique_key);
  if (!origin) {
    json.null();
    return;
  }
  json.begin_object();
  json.key("name").value(origin->name);
  json.key("instant").value(static_cast<std::int64_t>(origin->instant));
  json.key("manual").value(origin->manual);
  json.end_object();
}

void write_job_json(JsonWriter& json, const Job& job, const JobEtaView* eta) {
  json.begin_object();
  json.key("id").value(format_job_id(job.id));
  json.key("queue").value(job.queue);
  json.key("kind").value(to_string(job.kind));
  json.key("class").value(job.job_class);
  if (job.kind == JobKind::shell) {
    Result<ShellCommand> command = decode_shell_command(job.payload);
    json.key("command").value(command.ok() ? describe_shell_command(*command) : "?");
  }
  json.key("state").value(to_string(job.state));
  json.key("priority").value(static_cast<std::int64_t>(job.priority));
  json.key("unique").value(job.unique_key);
  write_cron_origin_json(json, job);
  json.key("run_at").value(static_cast<std::int64_t>(job.run_at));
  json.key("timeout_ms").value(static_cast<std::uint64_t>(job.timeout_ms));
  json.key("attempts").value(static_cast<std::uint64_t>(job.attempts));
  json.key("duplicate_runs").value(static_cast<std::uint64_t>(job.duplicate_runs));
  json.key("created_at").value(static_cast<std::int64_t>(job.created_at));
  json.key("started_at").value(static_cast<std::int64_t>(job.started_at));
  json.key("finished_at").value(static_cast<std::int64_t>(job.finished_at));
  json.key("node").value(job.node);
  json.key("worker").value(job.worker);
  json.key("pin_node").value(job.pin_node);
  json.key("pin_pool").value(job.pin_pool);
  json.key("exit_status").value(static_cast<std::int64_t>(job.exit_status));
  json.key("output").value(job.output_tail);
  json.key("error").value(job.last_error);
  json.key("history").begin_array();
  for (const Attempt& a : job.history) {
    json.begin_object();
    json.key("attempt").value(static_cast<std::uint64_t>(a.number));
    json.key("started_at").value(static_cast<std::int64_t>(a.started_at));
    json.key("finished_at").value(static_cast<std::int64_t>(a.finished_at));
    json.key("node").value(a.node);
    json.key("worker").value(a.worker);
    json.key("exit_status").value(static_cast<std::int64_t>(a.exit_status));
    json.key("error").value(a.error);
    json.key("cpu_ms").value(a.cpu_ms);
    json.key("max_rss_kb").value(a.max_rss_kb);
    json.end_object();
  }
  json.end_array();
  json.key("flow").value(job.flow);
  if (eta) {
    json.key("eta").begin_object();
    json.key("start_ms").value(static_cast<std::int64_t>(eta->start_ms));
    json.key("finish_ms").value(static_cast<std::int64_t>(eta->finish_ms));
    json.end_object();
  }
  json.end_object();
}

}  // namespace desaster
