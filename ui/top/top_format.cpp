// desaster-top's text formatting (top_format.hpp).
#include "ui/top/top_format.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace desaster::top {

namespace {

// Length of the UTF-8 sequence starting at text[i], 0 when it is invalid.
std::size_t utf8_length(std::string_view text, std::size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  std::size_t n = 0;
  std::uint32_t cp = 0;
  if (c < 0x80) return 1;
  if ((c & 0xe0) == 0xc0) {
    n = 2;
    cp = c & 0x1f;
  } else if ((c & 0xf0) == 0xe0) {
    n = 3;
    cp = c & 0x0f;
  } else if ((c & 0xf8) == 0xf0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const auto d = static_cast<unsigned char>(text[i + k]);
    if ((d & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (d & 0x3f);
  }
  // Overlong forms, surrogates and values past Unicode are invalid.
  static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  // C1 controls.
  if (cp >= 0x80 && cp < 0xa0) return 0;
  return n;
}

std::string one_decimal(double v, const char* suffix) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%s", v, suffix);
  return buf;
}

}  // namespace

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t n = utf8_length(text, i);
    if (n == 0 || (n == 1 && (c < 0x20 || c == 0x7f))) {
      out += '?';
      i += 1;
      continue;
    }
    out.append(text.substr(i, n));
    i += n;
  }
  return out;
}

std::size_t display_width(std::string_view text) {
  std::size_t w = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) ++w;
  }
  return w;
}

std::string fit(std::string_view text, std::size_t width, bool right) {
  std::size_t cut = 0;
  std::size_t w = 0;
  while (cut < text.size() && w < width) {
    std::size_t n = 1;
    while (cut + n < text.size() && (static_cast<unsigned char>(text[cut + n]) & 0xc0) == 0x80) ++n;
    cut += n;
    ++w;
  }
  std::string body(text.substr(0, cut));
  std::string pad(width - w, ' ');
  return right ? pad + body : body + pad;
}

std::string format_kib(std::uint64_t kib) {
  if (kib < 1024) return std::to_string(kib) + "K";
  double v = static_cast<double>(kib) / 1024;
  if (v < 1024) return one_decimal(v, "M");
  return one_decimal(v / 1024, "G");
}

std::string format_count(std::uint64_t n) {
  if (n < 10'000) return std::to_string(n);
  if (n < 1'000'000) return one_decimal(static_cast<double>(n) / 1000, "k");
  if (n < 1'000'000'000) return one_decimal(static_cast<double>(n) / 1e6, "M");
  return one_decimal(static_cast<double>(n) / 1e9, "G");
}

std::string format_rate(double per_second) {
  if (!(per_second >= 0)) per_second = 0;  // also NaN
  if (per_second < 1000) return one_decimal(per_second, "");
  if (per_second < 1e6) return one_decimal(per_second / 1000, "k");
  return one_decimal(per_second / 1e6, "M");
}

std::string format_age_ms(std::int64_t ms) {
  if (ms < 0) return "-";
  std::int64_t s = ms / 1000;
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return std::to_string(s / 60) + "m";
  if (s < 86400) return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "d";
}

std::string sparkline(const std::vector<double>& values, std::size_t width, bool utf8) {
  static const char* const kBlocks[] = {" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  static const char kAscii[] = " .:-=+*#";
  const std::size_t levels = utf8 ? 8 : 7;
  const std::size_t first = values.size() > width ? values.size() - width : 0;
  double top = 0;
  for (std::size_t i = first; i < values.size(); ++i) top = std::max(top, values[i]);
  std::string out;
  for (std::size_t i = values.size() - first; i < width; ++i) out += ' ';
  for (std::size_t i = first; i < values.size(); ++i) {
    std::size_t level = 0;
    if (top > 0 && values[i] > 0) {
      level = 1 + static_cast<std::size_t>(std::floor(values[i] / top * (levels - 1)));
      level = std::min(level, levels);
    }
    if (utf8) {
      out += kBlocks[level];
    } else {
      out += kAscii[level];
    }
  }
  return out;
}

}  // namespace desaster::top
