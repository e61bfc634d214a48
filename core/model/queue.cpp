#include "core/model/queue.hpp"

namespace desaster {

std::string check_queue_name(const std::string& name) {
  if (name.empty()) return "queue name is empty";
  if (name.size() > 128) return "queue name is longer than 128 bytes";
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == ':' || c == '-';
    if (!ok) return "queue name '" + name + "' has a character outside [A-Za-z0-9_.:-]";
  }
  return {};
}

}  // namespace desaster
