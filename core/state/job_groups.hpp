// Grouping the failed set (State::groups) and the error signatures it groups
// by: what two failures have in common once the details that differ from run
// to run are taken out.
#pragma once

#include <string>
#include <string_view>

namespace desaster {

inline constexpr std::size_t kMaxSignatureBytes = 200;

// The first line of error with numbers replaced by <n>, hex ids (words of hex
// digits with at least one digit and one letter, as in UUIDs and job ids) by
// <hex>, 0x addresses by <addr> and quoted strings by "<str>" (or '<str>'),
// trimmed and cut at kMaxSignatureBytes. Digits inside other words become
// <n> as well ("worker12" -> "worker<n>"). An empty error is "(no error)".
std::string error_signature(std::string_view error);

}  // namespace desaster
