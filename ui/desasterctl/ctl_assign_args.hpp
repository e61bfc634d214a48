// desasterctl's worker assignment commands, parsed: attach, detach, pause,
// resume, drain, undrain, pin, unpin (see ctl_assign_help_text()).
#pragma once

#include <string>
#include <vector>

#include "core/model/status.hpp"

namespace desaster {

struct CtlArgs;

bool is_assign_command(const std::string& command);
// args[pos...] are the words after the command's name. pause/resume --queue Q
// become "queue pause/resume Q".
Status parse_assign_args(const std::vector<std::string>& args, std::size_t pos, CtlArgs& out);
std::string ctl_assign_help_text();

}  // namespace desaster
