#include "core/model/status.hpp"

#include <array>
#include <string_view>

namespace desaster {

namespace {
constexpr std::array<std::pair<ErrorCode, std::string_view>, 8> kNames{{
    {ErrorCode::ok, "ok"},
    {ErrorCode::bad_request, "bad_request"},
    {ErrorCode::not_found, "not_found"},
    {ErrorCode::conflict, "conflict"},
    {ErrorCode::unavailable, "unavailable"},
    {ErrorCode::io_error, "io_error"},
    {ErrorCode::corrupt, "corrupt"},
    {ErrorCode::internal, "internal"},
}};
}  // namespace

const char* to_string(ErrorCode code) {
  for (const auto& [c, name] : kNames)
    if (c == code) return name.data();
  return "internal";
}

bool error_code_from_string(std::string_view name, ErrorCode& out) {
  for (const auto& [c, n] : kNames) {
    if (n == name) {
      out = c;
      return true;
    }
  }
  return false;
}

}  // namespace desaster
