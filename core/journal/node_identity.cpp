#include "core/journal/node_identity.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace desaster {

namespace {
bool is_node_id(const std::string& text) {
  if (text.size() != 32) return false;
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}
}  // namespace

Result<std::string> load_or_create_node_id(const std::string& data_dir) {
  const std::string path = data_dir + "/NODE_ID";
  {
    std::ifstream in(path);
    std::string text;
    if (in && std::getline(in, text)) {
      if (is_node_id(text)) return text;
      return Status::error(ErrorCode::corrupt, path + " does not hold a node id (32 hex digits)");
    }
  }
  unsigned char bytes[16];
  if (getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes)) {
    return Status::error(ErrorCode::internal, std::string("getrandom: ") + std::strerror(errno));
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (unsigned char b : bytes) {
    id += kHex[b >> 4];
    id += kHex[b & 15];
  }
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Status::error(ErrorCode::io_error, "cannot create " + tmp + ": " + std::strerror(errno));
  }
  std::string line = id + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
            ::fsync(fd) == 0;
  int saved = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::error(ErrorCode::io_error,
                         "cannot write " + path + ": " + std::strerror(ok ? errno : saved));
  }
  return id;
}

}  // namespace desaster
