// State::groups() and error signatures (job_groups.hpp). Grouping by queue and
// by class reads only index sizes and ends; grouping by error visits each job
// of the chosen states once.
#include "core/state/job_groups.hpp"

#include <algorithm>
#include <unordered_map>

#include "core/state/state_impl.hpp"

namespace desaster {

using namespace state_detail;

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_hex_letter(char c) {
  return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_word(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

void append_word(std::string& out, std::string_view word) {
  bool digits = false;
  bool letters = false;
  bool hex = true;
  for (char c : word) {
    digits |= is_digit(c);
    letters |= !is_digit(c);
    hex &= is_digit(c) || is_hex_letter(c);
  }
  if (word.size() > 2 && word[0] == '0' && (word[1] == 'x' || word[1] == 'X') &&
      std::all_of(word.begin() + 2, word.end(),
                  [](char c) { return is_digit(c) || is_hex_letter(c); })) {
    out += "<addr>";
  } else if (digits && !letters) {
    out += "<n>";
  } else if (digits && hex) {
    out += "<hex>";
  } else {
    for (std::size_t i = 0; i < word.size();) {
      if (is_digit(word[i])) {
        while (i < word.size() && is_digit(word[i])) ++i;
        out += "<n>";
      } else {
        out += word[i++];
      }
    }
  }
}

}  // namespace

namespace {

// error_signature() into out (cleared first), so a caller that signs many
// errors reuses one buffer.
void sign_error(std::string_view error, std::string& out) {
  out.clear();
  std::string_view line = error.substr(0, error.find('\n'));
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!line.empty() && is_space(line.front())) line.remove_prefix(1);
  while (!line.empty() && is_space(line.back())) line.remove_suffix(1);
  if (line.empty()) {
    out = "(no error)";
    return;
  }
  for (std::size_t i = 0; i < line.size() && out.size() < kMaxSignatureBytes;) {
    char c = line[i];
    if (c == '"' || c == '\'') {
      std::size_t close = line.find(c, i + 1);
      if (close != std::string_view::npos) {
        out += c;
        out += "<str>";
        out += c;
        i = close + 1;
        continue;
      }
    }
    if (is_word(c)) {
      std::size_t end = i;
      while (end < line.size() && is_word(line[end])) ++end;
      append_word(out, line.substr(i, end - i));
      i = end;
      continue;
    }
    out += c;
    ++i;
  }
  if (out.size() > kMaxSignatureBytes) out.resize(kMaxSignatureBytes);
}

}  // namespace

std::string error_signature(std::string_view error) {
  std::string out;
  sign_error(error, out);
  return out;
}

std::vector<JobGroup> State::groups(GroupBy by, const std::vector<JobState>& states) const {
  std::vector<JobState> chosen = states;
  if (chosen.empty()) chosen = {JobState::failed, JobState::dead};
  std::sort(chosen.begin(), chosen.end());
  chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());

  std::unordered_map<std::string, JobGroup> groups;
  std::string key_buffer;
  auto add = [&groups, &key_buffer](std::string_view key, std::uint64_t count, JobId newest) {
    if (count == 0) return;
    if (key.data() != key_buffer.data()) key_buffer.assign(key);
    auto it = groups.find(key_buffer);
    if (it == groups.end()) it = groups.emplace(key_buffer, JobGroup{key_buffer}).first;
    it->second.count += count;
    it->second.example = std::max(it->second.example, newest);
  };
  for (const auto& [queue_name, q] : impl_->queues) {
    for (JobState state : chosen) {
      const QueryIndex& index = q.query[static_cast<std::size_t>(state)];
      for (const auto& [job_class, set] : index.by_class) {
        switch (by) {
          case GroupBy::queue:
            add(queue_name, set.size(), set.rbegin()->id);
            break;
          case GroupBy::job_class:
            add(job_class, set.size(), set.rbegin()->id);
            break;
          case GroupBy::error:
            for (const QueryEntry& entry : set) {
              sign_error(entry.job->last_error, key_buffer);
              add(key_buffer, 1, entry.id);
            }
            break;
        }
      }
    }
  }
  std::vector<JobGroup> out;
  out.reserve(groups.size());
  for (auto& [key, group] : groups) out.push_back(std::move(group));
  std::sort(out.begin(), out.end(), [](const JobGroup& a, const JobGroup& b) {
    return a.count != b.count ? a.count > b.count : a.key < b.key;
  });
  return out;
}

}  // namespace desaster
