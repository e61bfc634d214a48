// A small streaming JSON writer for --json output: objects, arrays, strings
// (escaped; bytes that are not valid UTF-8 are written as \u00XX of the
// byte so the output always parses), numbers, booleans, null.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/job.hpp"

namespace desaster {

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);
  JsonWriter& value(std::string_view text);
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(std::int64_t number);
  JsonWriter& value(std::uint64_t number);
  JsonWriter& value(int number) { return value(static_cast<std::int64_t>(number)); }
  JsonWriter& value(unsigned number) { return value(static_cast<std::uint64_t>(number)); }
  JsonWriter& value(bool flag);
  // Up to 6 significant digits; NaN and infinities (not JSON) as null.
  JsonWriter& value(double number);
  JsonWriter& null();

  const std::string& str() const { return out_; }

 private:
  void separate();
  std::string out_;
  std::vector<bool> first_;  // per open container: nothing written yet
  bool after_key_ = false;
};

// eta: the job's estimated {start_ms, finish_ms}, written as "eta" when given.
struct JobEtaView {
  TimeMs start_ms = 0;
  TimeMs finish_ms = 0;
};
void write_job_json(JsonWriter& json, const Job& job, const JobEtaView* eta = nullptr);
// "cron": the entry that fired the job and its instant ({"name", "instant",
// "manual"}), or null when no cron entry made it.
void write_cron_origin_json(JsonWriter& json, const Job& job);

}  // namespace desaster
