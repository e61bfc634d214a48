// The text form of query cursors (list_query.hpp): strict in what it reads,
// since cursors come back from clients.
#include "core/state/list_query.hpp"

#include <charconv>
#include <vector>

namespace desaster {

namespace {

constexpr char kHex[] = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == sep) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

Status malformed(std::string_view text, const std::string& why) {
  std::string shown(text.substr(0, 64));
  for (char& c : shown)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
  return Status::error(ErrorCode::bad_request, "cursor '" + shown + "' is malformed: " + why);
}

Status bad(std::string message) {
  return Status::error(ErrorCode::bad_request, std::move(message));
}

}  // namespace

std::string encode_query_cursor(const QueryCursor& c) {
  std::string out = to_string(c.sort);
  out += c.descending ? ".d." : ".a.";
  out += std::to_string(c.number);
  out += '.';
  for (int shift = 60; shift >= 0; shift -= 4) out += kHex[(c.id >> shift) & 0xf];
  out += '.';
  for (unsigned char byte : c.text) {
    out += kHex[byte >> 4];
    out += kHex[byte & 0xf];
  }
  return out;
}

Result<QueryCursor> decode_query_cursor(std::string_view text) {
  std::vector<std::string_view> parts = split(text, '.');
  if (parts.size() != 5) return malformed(text, "expected 5 parts separated by '.'");
  QueryCursor c;
  if (!sort_column_from_string(parts[0], c.sort)) return malformed(text, "unknown sort column");
  if (parts[1] != "a" && parts[1] != "d") return malformed(text, "direction must be a or d");
  c.descending = parts[1] == "d";
  std::string_view number = parts[2];
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), c.number);
  if (number.empty() || ec != std::errc{} || end != number.data() + number.size())
    return malformed(text, "the sort value is not a 64-bit integer");
  if (parts[3].size() != 16) return malformed(text, "the id must be 16 hex digits");
  for (char ch : parts[3]) {
    int v = hex_value(ch);
    if (v < 0) return malformed(text, "the id must be 16 hex digits");
    c.id = (c.id << 4) | static_cast<JobId>(v);
  }
  std::string_view hex = parts[4];
  if (hex.size() % 2 != 0 || hex.size() / 2 > kMaxCursorTextBytes)
    return malformed(text, "the sort text must be at most 1024 hex-encoded bytes");
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = hex_value(hex[i]);
    int lo = hex_value(hex[i + 1]);
    if (hi < 0 || lo < 0) return malformed(text, "the sort text is not lower-case hex");
    c.text += static_cast<char>((hi << 4) | lo);
  }
  bool textual = c.sort == SortColumn::queue || c.sort == SortColumn::job_class;
  if (!textual && !c.text.empty()) return malformed(text, "only queue and class orders carry text");
  if (textual && c.number != 0) return malformed(text, "queue and class orders carry no number");
  return c;
}

Status check_list_query(const ListQuery& query) {
  if (query.attempts_min > query.attempts_max)
    return bad("attempts_min " + std::to_string(query.attempts_min) + " is above attempts_max " +
               std::to_string(query.attempts_max));
  const std::pair<const char*, const TimeRange*> ranges[] = {{"created", &query.created},
                                                             {"started", &query.started},
                                                             {"finished", &query.finished},
                                                             {"run", &query.run_at}};
  for (const auto& [name, range] : ranges) {
    if (range->from > range->to)
      return bad(std::string(name) + "_after lies after " + name + "_before");
  }
  if (query.cursor.empty()) return Status::success();
  Result<QueryCursor> cursor = decode_query_cursor(query.cursor);
  if (!cursor.ok()) return cursor.status();
  if (cursor->sort != query.sort || cursor->descending != query.descending) {
    return bad("the cursor belongs to sort " + std::string(to_string(cursor->sort)) +
               (cursor->descending ? " descending" : " ascending") + ", not to sort " +
               to_string(query.sort) + (query.descending ? " descending" : " ascending"));
  }
  return Status::success();
}

}  // namespace desaster
