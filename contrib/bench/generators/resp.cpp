#include "resp.hpp"

namespace bench {

void append_command(std::string& out, std::initializer_list<std::string_view> words) {
  out += "*" + std::to_string(words.size()) + "\r\n";
  for (std::string_view w : words) {
    out += "$" + std::to_string(w.size()) + "\r\n";
    out += w;
    out += "\r\n";
  }
}

std::optional<std::string> read_reply(TcpConn& conn) {
  std::string line = conn.read_line();
  if (line.empty()) fail("redis: empty reply line");
  switch (line[0]) {
    case '+':
    case ':':
      return line.substr(1);
    case '-':
      fail("redis: " + line.substr(1));
    case '$': {
      long size = std::stol(line.substr(1));
      if (size < 0) return std::nullopt;
      std::string bulk = conn.read_exact(static_cast<std::size_t>(size) + 2);
      bulk.resize(static_cast<std::size_t>(size));
      return bulk;
    }
    case '*': {
      long count = std::stol(line.substr(1));
      if (count < 0) return std::nullopt;
      std::optional<std::string> last;
      for (long i = 0; i < count; ++i) last = read_reply(conn);
      return last;
    }
    default:
      fail("redis: unexpected reply '" + line + "'");
  }
}

}  // namespace bench
