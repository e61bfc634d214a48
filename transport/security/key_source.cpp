// The group key's source; see key_source.hpp.
#include "transport/security/key_source.hpp"

#include <cstdlib>

namespace desaster {

std::string resolve_group_key(std::string_view explicit_key) {
  if (!explicit_key.empty()) return std::string(explicit_key);
  const char* from_environment = std::getenv(kGroupKeyEnvironment);
  if (from_environment != nullptr && *from_environment != '\0') return from_environment;
  return std::string(kDefaultGroupKey);
}

}  // namespace desaster
