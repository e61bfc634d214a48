#include "ui/web/server/query/query_string.hpp"

namespace desaster::web {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Status bad(const std::string& message) {
  return Status::error(ErrorCode::bad_request, message);
}

// A name for messages: printable and short, whatever the client sent.
std::string shown(std::string_view name) {
  std::string out;
  for (char c : name.substr(0, 64)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : '?';
  }
  return out;
}

}  // namespace

bool is_clean_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
      ++i;
      continue;
    }
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if ((c & 0xe0) == 0xc0) {
      n = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= text.size()) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += n + 1;
  }
  return true;
}

Result<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return bad("an incomplete percent escape");
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return bad("a malformed percent escape");
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  if (!is_clean_utf8(out)) return bad("not UTF-8 text (or holds control characters)");
  return out;
}

Result<QueryParams> parse_query_string(std::string_view query) {
  QueryParams params;
  std::size_t start = 0;
  while (start < query.size()) {
    std::size_t amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view part = query.substr(start, amp - start);
    start = amp + 1;
    if (part.empty()) continue;
    if (params.size() == kMaxQueryParams)
      return bad("query: more than " + std::to_string(kMaxQueryParams) + " parameters");
    const std::size_t eq = part.find('=');
    const std::string_view raw_name = part.substr(0, eq);
    const std::string_view raw_value =
        eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
    Result<std::string> name = percent_decode(raw_name, true);
    if (!name.ok()) return bad("query: a parameter name is " + name.status().message);
    if (name->empty()) return bad("query: a parameter without a name");
    if (raw_value.size() > 3 * kMaxQueryValueBytes)
      return bad(shown(*name) + ": longer than " + std::to_string(kMaxQueryValueBytes) + " bytes");
    Result<std::string> value = percent_decode(raw_value, true);
    if (!value.ok()) return bad(shown(*name) + ": " + value.status().message);
    if (value->size() > kMaxQueryValueBytes)
      return bad(shown(*name) + ": longer than " + std::to_string(kMaxQueryValueBytes) + " bytes");
    for (const auto& [seen, _] : params) {
      if (seen == *name) return bad(shown(*name) + ": given more than once");
    }
    params.emplace_back(std::move(*name), std::move(*value));
  }
  return params;
}

}  // namespace desaster::web
